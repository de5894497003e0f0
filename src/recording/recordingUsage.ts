/**
 * How much the recordings take and how long they will be kept, for the system page:
 * bytes per camera from the segments table, the recent write rate, and the disk space
 * retention lets recordings fill (retention.ts prunes at `maxDiskPercent`). The forecast
 * is the shorter of the age limit and "space allowed ÷ bytes written per day".
 */
import type { Db } from '../db/sqlite.ts';
import type { RetentionConfig } from '../config/schema.ts';
import type { DiskSpace, StorageForecast } from '../wire/system.ts';

const dayMs = 86_400_000;
/** The write rate is measured over this recent window (or less, right after a start). */
const rateWindowMs = 6 * 3_600_000;
/** Below this much recorded time the rate is too noisy to forecast from. */
const minRateSpanMs = 60_000;

export interface CameraUsage {
  cameraId: string;
  segments: number;
  bytes: number;
  oldestMs: number | null;
  newestMs: number | null;
}


export type { DiskSpace, StorageForecast } from '../wire/system.ts';

export function cameraUsage(db: Db): CameraUsage[] {
  return db
    .prepare(
      `SELECT camera_id AS cameraId, count(*) AS segments, coalesce(sum(bytes), 0) AS bytes, min(start_ms) AS oldestMs, max(end_ms) AS newestMs
         FROM segments WHERE deleting = 0 GROUP BY camera_id ORDER BY camera_id`,
    )
    .all() as CameraUsage[];
}

/** Bytes per day written over the recent window, all cameras together. */
export function recentBytesPerDay(db: Db, nowMs: number): number | null {
  const row = db
    .prepare('SELECT coalesce(sum(bytes), 0) AS bytes, min(start_ms) AS fromMs FROM segments WHERE deleting = 0 AND start_ms >= ?')
    .get(nowMs - rateWindowMs) as { bytes: number; fromMs: number | null };
  if (row.fromMs === null) return null;
  const spanMs = nowMs - row.fromMs;
  if (spanMs < minRateSpanMs || row.bytes === 0) return null;
  return (row.bytes * dayMs) / spanMs;
}

export function forecastStorage(input: {
  recordingBytes: number;
  bytesPerDay: number | null;
  disk: DiskSpace;
  retention: RetentionConfig;
  /** Each camera's age limit in days (its own, or the default). */
  cameraDays: number[];
}): StorageForecast {
  const { disk, retention } = input;
  const budgetBytes = (retention.maxDiskPercent / 100) * disk.totalBytes;
  const otherBytes = Math.max(0, disk.usedBytes - input.recordingBytes);
  const allowedBytes = Math.max(0, budgetBytes - otherBytes);
  const daysByAge = input.cameraDays.length > 0 ? Math.max(...input.cameraDays) : retention.days;
  const daysByDisk = input.bytesPerDay && input.bytesPerDay > 0 ? allowedBytes / input.bytesPerDay : null;
  const limitedBy = daysByDisk !== null && daysByDisk < daysByAge ? 'disk' : 'age';
  return {
    recordingBytes: input.recordingBytes,
    bytesPerDay: input.bytesPerDay,
    allowedBytes,
    daysByDisk,
    daysByAge,
    daysKept: limitedBy === 'disk' ? (daysByDisk ?? daysByAge) : daysByAge,
    limitedBy,
  };
}
