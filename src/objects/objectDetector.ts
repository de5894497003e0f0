/**
 * The box's one object detector: a worker thread running the model, fed from one bounded queue
 * that every camera shares. A Pi has four cores and recording comes first, so when more cameras
 * move at once than the detector can serve, frames are dropped (and counted per camera), never
 * queued without bound; `detect` never blocks the caller, it resolves later or with null.
 *
 * When the queue is full the oldest waiting frame of the camera with the most frames waiting is
 * dropped: a fresher frame of the same scene is worth more, and one busy camera cannot push out
 * the frame of another that has only one.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.ts';
import type { FrameRect } from '../wire/settings.ts';
import type { DetectorReply, DetectorWorkerData, FoundObject } from './detectorProtocol.ts';
import { kindOf, type ObjectKind } from './labels.ts';

export interface DetectRequest {
  cameraId: string;
  /** yuv420p; copied to the worker (the caller keeps it, for the thumbnail). */
  frame: Uint8Array;
  width: number;
  height: number;
  /** Where to look, fractions of the frame. */
  crop: { x: number; y: number; w: number; h: number };
  minScore: number;
}

export interface DetectedObject extends FoundObject {
  kind: ObjectKind | null;
  box: FrameRect;
}

export interface DetectResult {
  objects: DetectedObject[];
  inferenceMs: number;
}

export interface DetectorStats {
  /** idle: not loaded yet (nothing has asked for it). */
  state: 'idle' | 'loading' | 'ready' | 'failed' | 'closed';
  /** Why it failed, for `hearth doctor` and the log. */
  error: string | null;
  loadMs: number | null;
  inferences: ReadonlyMap<string, number>;
  drops: ReadonlyMap<string, number>;
  inferenceSecondsSum: number;
  inferenceCount: number;
  queued: number;
}

export interface ObjectDetector {
  /** Resolves when the model is loaded; rejects (with the reason) when it cannot be. */
  ready: Promise<{ loadMs: number }>;
  /** Null when the frame was dropped (queue full, detector failed or closing). */
  detect(request: DetectRequest): Promise<DetectResult | null>;
  /** Starts loading the model if it is not loaded (a camera that will need it has started). */
  warm(): void;
  stats(): DetectorStats;
  close(): Promise<void>;
}

export interface ObjectDetectorOptions {
  log: Logger;
  /** Frames waiting across the whole box, besides the one being classified. */
  queueSize: number;
  threads: number;
  /** Load only when first warmed or asked (a box whose cameras all have motion off never pays for it). */
  lazy?: boolean;
}

interface Waiting {
  request: DetectRequest;
  resolve(result: DetectResult | null): void;
}

/** A worker thread does not inherit tsx's loader: from src/ a JS boot registers it; the compiled build needs none. */
const workerUrl = import.meta.url.endsWith('.ts') ? new URL('./detectorBoot.js', import.meta.url) : new URL('./detectorThread.js', import.meta.url);
/** A frame taking longer than this means a wedged runtime: the worker is replaced. */
const inferenceDeadlineMs = 30_000;
const restartDelaysMs = [5_000, 30_000, 300_000];
/** A frame in hand finishes within this on any box Hearth runs on; then the thread is ended by force. */
const closeTimeoutMs = 10_000;

