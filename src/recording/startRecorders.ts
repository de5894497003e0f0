/**
 * The recording service's one entry point, called by `hearth start` (src/hearth.ts):
 * reaps ffmpeg left by a crashed Hearth, checks the recording root's marker, reconciles
 * disk and index, then runs one supervisor per enabled camera and retention on a timer.
 * `reload(id)` brings one camera in line with the registry while running (adopted,
 * added, disabled, deleted, moved to a new address), so no restart is needed.
 */
import path from 'node:path';
import type { Db } from '../db/sqlite.ts';
import {
  defaultLowSpaceBytes,
  defaultOfflineAfterMs,
  defaultRecorderIoTimeoutSeconds,
  defaultRetentionIntervalMs,
  defaultStallMs,
  type HearthConfig,
} from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { getCamera, listCameras, type CameraRow } from '../cameras/cameraRows.ts';
import { createStreamResolver, type StreamResolver } from '../cameras/streamSource.ts';
import { CameraSupervisor, type SupervisorOptions } from './run/cameraSupervisor.ts';
import { defaultBackoff, type BackoffPolicy } from '../util/backoff.ts';
import { unverifiedIdentity, type CameraStatus, type IdentityCheck } from '../cameras/cameraStatus.ts';
import { ChildRegistry, reapOrphanRecorders } from './childRegistry.ts';
import { watchClock } from './clockWatch.ts';
import { recordingRoot } from './layout.ts';
import type { LiveFeed } from '../live/liveFeed.ts';
import { reconcileRecordings, type ReconcileReport } from './reconcile.ts';
import type { RetentionDeps } from './retention.ts';
import { scheduleRetention } from './retentionSchedule.ts';
import { pruneQuarantine, quarantineSegmentsSince } from './quarantine.ts';
import { SegmentIndexer } from './segmentIndexer.ts';
import { lastSegmentEndMs, newestSegmentEndMs } from './segmentRows.ts';
import { checkRecordingRoot } from './storageMarker.ts';
import { cacheStorageCheck } from './storageCheckCache.ts';
import { SubStreamRecorders } from './subStreamRecorders.ts';
import { recorderPlanFor, standingStatus } from './recorderPlan.ts';
import { ReloadQueue } from './reloadQueue.ts';

export interface StartRecordersOptions {
  db: Db;
  /** The keys the recorders use: segment length, retention, and the config file's cameras (their stream URLs). */
  config: Pick<HearthConfig, 'recording' | 'retention' | 'cameras'>;
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
  if (!firstCheck.ok) log.error(`not recording: ${firstCheck.reason}`, { event: 'storage.missing' });
  const storage = cacheStorageCheck(db, root, log, firstCheck);

  const reconcileReport = firstCheck.ok ? await reconcileRecordings(db, root, cameras.map((c) => c.id), log) : null;
  const supervisors = new Map<string, CameraSupervisor>();
  const clockWatch = watchClock(log, newestSegmentEndMs(db), () => {
    for (const supervisor of supervisors.values()) supervisor.restartAfterClockStep();
  });
  const retentionDeps: RetentionDeps = {
    db,
    root,
    log,
    retention: config.retention,
    // From the registry each time: cameras adopted while running have their own days too.
    cameraDays: (id) => getCamera(db, id)?.retentionDays ?? null,
    clock: clockWatch.guard,
    // Just above the recorders' low-space mark, so that a prune always lets them record again.
    minFreeBytes: lowSpaceBytes + lowSpaceSlackBytes,
  };
  const retention = scheduleRetention(retentionDeps, { intervalMs: options.retentionIntervalMs ?? defaultRetentionIntervalMs, storageOk: () => storage.last().ok, log });
  const indexer = new SegmentIndexer(db, log, () => void retention.pruneForSpace());
  const registry = new ChildRegistry(runDir);

  const resolveStream = options.resolveStream ?? createStreamResolver({ db, log, configCameras: () => config.cameras });
  /** Cameras without a supervisor (disabled, or no way to find their stream), by id. */
  const standingStates = new Map<string, CameraStatus>();
  const listeners = new Set<() => void>();
  const notifyStateListeners = (): void => {
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
      stallMs: options.stallMs ?? defaultStallMs,
      ioTimeoutSeconds: defaultRecorderIoTimeoutSeconds,
      lowSpaceBytes,
      offlineAfterMs: options.offlineAfterMs ?? defaultOfflineAfterMs,
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
      onChange: notifyStateListeners,
      checkStorage: storage.check,
      pruneForSpace: retention.pruneForSpace,
    };
    const supervisor = new CameraSupervisor(supervisorOptions);
    subStreams.follow(camera.id, supervisorOptions);
    supervisors.set(camera.id, supervisor);
    standingStates.delete(camera.id);
    supervisor.start();
  };

  const enabled = cameras.filter((c) => c.enabled);
  enabled.forEach((camera, index) => {
    const plan = recorderPlanFor(db, camera);
    if (plan.kind === 'not_recorded') standingStates.set(camera.id, plan.status);
    // Spread file switches evenly over the segment period (docs/DESIGN.md, "Nothing lost": staggered rotation).
    else if (plan.kind === 'record') startSupervisor(camera, (index * config.recording.segmentSeconds) / enabled.length);
  });
  for (const camera of cameras.filter((c) => !c.enabled)) standingStates.set(camera.id, standingStatus(camera.id, 'disabled', null));

  const reloads = new ReloadQueue();
  const reloadNow = async (cameraId: string): Promise<void> => {
    if (stopping) return;
    const plan = recorderPlanFor(db, getCamera(db, cameraId));
    const running = supervisors.get(cameraId);
    if (plan.kind === 'record') {
      if (running) {
        running.refresh();
        subStreams.refresh(cameraId);
        return;
      }
      // A new camera takes the next offset in the rotation cycle: later ones fill the gaps.
      const offset = ((supervisors.size * config.recording.segmentSeconds) / (supervisors.size + 1)) % config.recording.segmentSeconds;
      startSupervisor(plan.camera, offset);
      log.info('recorder started for a camera added while running', { event: 'recorders.camera_added', camera: cameraId });
      notifyStateListeners();
      return;
    }
    if (running) {
      supervisors.delete(cameraId);
      await Promise.all([running.stop(), subStreams.forget(cameraId)]);
      log.info('recorder stopped: camera disabled or removed', { event: 'recorders.camera_removed', camera: cameraId });
    }
    if (plan.kind === 'removed') standingStates.delete(cameraId);
    else standingStates.set(cameraId, plan.status);
    notifyStateListeners();
  };

  retention.start();

  return {
    states: () => [...[...supervisors.values()].map((s) => s.getStatus()), ...standingStates.values()].sort((a, b) => a.cameraId.localeCompare(b.cameraId)),
    liveFeed: (id) => supervisors.get(id)?.live ?? null,
    streaming: (id) => supervisors.get(id)?.streaming() ?? false,
    onStateChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reload: (cameraId) => reloads.run(cameraId, () => reloadNow(cameraId)),
    reconcileReport,
    runRetentionNow: retention.runNow,
    stop: () => {
      stopping ??= (async () => {
        retention.stop();
        clockWatch.stop();
        await reloads.drain();
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
