/**
 * The watchdog of one recorder run, once a second: the recording disk still there (else
 * stop, before making folders on the SD card underneath), day folders ahead of ffmpeg,
 * video still arriving (else stop: the supervisor reconnects), and free space (ffmpeg 5.1
 * keeps running on ENOSPC, writing empty segments, so space is watched here).
 */
import type { Logger } from '../../log.ts';
import type { SupervisorClock } from './clock.ts';

export const watchdogTickMs = 1_000;

export interface RunWatchdogOptions {
  clock: SupervisorClock;
  /** No new live fragment for this long means a stuck ffmpeg. */
  stallMs: number;
  log: Logger;
  storageOk(): boolean;
  ensureDayDirs(nowMs: number): void;
  /** Wall time of the run's last sign of life: its last live fragment, or the recorder's start. */
  lastSignMs(): number;
  lowOnSpace(): boolean;
  pruneForSpace(): Promise<void>;
  /** Stops the run; the supervisor then decides what comes next. */
  stopRun(): void;
}

/** Starts the watchdog; call the returned function when the run has exited. */
export function watchRun(options: RunWatchdogOptions): () => void {
  const { clock, log } = options;
  let pruningForSpace = false;
  const tick = (): void => {
    const now = clock.now();
    // Every tick, before making day folders: a disk that went away must not get folders, and
    // then ffmpeg's next segment, on the SD card underneath (docs/DESIGN.md, "Right disk").
    if (!options.storageOk()) {
      options.stopRun();
      return;
    }
    options.ensureDayDirs(now);
    const silentMs = now - options.lastSignMs();
    if (silentMs > options.stallMs) {
      log.warn('no video from the camera; restarting the recorder', { event: 'recorder.stalled', silentMs });
      options.stopRun();
    }
    if (!pruningForSpace && options.lowOnSpace()) {
      pruningForSpace = true;
      log.warn('recording disk nearly full; pruning now', { event: 'storage.low_space' });
      void options.pruneForSpace().then(() => {
        pruningForSpace = false;
        if (options.lowOnSpace()) options.stopRun();
      });
    }
  };
  const timer = clock.setInterval(tick, watchdogTickMs);
  return () => clock.clearInterval(timer);
}
