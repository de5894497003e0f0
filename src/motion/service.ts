/**
 * Motion's public face: `startMotion` runs one worker per camera with motion enabled and
 * tells subscribers when events start and end. Called once from `hearth start`.
 */
import type { Db } from '../db/connection.ts';
import type { Logger } from '../log.ts';
import { defaultMotionSensitivity, type CameraConfig, type CameraObjectSettings } from '../config/schema.ts';
import { getCameraSecrets, listCameras } from '../cameras/cameraRows.ts';
import { getMotionSettings, getObjectSettings } from '../cameras/cameraSettings.ts';
import { DetectorOptionsError, type Rect } from './detector.ts';
import { defaultEventPolicy, type EventPolicy } from './events.ts';
import { startCameraMotion, type CameraMotion, type MotionEventNotice } from './cameraMotion.ts';
import type { ObjectDetector } from '../objects/objectDetector.ts';

export type { MotionEventNotice } from './cameraMotion.ts';
export type { Rect } from './detector.ts';

export interface MotionCamera {
  id: string;
  /** The camera's sub stream; motion prefers it (small, cheap to decode). */
  subUrl: string | null;
  mainUrl: string | null;
  motion: { enabled: boolean; sensitivity: number; masks?: readonly Rect[]; zones?: readonly Rect[] };
  /** What the object detector labels on its events: the file's for a config camera, the stored (or default) ones for an adopted one. */
  objects: CameraObjectSettings;
}

export interface MotionOptions {
  db: Db;
  log: Logger;
  dataDir: string;
  /** Read at start and at each `reload()`. */
  cameras: () => MotionCamera[];
  policy?: Partial<EventPolicy>;
  /** Decode rate and width; 5 fps at 320 px is plenty to see a person and cheap on a Pi. */
  fps?: number;
  width?: number;
  /** Tests and the bench: read non-RTSP inputs at native rate. */
  realtimeInputs?: boolean;
  /** Tests and the bench: decode file/lavfi inputs once at full speed, frames stamped with stream time. */
  offlineInputs?: boolean;
  /** With `offlineInputs`: the time each input's first frame is stamped with. */
  offlineOriginMs?: number;
  /** The box's object detector and how many frames a second a moving camera may send it; null: motion only. */
  objects?: { detector: ObjectDetector; fps: number } | null;
}

export interface MotionService {
  stop(): Promise<void>;
  /** Subscribes to event start/end; returns the unsubscribe function. */
  onEvent(listener: (notice: MotionEventNotice) => void): () => void;
  /** A JPEG of the camera's current picture from the motion decoder; null when it is not running or sends nothing. */
  snapshot(cameraId: string, timeoutMs?: number): Promise<Buffer | null>;
  /**
   * Re-reads `cameras()` and starts, stops or restarts workers whose settings changed.
   * Reloads run one at a time, and none after stop begins (a late one would start a decoder nobody stops).
   */
  reload(): Promise<void>;
  /** With `offlineInputs`: resolves with the frame count when the camera's input has been decoded to its end; null when it has no worker. */
  inputEnded(cameraId: string): Promise<number> | null;
}

export const defaultMotionFps = 5;
export const defaultMotionWidth = 320;

