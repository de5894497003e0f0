// An ONVIF worker (the real serve loop) whose connect spins its thread forever for URLs
// containing "/stall": the CPU-bound stall a hostile answer would cause, on demand.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { serveOnvifRequests } = await import('../../src/discovery/onvifWorker.ts');
const { connectOnvifInThisThread } = await import('../../src/discovery/onvifClient.ts');
if (parentPort) {
  serveOnvifRequests(parentPort, async (options) => {
    if (options.url.includes('/stall')) for (;;);
    return connectOnvifInThisThread(options);
  });
}
