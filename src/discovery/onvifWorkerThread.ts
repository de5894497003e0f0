// Entry of an ONVIF worker thread in the compiled build (dist/): plain JavaScript, no loader.
// From src/ the pool starts onvifWorkerBoot.js instead, which registers tsx first.
import { parentPort } from 'node:worker_threads';
import { serveOnvifRequests } from './onvifWorker.ts';

if (parentPort) serveOnvifRequests(parentPort);
