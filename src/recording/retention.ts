/**
 * Retention (docs/DESIGN.md, "Bounded disk"): per-camera age limit, then the global disk
 * budget, oldest first; segments overlapping a motion event are kept `eventDays`, those
 * overlapping an event with an object label `labelledEventDays`, and both go last under disk
 * pressure (the budget still wins: a full disk loses them oldest first).
 */
import type { Db } from '../db/sqlite.ts';
import type { Logger } from '../log.ts';
import type { RetentionConfig } from '../config/schema.ts';
import type { ClockGuard } from './clockGuard.ts';
import { deleteSegmentsDurably } from './deleteSegments.ts';
import { expiredSegments, newestSegmentEndMs, oldestSegments, segmentCameraIds, type EventProtection } from './segmentRows.ts';
import { diskSpaceOf } from '../system/diskSpace.ts';

const dayMs = 86_400_000;
const batchSize = 50;
/** Bounds one pass: 200 batches of 50 segments is far more than a day of recording. */
const maxBatches = 200;

export interface RetentionDeps {
  db: Db;
  root: string;
  log: Logger;
  retention: RetentionConfig;
  /** Per-camera override of `retention.days`, or null for the default. */
  cameraDays(cameraId: string): number | null;
  clock: ClockGuard;
  /** Disk usage of the recording root; replaceable in tests. */
  diskUsage?: (root: string) => { usedPercent: number; totalBytes: number };
  /**
   * Free space the budget always leaves, whatever `maxDiskPercent` says: on a small disk
   * 10 % is less than the recorders' low-space mark, and pruning to the percentage alone
   * would leave every camera in disk_full for good.
   */
  minFreeBytes?: number;
}

export interface RetentionResult {
  byAge: number;
  byBudget: number;
  ageSkippedReason: string | null;
}

export function diskUsage(root: string): { usedPercent: number; totalBytes: number } {
  const disk = diskSpaceOf(root);
  const used = disk.usedBytes;
  // Root's reserved blocks are no room for recordings: "full" is where Hearth can write no more.
  const usable = used + disk.availableBytes;
  return { usedPercent: usable === 0 ? 100 : (used / usable) * 100, totalBytes: usable };
}

function eventProtection(retention: RetentionConfig, nowMs: number): EventProtection {
  return {
    eventCutoffMs: nowMs - retention.eventDays * dayMs,
    // Never shorter than plain motion, whatever a hand-built config says (the parser refuses it).
    labelledCutoffMs: nowMs - Math.max(retention.labelledEventDays, retention.eventDays) * dayMs,
  };
}

export async function runRetention(deps: RetentionDeps): Promise<RetentionResult> {
  const { db, root, log, retention } = deps;
  const result: RetentionResult = { byAge: 0, byBudget: 0, ageSkippedReason: null };
  deps.clock.observe();
  const allowed = deps.clock.ageRetentionAllowed();
  if (allowed.ok) {
    const nowMs = deps.clock.referenceNowMs(newestSegmentEndMs(db));
    const protection = eventProtection(retention, nowMs);
    for (const cameraId of segmentCameraIds(db)) {
      const cutoffMs = nowMs - (deps.cameraDays(cameraId) ?? retention.days) * dayMs;
      for (let i = 0; i < maxBatches; i++) {
        const rows = expiredSegments(db, cameraId, cutoffMs, protection, batchSize);
        if (rows.length === 0) break;
        await deleteSegmentsDurably(db, root, rows);
        result.byAge += rows.length;
      }
    }
  } else {
    result.ageSkippedReason = allowed.reason;
  }
  result.byBudget = await pruneToBudget(deps);
  log.debug('retention pass', { event: 'retention.pass', byAge: result.byAge, byBudget: result.byBudget, ageSkipped: result.ageSkippedReason ?? undefined });
  if (result.byAge + result.byBudget > 0) {
    log.info('retention deleted old recordings', { event: 'retention.pruned', byAge: result.byAge, byBudget: result.byBudget });
  }
  return result;
}

/** Deletes oldest segments (unprotected first) until the disk is under `maxDiskPercent` and `minFreeBytes` is free. */
export async function pruneToBudget(deps: RetentionDeps, extraPercent = 0): Promise<number> {
  const usage = deps.diskUsage ?? diskUsage;
  const percentBudget = deps.retention.maxDiskPercent - extraPercent;
  const protection = eventProtection(deps.retention, deps.clock.referenceNowMs(newestSegmentEndMs(deps.db)));
  let deleted = 0;
  for (let i = 0; i < maxBatches; i++) {
    const { usedPercent, totalBytes } = usage(deps.root);
    // Never aim below half the disk: on a tiny one the floor could otherwise ask for everything.
    const freeFloorPercent = totalBytes > 0 ? Math.min(50, ((deps.minFreeBytes ?? 0) / totalBytes) * 100) : 0;
    const budget = Math.min(percentBudget, 100 - freeFloorPercent);
    if (usedPercent <= budget) break;
    const overBytes = ((usedPercent - budget) / 100) * totalBytes;
    const candidates = oldestSegments(deps.db, batchSize, protection);
    if (candidates.length === 0) {
      deps.log.warn('disk is over budget but no recordings are left to delete: something else fills it', { event: 'retention.nothing_left', usedPercent: Math.round(usedPercent) });
      break;
    }
    // Take just enough of the oldest to cover the overshoot (statfs is re-read each batch).
    const chosen = [];
    let bytes = 0;
    for (const c of candidates) {
      chosen.push(c);
      bytes += c.bytes;
      if (bytes >= overBytes) break;
    }
    await deleteSegmentsDurably(deps.db, deps.root, chosen);
    deleted += chosen.length;
  }
  return deleted;
}
