/**
 * Watches the wall clock for the recording service between retention passes, so a jump is
 * logged when it happens. ffmpeg names segments from the wall clock (plus the run id):
 * after a step back a run would reach names it already wrote and overwrite them, so
 * `onStepBack` restarts the recorders (a new run gets a new run id).
 */
import type { Logger } from '../log.ts';
import { ClockGuard } from './clockGuard.ts';

/** How often wall time is compared with monotonic time (see ClockGuard.observe). */
const clockWatchMs = 5_000;

export interface ClockWatch {
  /** What retention asks before deleting by age. */
  guard: ClockGuard;
  stop(): void;
}

export function watchClock(log: Logger, newestSegmentEndMs: number | null, onStepBack: () => void): ClockWatch {
  const guard = new ClockGuard(log);
  guard.checkAtStart(newestSegmentEndMs);
  guard.onJump((jumpMs) => {
    if (jumpMs < 0) onStepBack();
  });
  const timer = setInterval(() => guard.observe(), clockWatchMs);
  return { guard, stop: () => clearInterval(timer) };
}
