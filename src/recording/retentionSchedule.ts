/**
 * When retention runs: on a timer (by age and disk budget), and at once when a recorder
 * finds the disk full, one prune at a time shared by every camera that hit it together.
 * A pass is skipped while the recording root is missing (its marker says so).
 */
import type { Logger } from '../log.ts';
import { pruneToBudget, runRetention, type RetentionDeps } from './retention.ts';

export interface RetentionSchedule {
  /** A pass now, then one every `intervalMs`. */
  start(): void;
  runNow(): Promise<void>;
  /** Deletes the oldest recordings until the budget is met; callers arriving meanwhile share the one prune. */
  pruneForSpace(): Promise<void>;
  stop(): void;
}

/** Segments deleted per disk-full prune step. */
const pruneBatch = 5;

export function scheduleRetention(deps: RetentionDeps, options: { intervalMs: number; storageOk(): boolean; log: Logger }): RetentionSchedule {
  const { log } = options;
  let pruning: Promise<void> | null = null;
  const pruneForSpace = (): Promise<void> => {
    pruning ??= pruneToBudget(deps, pruneBatch)
      .then((n) => log.warn('disk full: pruned oldest recordings', { event: 'retention.disk_full_prune', deleted: n }))
      .catch((error: unknown) => log.error('prune after a full disk failed', { event: 'retention.failed', error: (error as Error).message }))
      .finally(() => (pruning = null));
    return pruning;
  };
  const runNow = async (): Promise<void> => {
    if (!options.storageOk()) return;
    try {
      await runRetention(deps);
    } catch (error) {
      log.error('retention pass failed', { event: 'retention.failed', error: (error as Error).message });
    }
  };
  let timer: NodeJS.Timeout | null = null;
  return {
    start: () => {
      timer ??= setInterval(() => void runNow(), options.intervalMs);
      void runNow();
    },
    runNow,
    pruneForSpace,
    stop: () => {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