export function startObjectDetector(options: ObjectDetectorOptions): ObjectDetector {
  const log = options.log.child({ component: 'objects' });
  const queue: Waiting[] = [];
  const inferences = new Map<string, number>();
  const drops = new Map<string, number>();
  let inferenceSecondsSum = 0;
  let inferenceCount = 0;
  let state: DetectorStats['state'] = options.lazy ? 'idle' : 'loading';
  let error: string | null = null;
  let loadMs: number | null = null;
  let worker: Worker | null = null;
  let inFlight: { id: number; waiting: Waiting; timer: NodeJS.Timeout } | null = null;
  let nextId = 1;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let settleReady: { resolve(v: { loadMs: number }): void; reject(e: Error): void } | null = null;
  const ready = new Promise<{ loadMs: number }>((resolve, reject) => {
    settleReady = { resolve, reject };
  });
  ready.catch(() => undefined);

  const count = (map: Map<string, number>, cameraId: string): void => void map.set(cameraId, (map.get(cameraId) ?? 0) + 1);
  const drop = (waiting: Waiting): void => {
    count(drops, waiting.request.cameraId);
    waiting.resolve(null);
  };

  const pump = (): void => {
    if (inFlight || state !== 'ready' || !worker) return;
    const waiting = queue.shift();
    if (!waiting) return;
    const id = nextId++;
    const { request } = waiting;
    const crop = {
      x: Math.round(request.crop.x * request.width),
      y: Math.round(request.crop.y * request.height),
      w: Math.max(8, Math.round(request.crop.w * request.width)),
      h: Math.max(8, Math.round(request.crop.h * request.height)),
    };
    const timer = setTimeout(() => {
      log.error('the object detector took too long on a frame; restarting it', { event: 'objects.inference_stuck', camera: request.cameraId, deadlineMs: inferenceDeadlineMs });
      void replaceWorker('a frame took over 30 s');
    }, inferenceDeadlineMs);
    inFlight = { id, waiting, timer };
    worker.postMessage({ type: 'detect', id, frame: request.frame, width: request.width, height: request.height, crop, minScore: request.minScore });
  };

  const finishInFlight = (id: number, result: DetectResult | null): void => {
    if (!inFlight || inFlight.id !== id) return;
    const { waiting, timer } = inFlight;
    clearTimeout(timer);
    inFlight = null;
    if (result) count(inferences, waiting.request.cameraId);
    waiting.resolve(result);
    pump();
  };

  const spawn = (): void => {
    const data: DetectorWorkerData = { threads: options.threads };
    // The model's tensors live in onnxruntime's native heap; the JS side needs little.
    const w = new Worker(workerUrl, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 64 } });
    worker = w;
    w.on('message', (reply: DetectorReply) => {
      if (worker !== w) return;
      switch (reply.type) {
        case 'ready':
          state = 'ready';
          error = null;
          loadMs = reply.loadMs;
          restarts = 0;
          log.info('object detector loaded', { event: 'objects.detector_loaded', model: reply.model, loadMs: reply.loadMs, threads: options.threads });
          settleReady?.resolve({ loadMs: reply.loadMs });
          pump();
          break;
        case 'load_failed':
          fail(reply.message, false);
          break;
        case 'result': {
          inferenceSecondsSum += reply.inferenceMs / 1000;
          inferenceCount += 1;
          const objects = reply.objects.map((o) => ({ ...o, kind: kindOf(o.label) }));
          finishInFlight(reply.id, { objects, inferenceMs: reply.inferenceMs });
          break;
        }
        case 'closed':
          break;
        case 'failed':
          log.warn('the object detector failed on a frame', { event: 'objects.inference_failed', error: reply.message });
          if (inFlight?.id === reply.id) count(drops, inFlight.waiting.request.cameraId);
          finishInFlight(reply.id, null);
          break;
      }
    });
    w.on('error', (e) => {
      if (worker === w) void replaceWorker(e.message);
    });
    w.on('exit', (code) => {
      if (worker === w && state !== 'closed') void replaceWorker(`its thread exited with code ${code}`);
    });
  };

  /** The model cannot load (missing package, unknown op): no retry, the reason stays for doctor and the log. */
  const fail = (message: string, transient: boolean): void => {
    error = message;
    state = 'failed';
    log.error('object detection is off: the detector cannot load', { event: 'objects.detector_failed', error: message, fix: 'run `npm ci`; or set objects.enabled: false to silence this' });
    settleReady?.reject(new Error(message));
    for (const waiting of queue.splice(0)) drop(waiting);
    const w = worker;
    worker = null;
    void w?.terminate();
    if (transient) scheduleRestart();
  };

  const replaceWorker = async (reason: string): Promise<void> => {
    if (state === 'closed') return;
    const w = worker;
    worker = null;
    if (inFlight) {
      const { waiting, timer } = inFlight;
      clearTimeout(timer);
      inFlight = null;
      drop(waiting);
    }
    await w?.terminate();
    log.error('the object detector stopped; frames are dropped until it is back', { event: 'objects.detector_crashed', error: reason });
    error = reason;
    state = 'failed';
    for (const waiting of queue.splice(0)) drop(waiting);
    scheduleRestart();
  };

  const scheduleRestart = (): void => {
    const delay = restartDelaysMs[Math.min(restarts, restartDelaysMs.length - 1)]!;
    restarts += 1;
    clearTimeout(restartTimer);
    restartTimer = setTimeout(() => {
      if (state === 'closed') return;
      state = 'loading';
      spawn();
    }, delay);
    restartTimer.unref();
  };

  const warm = (): void => {
    if (state !== 'idle') return;
    state = 'loading';
    spawn();
  };
  if (!options.lazy) spawn();

  return {
    ready,
    warm,
    detect: (request) =>
      new Promise<DetectResult | null>((resolve) => {
        warm();
        const waiting = { request, resolve };
        if (state === 'failed' || state === 'closed') return drop(waiting);
        if (queue.length >= options.queueSize) {
          const victim = pickVictim(queue, request.cameraId);
          drop(queue.splice(victim, 1)[0]!);
        }
        queue.push(waiting);
        pump();
      }),
    stats: () => ({ state, error, loadMs, inferences, drops, inferenceSecondsSum, inferenceCount, queued: queue.length }),
    close: async () => {
      state = 'closed';
      clearTimeout(restartTimer);
      for (const waiting of queue.splice(0)) drop(waiting);
      settleReady?.reject(new Error('the detector was closed'));
      const w = worker;
      worker = null;
      if (w) await closeGently(w);
      if (inFlight) {
        clearTimeout(inFlight.timer);
        drop(inFlight.waiting);
        inFlight = null;
      }
    },
  };
}

/** Terminating a thread inside onnxruntime aborts the whole process: ask it to release and end; terminate only if it does not. */
async function closeGently(w: Worker): Promise<void> {
  const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
  w.postMessage({ type: 'close' });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), closeTimeoutMs);
  });
  const outcome = await Promise.race([exited.then(() => 'exited' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') await w.terminate();
}

/** The oldest waiting frame of the camera with most frames waiting (the newcomer's camera counts itself). */
function pickVictim(queue: readonly Waiting[], newcomer: string): number {
  const counts = new Map<string, number>([[newcomer, 1]]);
  for (const w of queue) counts.set(w.request.cameraId, (counts.get(w.request.cameraId) ?? 0) + 1);
  let busiest = newcomer;
  for (const [camera, n] of counts) if (n > (counts.get(busiest) ?? 0)) busiest = camera;
  const index = queue.findIndex((w) => w.request.cameraId === busiest);
  return index >= 0 ? index : 0;
}
