// Entry of an ONVIF worker thread. Hearth runs TypeScript through tsx, whose loader is
// registered per thread: register it here, then serve (onvifWorker.ts).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { serveOnvifRequests } = await import('./onvifWorker.ts');
if (parentPort) serveOnvifRequests(parentPort);
