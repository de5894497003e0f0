/**
 * ONVIF conversations run in worker threads (security review H3): the `onvif` package and
 * our XML readers run on data any LAN device can send, before any authentication. In a
 * worker a device that makes parsing expensive costs that worker, not the main event loop
 * that indexes segments and serves the UI.
 *
 * One open OnvifDevice per worker, so a stalled worker holds one conversation only. A
 * worker with work in hand pings every 250 ms; one silent for `stallMs`, or past a request's
 * deadline, is terminated and its conversation fails with OnvifTimeoutError; the next
 * connect gets a fresh worker. A worker that crashes (the package throws from socket
 * callbacks on odd answers) fails its conversation the same way, and Hearth keeps running.
 */
import { Worker } from 'node:worker_threads';
import { silentLogger, type Logger } from '../log.ts';
import type { DeviceIdentity, OnvifConnectOptions, OnvifDevice, OptionalField } from './onvifTypes.ts';
import type { MediaProfile } from './onvifProfiles.ts';
import type { StreamUris } from './onvifMedia.ts';
import { OnvifProtocolError, OnvifTimeoutError } from './onvifErrors.ts';
import { fromWire, type DeviceMethod, type WorkerReply, type WorkerRequest } from './onvifWire.ts';

export interface OnvifWorkerPoolOptions {
  /** Worker entry; default onvifWorkerThread (through onvifWorkerBoot.js from src/); tests pass their own to simulate a stall. */
  workerUrl?: URL;
  /** Conversations at once; more wait for a free worker. Default 4 (each worker is ~35 MiB; the relocator asks 4 at once). */
  maxWorkers?: number;
  /** Finished workers kept for reuse (a start costs ~0.7 s of CPU). Default 1. */
  maxIdle?: number;
  /** A worker with work in hand and no sign of life this long is terminated. Default 5 s. */
  stallMs?: number;
  /** A worker that has not started (loaded its modules) within this is terminated. Default 30 s. */
  startupMs?: number;
}

export interface OnvifWorkerPool {
  connect(options: OnvifConnectOptions): Promise<OnvifDevice>;
  /** Workers alive now (busy and idle) and how many were terminated for a stall or deadline. */
  stats(): { workers: number; idle: number; terminated: number };
  close(): Promise<void>;
}

const defaultTimeoutMs = 8000;
/** A worker thread does not inherit tsx's loader: from src/ a JS boot registers it; the compiled build needs none. */
const defaultWorkerUrl = import.meta.url.endsWith('.ts')
  ? new URL('./onvifWorkerBoot.js', import.meta.url)
  : new URL('./onvifWorkerThread.js', import.meta.url);
/** Per-call deadlines live in the worker; this backstop covers a whole method (several calls, retries). */
const callsPerRequest = 12;

interface Pending {
  resolve(reply: Extract<WorkerReply, { type: 'result' }>): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  action: string;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  started: boolean;
  bornMs: number;
  lastSeenMs: number;
  address: string;
  log: Logger;
  dead: boolean;
  idleTimer: NodeJS.Timeout | null;
}

