/**
 * What `/metrics` reports, gathered at scrape time: camera states from the supervisors,
 * counts from SQLite (read each time, like every other answer Hearth gives), reconnects
 * from an injected counter, and the data disk from statfs.
 */
import type { Db } from '../db/sqlite.ts';
import type { CameraState } from '../cameras/cameraStatus.ts';
import type { MetricFamily } from './exposition.ts';
import { diskSpaceOf } from '../system/diskSpace.ts';
import type { DetectorStats } from '../objects/objectDetector.ts';
import { objectMetrics } from './objectMetrics.ts';

export interface MetricsSource {
  db: Db;
  cameraStates(): readonly { cameraId: string; state: CameraState }[];
  /** Reconnect attempts per camera since start; cameras absent here count 0. */
  reconnects(): ReadonlyMap<string, number>;
  /** The directory whose filesystem is reported as disk use. */
  dataDir: string;
  /** The object detector's counters; absent or null when object detection is off. */
  objects?: () => DetectorStats | null;
}

/** Every state docs/INTERFACE.md names, so each camera exports one 0/1 series per state (the enum idiom). */
const allStates = [
  'recording', 'connecting', 'retrying', 'offline', 'auth_failed',
  'identity_mismatch', 'disk_full', 'storage_missing', 'disabled',
] as const satisfies readonly CameraState[];
// A state added to the union (src/wire/cameras.ts) and missing here fails to compile.
const everyStateListed: [Exclude<CameraState, (typeof allStates)[number]>] extends [never] ? true : never = true;

export function collectMetrics(source: MetricsSource): MetricFamily[] {
  const states = source.cameraStates();
  const cameraIds = new Set(states.map((s) => s.cameraId));
  const segments = source.db
    .prepare('SELECT camera_id AS cameraId, count(*) AS count, coalesce(sum(bytes), 0) AS bytes FROM segments WHERE deleting = 0 GROUP BY camera_id')
    .all() as { cameraId: string; count: number; bytes: number }[];
  const events = source.db
    .prepare('SELECT camera_id AS cameraId, count(*) AS count FROM events GROUP BY camera_id')
    .all() as { cameraId: string; count: number }[];
  for (const row of [...segments, ...events]) cameraIds.add(row.cameraId);
  const reconnects = source.reconnects();
  for (const id of reconnects.keys()) cameraIds.add(id);
  const cameras = [...cameraIds].sort();
  const segmentsBy = new Map(segments.map((r) => [r.cameraId, r]));
  const eventsBy = new Map(events.map((r) => [r.cameraId, r.count]));
  const disk = diskSpaceOf(source.dataDir);

  return [
    {
      name: 'hearth_camera_state',
      help: 'Current state of each camera: 1 for the state it is in, 0 for the others.',
      type: 'gauge',
      samples: states.flatMap((s) => allStates.map((state) => ({ labels: { camera: s.cameraId, state }, value: s.state === state ? 1 : 0 }))),
    },
    {
      name: 'hearth_recorded_segments',
      help: 'Segments indexed and kept (retention removes old ones, so this can fall).',
      type: 'gauge',
      samples: cameras.map((camera) => ({ labels: { camera }, value: segmentsBy.get(camera)?.count ?? 0 })),
    },
    {
      name: 'hearth_recorded_bytes',
      help: 'Bytes of the segments indexed and kept.',
      type: 'gauge',
      samples: cameras.map((camera) => ({ labels: { camera }, value: segmentsBy.get(camera)?.bytes ?? 0 })),
    },
    {
      name: 'hearth_camera_reconnects_total',
      help: 'Recorder reconnect attempts since Hearth started.',
      type: 'counter',
      samples: cameras.map((camera) => ({ labels: { camera }, value: reconnects.get(camera) ?? 0 })),
    },
    {
      name: 'hearth_motion_events',
      help: 'Motion events stored (retention removes old ones, so this can fall).',
      type: 'gauge',
      samples: cameras.map((camera) => ({ labels: { camera }, value: eventsBy.get(camera) ?? 0 })),
    },
    {
      name: 'hearth_data_disk_bytes',
      help: 'Size of the filesystem holding the data dir, by kind: total, free (root included), available (to Hearth).',
      type: 'gauge',
      samples: [
        { labels: { kind: 'total' }, value: disk.totalBytes },
        { labels: { kind: 'free' }, value: disk.freeBytes },
        { labels: { kind: 'available' }, value: disk.availableBytes },
      ],
    },
    ...objectMetrics(source.objects?.() ?? null, cameras),
  ];
}