export function startMotion(options: MotionOptions): MotionService {
  const policy: EventPolicy = { ...defaultEventPolicy, ...options.policy };
  const listeners = new Set<(notice: MotionEventNotice) => void>();
  const workers = new Map<string, { worker: CameraMotion; key: string }>();
  const log = options.log;

  const notify = (notice: MotionEventNotice): void => {
    for (const listener of listeners) {
      try {
        listener(notice);
      } catch (error) {
        log.error('motion event listener failed', { event: 'motion.listener_failed', camera: notice.cameraId, error: (error as Error).message });
      }
    }
  };

  const wanted = (): Map<string, { camera: MotionCamera; url: string; key: string }> => {
    const result = new Map<string, { camera: MotionCamera; url: string; key: string }>();
    for (const camera of options.cameras()) {
      const url = camera.subUrl ?? camera.mainUrl;
      if (!camera.motion.enabled || !url) continue;
      result.set(camera.id, { camera, url, key: JSON.stringify([url, camera.motion, camera.objects]) });
    }
    return result;
  };

  const start = (camera: MotionCamera, url: string, key: string): void => {
    if (options.objects && camera.objects.enabled) options.objects.detector.warm();
    let worker: CameraMotion;
    try {
      worker = startCameraMotion({
        db: options.db,
        log,
        dataDir: options.dataDir,
        cameraId: camera.id,
        inputUrl: url,
        settings: camera.motion,
        policy,
        fps: options.fps ?? defaultMotionFps,
        width: options.width ?? defaultMotionWidth,
        realtime: options.realtimeInputs ?? false,
        offline: options.offlineInputs ?? false,
        offlineOriginMs: options.offlineOriginMs,
        objects:
          options.objects && camera.objects.enabled
            ? { detector: options.objects.detector, fps: options.objects.fps, rules: { alert: camera.objects.alert, minScore: camera.objects.minScore, zones: camera.objects.zones } }
            : null,
        notify,
      });
    } catch (error) {
      if (!(error instanceof DetectorOptionsError)) throw error;
      // One camera's bad motion settings must not stop the others (or Hearth).
      log.error('motion detection not started: invalid settings', { event: 'motion.camera_invalid', camera: camera.id, error: (error as Error).message });
      return;
    }
    workers.set(camera.id, { worker, key });
    log.info('motion detection started', { event: 'motion.camera_started', camera: camera.id, stream: camera.subUrl ? 'sub' : 'main' });
  };

  const reloadNow = async (): Promise<void> => {
    const next = wanted();
    const stops: Array<Promise<void>> = [];
    for (const [id, running] of workers) {
      if (next.get(id)?.key === running.key) continue;
      workers.delete(id);
      stops.push(running.worker.stop());
    }
    await Promise.all(stops);
    for (const [id, entry] of next) if (!workers.has(id)) start(entry.camera, entry.url, entry.key);
  };

  for (const [, entry] of wanted()) start(entry.camera, entry.url, entry.key);

  let stopping: Promise<void> | undefined;
  let reloads: Promise<void> = Promise.resolve();
  const reload = (): Promise<void> => {
    if (stopping) return Promise.resolve();
    const next = reloads.then(() => (stopping ? undefined : reloadNow()));
    reloads = next.catch(() => undefined);
    return next;
  };
  return {
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    snapshot: async (cameraId, timeoutMs) => (workers.get(cameraId)?.worker.snapshot(timeoutMs)) ?? null,
    reload,
    inputEnded: (cameraId) => workers.get(cameraId)?.worker.ended ?? null,
    stop: () => {
      stopping ??= reloads.then(() => Promise.all([...workers.values()].map((w) => w.worker.stop()))).then(() => {
        workers.clear();
        listeners.clear();
      });
      return stopping;
    },
  };
}

/**
 * The cameras motion watches: enabled ones with motion on and a stream, from the registry
 * (config and adopted alike). A camera of the config file takes sensitivity, masks and object
 * settings from the file (it wins at every start); one adopted in the UI from its stored settings.
 */
export function motionCamerasOf(db: Db, configCameras: readonly CameraConfig[]): MotionCamera[] {
  return listCameras(db)
    .filter((c) => c.enabled && c.motionEnabled)
    .flatMap((c) => {
      const secrets = getCameraSecrets(db, c.id);
      if (!secrets?.streams.main && !secrets?.streams.sub) return [];
      const configCamera = configCameras.find((cc) => cc.id === c.id);
      const configured = configCamera?.motion;
      const stored = configured ? null : getMotionSettings(db, c.id);
      const sensitivity = configured?.sensitivity ?? stored?.sensitivity ?? defaultMotionSensitivity;
      const objects = configCamera?.objects ?? getObjectSettings(db, c.id);
      return [{ id: c.id, subUrl: secrets.streams.sub, mainUrl: secrets.streams.main, motion: { enabled: true, sensitivity, masks: configured?.masks ?? stored?.masks ?? [] }, objects }];
    });
}