export function createOnvifWorkerPool(options: OnvifWorkerPoolOptions = {}): OnvifWorkerPool {
  const workerUrl = options.workerUrl ?? defaultWorkerUrl;
  const maxWorkers = options.maxWorkers ?? 4;
  const maxIdle = options.maxIdle ?? 1;
  const stallMs = options.stallMs ?? 5_000;
  const startupMs = options.startupMs ?? 30_000;
  const slots = new Set<Slot>();
  const idle: Slot[] = [];
  const waiting: ((slot: Slot) => void)[] = [];
  let nextId = 1;
  let terminated = 0;

  const kill = (slot: Slot, error: Error): void => {
    if (slot.dead) return;
    slot.dead = true;
    slots.delete(slot);
    const at = idle.indexOf(slot);
    if (at >= 0) idle.splice(at, 1);
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    void slot.worker.terminate();
    for (const pending of slot.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    slot.pending.clear();
    // Replace it for whoever waits.
    const next = waiting.shift();
    if (next) next(spawn());
  };

  const stalled = (slot: Slot, action: string, forMs: number): OnvifTimeoutError =>
    new OnvifTimeoutError(
      `ONVIF device at ${slot.address} kept Hearth's ONVIF worker busy for over ${Math.round(forMs / 1000)} s during ${action} (its answer is too costly to read, or it never finished); the conversation was stopped: check the device, or remove it if it is not a camera`,
      slot.address,
      action,
    );

  const spawn = (): Slot => {
    // A heap bound too: a worker that a device talks into allocating without end dies alone.
    const worker = new Worker(workerUrl, { resourceLimits: { maxOldGenerationSizeMb: 96 } });
    const slot: Slot = { worker, pending: new Map(), started: false, bornMs: Date.now(), lastSeenMs: Date.now(), address: '(starting)', log: silentLogger, dead: false, idleTimer: null };
    worker.on('message', (reply: WorkerReply) => {
      slot.lastSeenMs = Date.now();
      slot.started = true;
      if (reply.type === 'log') {
        slot.log[reply.level](reply.message, reply.fields);
        return;
      }
      if (reply.type === 'alive') return;
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      clearTimeout(pending.timer);
      if (slot.pending.size === 0) worker.unref();
      if (reply.type === 'result') pending.resolve(reply);
      else pending.reject(fromWire(reply.error));
    });
    worker.on('error', (error) => {
      slot.log.error('onvif worker failed', { event: 'onvif.worker_failed', address: slot.address, error: error.message });
      kill(slot, new OnvifProtocolError(`ONVIF device at ${slot.address} sent an answer that broke the ONVIF library (${error.message}); the conversation was stopped`, slot.address, 'connect'));
    });
    worker.on('exit', (code) => {
      kill(slot, new OnvifProtocolError(`ONVIF worker for ${slot.address} stopped (exit code ${code})`, slot.address, 'connect'));
    });
    worker.unref();
    slots.add(slot);
    return slot;
  };

  const acquire = (): Promise<Slot> => {
    const reused = idle.pop();
    if (reused) {
      if (reused.idleTimer) clearTimeout(reused.idleTimer);
      reused.idleTimer = null;
      return Promise.resolve(reused);
    }
    if (slots.size < maxWorkers) return Promise.resolve(spawn());
    return new Promise((resolve) => waiting.push(resolve));
  };

  const release = (slot: Slot): void => {
    if (slot.dead) return;
    slot.log = silentLogger;
    slot.address = '(idle)';
    const next = waiting.shift();
    if (next) {
      next(slot);
      return;
    }
    if (idle.length >= maxIdle) {
      slot.dead = true;
      slots.delete(slot);
      void slot.worker.terminate();
      return;
    }
    idle.push(slot);
    slot.idleTimer = setTimeout(() => {
      const at = idle.indexOf(slot);
      if (at >= 0) idle.splice(at, 1);
      slot.dead = true;
      slots.delete(slot);
      void slot.worker.terminate();
    }, 30_000);
    slot.idleTimer.unref();
  };

  const request = (slot: Slot, message: WorkerRequest & { id: number }, action: string, deadlineMs: number) =>
    new Promise<Extract<WorkerReply, { type: 'result' }>>((resolve, reject) => {
      if (slot.dead) {
        reject(new OnvifProtocolError(`ONVIF client for ${slot.address} is closed`, slot.address, action));
        return;
      }
      if (slot.pending.size === 0) slot.lastSeenMs = Date.now();
      const timer = setTimeout(() => {
        terminated += 1;
        kill(slot, stalled(slot, action, deadlineMs));
      }, deadlineMs);
      slot.pending.set(message.id, { resolve, reject, timer, action });
      slot.worker.ref();
      slot.worker.postMessage(message);
    });

  // Silence while work is in hand means the worker's event loop is stuck.
  const watchdog = setInterval(() => {
    const now = Date.now();
    for (const slot of slots) {
      if (slot.pending.size === 0) continue;
      const silentFor = now - (slot.started ? slot.lastSeenMs : slot.bornMs);
      if (silentFor > (slot.started ? stallMs : startupMs)) {
        terminated += 1;
        const action = [...slot.pending.values()][0]?.action ?? 'connect';
        slot.log.warn('onvif worker stalled; terminated', { event: 'onvif.worker_stalled', address: slot.address, action, silentMs: silentFor });
        kill(slot, stalled(slot, action, silentFor));
      }
    }
  }, 250);
  watchdog.unref();

  const connect = async (connectOptions: OnvifConnectOptions): Promise<OnvifDevice> => {
    const timeoutMs = connectOptions.timeoutMs ?? defaultTimeoutMs;
    const deadlineMs = timeoutMs * callsPerRequest + 2_000;
    const slot = await acquire();
    slot.log = connectOptions.log ?? silentLogger;
    slot.address = connectOptions.url.replace(/\/\/[^@/]*@/, '//');
    const { log: _log, ...plain } = connectOptions;
    let address = slot.address;
    let clockOffsetMs = 0;
    try {
      const reply = await request(slot, { type: 'connect', id: nextId++, options: plain }, 'connect', deadlineMs);
      address = reply.address;
      clockOffsetMs = reply.clockOffsetMs;
      slot.address = address;
    } catch (error) {
      if (!slot.dead) slot.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
      release(slot);
      throw error;
    }
    let closed = false;
    const call = async <T>(method: DeviceMethod, args: unknown[] = []): Promise<T> => {
      if (closed) throw new OnvifProtocolError(`ONVIF client for ${address} is closed`, address, method);
      const reply = await request(slot, { type: 'call', id: nextId++, method, args }, method, deadlineMs);
      clockOffsetMs = reply.clockOffsetMs;
      return reply.value as T;
    };
    return {
      address,
      get clockOffsetMs() {
        return clockOffsetMs;
      },
      getDeviceIdentity: () => call<DeviceIdentity>('getDeviceIdentity'),
      getMacAddresses: () => call<string[]>('getMacAddresses'),
      readMacAddresses: () => call<OptionalField<string[]>>('readMacAddresses'),
      getProfiles: () => call<MediaProfile[]>('getProfiles'),
      getStreamUris: () => call<StreamUris>('getStreamUris'),
      getSnapshotUri: (profileToken?: string) => call<string>('getSnapshotUri', profileToken === undefined ? [] : [profileToken]),
      close: () => {
        if (closed) return;
        closed = true;
        if (slot.dead) return;
        if (slot.pending.size > 0) {
          // Closed mid-call: this worker's state is unknown, so it is not reused.
          kill(slot, new OnvifProtocolError(`ONVIF client for ${address} is closed`, address, [...slot.pending.values()][0]?.action ?? 'close'));
          return;
        }
        slot.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
        release(slot);
      },
    };
  };

  return {
    connect,
    stats: () => ({ workers: slots.size, idle: idle.length, terminated }),
    async close() {
      clearInterval(watchdog);
      const all = [...slots];
      for (const slot of all) kill(slot, new OnvifProtocolError(`ONVIF worker pool closed`, slot.address, 'connect'));
    },
  };
}

let shared: OnvifWorkerPool | null = null;

/** The process-wide pool connectOnvif uses. */
export function sharedOnvifWorkerPool(): OnvifWorkerPool {
  shared ??= createOnvifWorkerPool();
  return shared;
}
