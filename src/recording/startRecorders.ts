/**
 * The recording service's one entry point, called by `hearth start` (src/hearth.ts):
 * reaps ffmpeg left by a crashed Hearth, checks the recording root's marker, reconciles
 * disk and index, then runs one supervisor per enabled camera and retention on a timer.
 */
import path from 'node:path';
import type { Db } from '../db/sqlite.ts';
import type { HearthConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { getCameraSecrets, listCameras } from '../cameras/cameraRows.ts';
import { CameraSupervisor } from '../cameras/cameraSupervisor.ts';
import { defaultBackoff, type BackoffPolicy } from '../cameras/backoff.ts';
import { unverifiedIdentity, type CameraStatus, type IdentityCheck } from '../cameras/cameraStatus.ts';
import { ChildRegistry, reapOrphanRecorders } from './childRegistry.ts';
import { ClockGuard } from './clockGuard.ts';
import { recordingRoot } from './layout.ts';
import type { LiveFeed } from './liveFeed.ts';
import { reconcileRecordings, type ReconcileReport } from './reconcile.ts';
import { pruneToBudget, runRetention, type RetentionDeps } from './retention.ts';
import { SegmentIndexer } from './segmentIndexer.ts';
import { lastSegmentEndMs, newestSegmentEndMs } from './segmentRows.ts';
import { checkRecordingRoot, type StorageCheck } from './storageMarker.ts';

export interface StartRecordersOptions {
  db: Db;
  config: HearthConfig;
  log: Logger;
  dataDir: string;
  /** The ONVIF serial check plugs in here; default: every camera "identity unverified". */
  identityCheck?: IdentityCheck;
  backoff?: BackoffPolicy;
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
  reconcileReport: ReconcileReport | null;
  runRetentionNow(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRecorders(options: StartRecordersOptions): Promise<Recorders> {
  const { db, config, log } = options;
  const root = recordingRoot(options.dataDir);
  const runDir = path.join(path.resolve(options.dataDir), 'run');
  await reapOrphanRecorders(runDir, log);

  const cameras = listCameras(db);
  const firstCheck = checkRecordingRoot(db, root, { initialize: true });
  let storage: StorageCheck = firstCheck;
  if (!firstCheck.ok) log.error(`not recording: ${firstCheck.reason}`, { event: 'storage.missing' });
  const checkStorage = (): StorageCheck => {
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
  const retentionDeps: RetentionDeps = {
    db,
    root,
    log,
    retention: config.retention,
    cameraDays: (id) => cameras.find((c) => c.id === id)?.retentionDays ?? null,
    clock,
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

  const enabled = cameras.filter((c) => c.enabled);
  const supervisors = new Map<string, CameraSupervisor>();
  const fixedStates: CameraStatus[] = [];
  enabled.forEach((camera, index) => {
    const url = getCameraSecrets(db, camera.id)?.streams.main ?? null;
    if (!url) {
      fixedStates.push(fixedStatus(camera.id, 'offline', `camera "${camera.name}" has no main stream URL yet: add streams.main in the config or adopt it through ONVIF`));
      return;
    }
    const supervisor = new CameraSupervisor({
      cameraId: camera.id,
      cameraName: camera.name,
      inputUrl: url,
      currentInputUrl: () => getCameraSecrets(db, camera.id)?.streams.main ?? null,
      root,
      segmentSeconds: config.recording.segmentSeconds,
      // Spread file switches evenly over the segment period (DESIGN.md: staggered rotation).
      rotationOffsetSeconds: (index * config.recording.segmentSeconds) / enabled.length,
      lastEndMs: lastSegmentEndMs(db, camera.id) ?? 0,
      backoff: options.backoff ?? defaultBackoff,
      stallMs: options.stallMs ?? 20_000,
      ioTimeoutSeconds: 10,
      lowSpaceBytes: options.lowSpaceBytes ?? 64 * 1024 * 1024,
      offlineAfterMs: options.offlineAfterMs ?? 120_000,
      log,
      indexer,
      registry,
      identityCheck: options.identityCheck ?? unverifiedIdentity,
      checkStorage,
      pruneForSpace,
    });
    supervisors.set(camera.id, supervisor);
    supervisor.start();
  });
  for (const camera of cameras.filter((c) => !c.enabled)) fixedStates.push(fixedStatus(camera.id, 'disabled', null));

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

  let stopping: Promise<void> | null = null;
  return {
    states: () => [...[...supervisors.values()].map((s) => s.getStatus()), ...fixedStates].sort((a, b) => a.cameraId.localeCompare(b.cameraId)),
    liveFeed: (id) => supervisors.get(id)?.live ?? null,
    reconcileReport,
    runRetentionNow,
    stop: () => {
      stopping ??= (async () => {
        clearInterval(retentionTimer);
        await Promise.all([...supervisors.values()].map((s) => s.stop()));
        if (!indexer.close()) log.error('some finished segments could not be indexed before stopping; the next start indexes them', { event: 'segment.unindexed_at_stop' });
        registry.close();
        log.info('recorders stopped', { event: 'recorders.stopped' });
      })();
      return stopping;
    },
  };
}

function fixedStatus(cameraId: string, state: CameraStatus['state'], error: string | null): CameraStatus {
  return { cameraId, state, lastError: error, lastErrorAtMs: error ? Date.now() : null, sinceMs: Date.now(), audio: 'none', identity: 'unverified' };
}
