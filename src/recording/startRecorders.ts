/**
 * The recording service's one entry point, called by `hearth start` (src/hearth.ts):
 * reaps ffmpeg left by a crashed Hearth, checks the recording root's marker, reconciles
 * disk and index, then runs one supervisor per enabled camera and retention on a timer.
 * `reload(id)` brings one camera in line with the registry while running (adopted,
 * added, disabled, deleted, moved to a new address), so no restart is needed.
 */
import path from 'node:path';
import type { Db } from '../db/sqlite.ts';
import type { HearthConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { getCamera, getCameraSecrets, listCameras, type CameraRow } from '../cameras/cameraRows.ts';
import { createStreamResolver, type StreamResolver } from '../cameras/streamSource.ts';
import { CameraSupervisor, type SupervisorOptions } from './run/cameraSupervisor.ts';
import { defaultBackoff, type BackoffPolicy } from '../util/backoff.ts';
import { unverifiedIdentity, type CameraStatus, type IdentityCheck } from '../cameras/cameraStatus.ts';
import { ChildRegistry, reapOrphanRecorders } from './childRegistry.ts';
import { ClockGuard } from './clockGuard.ts';
import { recordingRoot } from './layout.ts';
import type { LiveFeed } from '../live/liveFeed.ts';
import { reconcileRecordings, type ReconcileReport } from './reconcile.ts';
import { pruneToBudget, runRetention, type RetentionDeps } from './retention.ts';
import { pruneQuarantine, quarantineSegmentsSince } from './quarantine.ts';
import { SegmentIndexer } from './segmentIndexer.ts';
import { lastSegmentEndMs, newestSegmentEndMs } from './segmentRows.ts';
import { checkRecordingRoot, type StorageCheck } from './storageMarker.ts';
import { SubStreamRecorders } from './subStreamRecorders.ts';

export interface StartRecordersOptions {
  db: Db;
  config: HearthConfig;
  log: Logger;
  dataDir: string;
  /** The ONVIF serial check plugs in here; default: every camera "identity unverified". */
  identityCheck?: IdentityCheck;
  /**
   * Re-check identity this often while recording (default 5 min; 0 = only before each
   * run). One SOAP call per camera per period is nothing for a camera, and bounds what a
   * swap that keeps the stream open could put under the wrong id: at most this much video,
   * which is then set aside, not served.
   */
  identityRecheckMs?: number;
  backoff?: BackoffPolicy;
  /** Where each run's stream URL comes from; default: config, then the camera's ONVIF answer, then the registry. */
  resolveStream?: StreamResolver;
  retentionIntervalMs?: number;
  /** Free space below this after a recorder failure means `disk_full`. */
  lowSpaceBytes?: number;
  stallMs?: number;
  offlineAfterMs?: number;
}

export interface Recorders {
  states(): CameraStatus[];
  /** The live fMP4 feed of a camera's main stream (same RTSP connection as the recording). */
  liveFeed(cameraId: string): LiveFeed | null;
  /** True while the camera's recorder runs on a device that passed the identity check (motion follows this). */
  streaming(cameraId: string): boolean;
  /** Told whenever a camera's state changes or a run starts or ends; returns the unsubscribe function. */
  onStateChange(listener: () => void): () => void;
  /** Start, stop, restart or wake the camera's recorder to match its registry row now. */
  reload(cameraId: string): Promise<void>;
  reconcileReport: ReconcileReport | null;
  runRetentionNow(): Promise<void>;
  stop(): Promise<void>;
}

/** Default for StartRecordersOptions.identityRecheckMs. */
export const defaultIdentityRecheckMs = 5 * 60_000;

/** How often wall time is compared with monotonic time (see ClockGuard.observe). */
const clockWatchMs = 5_000;

/** Default for StartRecordersOptions.lowSpaceBytes. */
const defaultLowSpaceBytes = 64 * 1024 * 1024;
/** What the disk budget leaves free above the low-space mark (a segment or two of headroom). */
const lowSpaceSlackBytes = 2 * 1024 * 1024;

export async function startRecorders(options: StartRecordersOptions): Promise<Recorders> {
  const { db, config, log } = options;
  const lowSpaceBytes = options.lowSpaceBytes ?? defaultLowSpaceBytes;
  const root = recordingRoot(options.dataDir);
  const runDir = path.join(path.resolve(options.dataDir), 'run');
  await reapOrphanRecorders(runDir, log);

  const cameras = listCameras(db);
  const firstCheck = checkRecordingRoot(db, root, { initialize: true });
  let storage: StorageCheck = firstCheck;
  if (!firstCheck.ok) log.error(`not recording: ${firstCheck.reason}`, { event: 'storage.missing' });
  // Every recorder asks each second; one look at the marker per half second answers them all.
  let checkedAtMs = 0;
  const checkStorage = (): StorageCheck => {
    const nowMs = performance.now();
    if (nowMs - checkedAtMs < 500) return storage;
    checkedAtMs = nowMs;
    const next = checkRecordingRoot(db, root, { initialize: false });
    if (next.ok !== storage.ok) {
      if (next.ok) log.info('recording folder is back', { event: 'storage.back' });
      else log.error(`stopped recording: ${next.reason}`, { event: 'storage.missing' });
    }
    storage = next;
    return next;
  };

  const reconcileReport = firstCheck.ok ? await reconcileRecordings(db, root, cameras.map((c) => c.id), log) : null;
  const clock = new ClockGuard(log);
  clock.checkAtStart(newestSegmentEndMs(db));
  // Watch the clock between retention passes too, so a jump is logged when it happens.
  // ffmpeg names segments from the wall clock (plus the run id): after a step back, a run
  // would reach names it already wrote and overwrite them. A new run gets a new run id.
  clock.onJump((jumpMs) => {
    if (jumpMs < 0) for (const supervisor of supervisors.values()) supervisor.restartAfterClockStep();
  });
  const clockWatch = setInterval(() => clock.observe(), clockWatchMs);
  const retentionDeps: RetentionDeps = {
    db,
    root,
    log,
    retention: config.retention,
    // From the registry each time: cameras adopted while running have their own days too.
    cameraDays: (id) => getCamera(db, id)?.retentionDays ?? null,
    clock,
    // Just above the recorders' low-space mark, so that a prune always lets them record again.
    minFreeBytes: lowSpaceBytes + lowSpaceSlackBytes,
  };

  let pruning: Promise<void> | null = null;
  const pruneForSpace = (): Promise<void> => {
    // One prune at a time, shared by every camera that hit the full disk together.
    pruning ??= pruneToBudget(retentionDeps, 5)
      .then((n) => log.warn('disk full: pruned oldest recordings', { event: 'retention.disk_full_prune', deleted: n }))
      .catch((error: unknown) => log.error('prune after a full disk failed', { event: 'retention.failed', error: (error as Error).message }))
      .finally(() => (pruning = null));
    return pruning;
  };
  const indexer = new SegmentIndexer(db, log, () => void pruneForSpace());
  const registry = new ChildRegistry(runDir);

  const resolveStream = options.resolveStream ?? createStreamResolver({ db, log, configCameras: () => config.cameras });
  const supervisors = new Map<string, CameraSupervisor>();
  const fixedStates = new Map<string, CameraStatus>();
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (error) {
        log.error('a recorder state listener failed', { event: 'recorders.listener_failed', error: (error as Error).stack ?? String(error) });
      }
    }
  };
  let stopping: Promise<void> | null = null;

  // H.265 cameras' H.264 sub streams: see subStreamRecorders.ts.
  const subStreams = new SubStreamRecorders({ db, root, log });

  const startSupervisor = (camera: CameraRow, rotationOffsetSeconds: number): void => {
    const supervisorOptions: SupervisorOptions = {
      cameraId: camera.id,
      cameraName: camera.name,
      resolveInput: () => resolveStream(camera.id),
      root,
      segmentSeconds: config.recording.segmentSeconds,
      rotationOffsetSeconds,
      lastEndMs: lastSegmentEndMs(db, camera.id) ?? 0,
      backoff: options.backoff ?? defaultBackoff,
      stallMs: options.stallMs ?? 20_000,
      ioTimeoutSeconds: 10,
      lowSpaceBytes,
      offlineAfterMs: options.offlineAfterMs ?? 120_000,
      log,
      indexer,
      registry,
      identityCheck: options.identityCheck ?? unverifiedIdentity,
      identityRecheckMs: options.identityRecheckMs ?? defaultIdentityRecheckMs,
      quarantineSince: async (sinceMs) => {
        const moved = await quarantineSegmentsSince(db, root, camera.id, sinceMs, log);
        await pruneQuarantine(root, camera.id, Date.now());
        return moved;
      },
      onChange: changed,
      checkStorage,
      pruneForSpace,
    };
    const supervisor = new CameraSupervisor(supervisorOptions);
    subStreams.follow(camera.id, supervisorOptions);
    supervisors.set(camera.id, supervisor);
    fixedStates.delete(camera.id);
    supervisor.start();
  };

  /** What a camera without a running supervisor shows; null = it should have one. */
  const fixedStateOf = (camera: CameraRow | null): CameraStatus | 'none' | null => {
    if (!camera) return 'none';
    if (!camera.enabled) return fixedStatus(camera.id, 'disabled', null);
    // An ONVIF address is enough: the supervisor asks the device for its streams before each run.
    if (!getCameraSecrets(db, camera.id)?.streams.main && !camera.onvifUrl) {
      return fixedStatus(camera.id, 'offline', `camera "${camera.name}" has no stream URL and no ONVIF address: add streams.main or onvif.url for it in the config, or adopt it through ONVIF in the web UI`);
    }
    return null;
  };

  const enabled = cameras.filter((c) => c.enabled);
  enabled.forEach((camera, index) => {
    const fixed = fixedStateOf(camera);
    if (fixed === 'none') return;
    if (fixed) {
      fixedStates.set(camera.id, fixed);
      return;
    }
    // Spread file switches evenly over the segment period (DESIGN.md: staggered rotation).
    startSupervisor(camera, (index * config.recording.segmentSeconds) / enabled.length);
  });
  for (const camera of cameras.filter((c) => !c.enabled)) fixedStates.set(camera.id, fixedStatus(camera.id, 'disabled', null));

  // One reload per camera at a time: adoption and relocation may both fire for one camera.
  const reloading = new Map<string, Promise<void>>();
  const reloadNow = async (cameraId: string): Promise<void> => {
    if (stopping) return;
    const camera = getCamera(db, cameraId);
    const fixed = fixedStateOf(camera);
    const running = supervisors.get(cameraId);
    if (fixed === null && camera) {
      if (running) {
        running.refresh();
        subStreams.refresh(cameraId);
        return;
      }
      // A new camera takes the next offset in the rotation cycle: later ones fill the gaps.
      const offset = ((supervisors.size * config.recording.segmentSeconds) / (supervisors.size + 1)) % config.recording.segmentSeconds;
      startSupervisor(camera, offset);
      log.info('recorder started for a camera added while running', { event: 'recorders.camera_added', camera: cameraId });
      changed();
      return;
    }
    if (running) {
      supervisors.delete(cameraId);
      await Promise.all([running.stop(), subStreams.forget(cameraId)]);
      log.info('recorder stopped: camera disabled or removed', { event: 'recorders.camera_removed', camera: cameraId });
    }
    if (fixed === 'none') fixedStates.delete(cameraId);
    else if (fixed) fixedStates.set(cameraId, fixed);
    changed();
  };
  const reload = (cameraId: string): Promise<void> => {
    const previous = reloading.get(cameraId) ?? Promise.resolve();
    const next = previous.then(() => reloadNow(cameraId));
    const settled = next.finally(() => {
      if (reloading.get(cameraId) === settled) reloading.delete(cameraId);
    });
    reloading.set(cameraId, settled);
    return next;
  };

  const runRetentionNow = async (): Promise<void> => {
    if (!storage.ok) return;
    try {
      await runRetention(retentionDeps);
    } catch (error) {
      log.error('retention pass failed', { event: 'retention.failed', error: (error as Error).message });
    }
  };
  const retentionTimer = setInterval(() => void runRetentionNow(), options.retentionIntervalMs ?? 60_000);
  void runRetentionNow();

  return {
    states: () => [...[...supervisors.values()].map((s) => s.getStatus()), ...fixedStates.values()].sort((a, b) => a.cameraId.localeCompare(b.cameraId)),
    liveFeed: (id) => supervisors.get(id)?.live ?? null,
    streaming: (id) => supervisors.get(id)?.streaming() ?? false,
    onStateChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reload,
    reconcileReport,
    runRetentionNow,
    stop: () => {
      stopping ??= (async () => {
        clearInterval(retentionTimer);
        clearInterval(clockWatch);
        await Promise.allSettled([...reloading.values()]);
        await Promise.all([...[...supervisors.values()].map((s) => s.stop()), subStreams.stopAll()]);
        listeners.clear();
        if (!indexer.close()) log.error('some finished segments could not be indexed before stopping; the next start indexes them', { event: 'segment.unindexed_at_stop' });
        registry.close();
        log.info('recorders stopped', { event: 'recorders.stopped' });
      })();
      return stopping;
    },
  };
}

function fixedStatus(cameraId: string, state: CameraStatus['state'], error: string | null): CameraStatus {
  return { cameraId, state, lastError: error, lastErrorAtMs: error ? Date.now() : null, sinceMs: Date.now(), audio: 'none', audioNote: null, identity: 'unverified' };
}
