/**
 * The recording root's marker check, shared by every recorder: each asks once a second, and
 * one look at the marker per half second answers them all. A change either way is logged
 * once, where it is seen (docs/DESIGN.md, "Right disk").
 */
import type { Db } from '../db/sqlite.ts';
import type { Logger } from '../log.ts';
import { checkRecordingRoot, type StorageCheck } from './storageMarker.ts';

const storageCheckCacheMs = 500;

export interface StorageCheckCache {
  /** The marker's answer, at most half a second old. */
  check(): StorageCheck;
  /** The last answer, without looking again. */
  last(): StorageCheck;
}

/** `first`: the check made at start (with `initialize: true`); `monoNow`: a monotonic ms clock. */
export function cacheStorageCheck(db: Db, root: string, log: Logger, first: StorageCheck, monoNow: () => number = () => performance.now()): StorageCheckCache {
  let storage = first;
  let checkedAtMs = Number.NEGATIVE_INFINITY;
  return {
    check: () => {
      const nowMs = monoNow();
      if (nowMs - checkedAtMs < storageCheckCacheMs) return storage;
      checkedAtMs = nowMs;
      const next = checkRecordingRoot(db, root, { initialize: false });
      if (next.ok !== storage.ok) {
        if (next.ok) log.info('recording folder is back', { event: 'storage.back' });
        else log.error(`stopped recording: ${next.reason}`, { event: 'storage.missing' });
      }
      storage = next;
      return next;
    },
    last: () => storage,
  };
}
