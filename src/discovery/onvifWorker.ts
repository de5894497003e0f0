/**
 * The worker side of connectOnvif: one OnvifDevice per worker at a time, driven by
 * messages from onvifWorkerPool.ts. It pings the pool while it has work in hand, so a
 * stall (a CPU-bound parse) is seen from outside and the worker terminated.
 */
import type { MessagePort } from 'node:worker_threads';
// Before 'onvif' loads anywhere in this thread (see onvifPackageGuard.ts).
import './onvifPackageGuard.ts';
import { connectOnvifInThisThread } from './onvifCam.ts';
import type { OnvifConnectOptions, OnvifDevice } from './onvifTypes.ts';
import type { Logger, LogFields } from '../log.ts';
import { toWire, type WorkerReply, type WorkerRequest } from './onvifWire.ts';

export const aliveIntervalMs = 250;

export function serveOnvifRequests(
  port: MessagePort,
  connect: (options: OnvifConnectOptions) => Promise<OnvifDevice> = connectOnvifInThisThread,
): void {
  const send = (reply: WorkerReply): void => port.postMessage(reply);
  const logger = (base: LogFields): Logger => {
    const emit = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: LogFields) => {
      try {
        send({ type: 'log', level, message, fields: { ...base, ...fields } });
      } catch {
        // A field that cannot cross threads (a function, a socket): send it as text.
        send({ type: 'log', level, message, fields: Object.fromEntries(Object.entries({ ...base, ...fields }).map(([key, value]) => [key, String(value)])) });
      }
    };
    return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), child: (fields) => logger({ ...base, ...fields }) };
  };
  let device: OnvifDevice | null = null;
  let busy = 0;
  send({ type: 'alive' });
  const alive = setInterval(() => {
    if (busy > 0) send({ type: 'alive' });
  }, aliveIntervalMs);
  alive.unref();

  const run = async (id: number, work: () => Promise<unknown>): Promise<void> => {
    busy += 1;
    try {
      const value = await work();
      send({ type: 'result', id, value, address: device?.address ?? '', clockOffsetMs: device?.clockOffsetMs ?? 0 });
    } catch (error) {
      send({ type: 'error', id, error: toWire(error) });
    } finally {
      busy -= 1;
    }
  };

  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'close') {
      device?.close();
      device = null;
      return;
    }
    if (request.type === 'connect') {
      void run(request.id, async () => {
        device?.close();
        device = await connect({ ...request.options, log: logger({}) });
        return null;
      });
      return;
    }
    void run(request.id, async () => {
      if (device === null) throw new Error('ONVIF worker has no open device');
      const method = device[request.method] as ((...args: unknown[]) => Promise<unknown>) | undefined;
      if (method === undefined) throw new Error(`ONVIF device has no ${request.method}`);
      return method.apply(device, request.args);
    });
  });
}
