/**
 * The supervisor's view of time: wall-clock now and timers, injected so its backoff,
 * watchdog and exit policy run on a simulated clock in tests (as Moonfire NVR's
 * `Clocks` trait, server/base/clock.rs). Production uses `systemClock`.
 */

/** What setTimeout/setInterval hand back; only ever given back to the clear functions. */
export type TimerHandle = unknown;

export interface SupervisorClock {
  /** Wall time, ms since the epoch (segment names and the camera page use wall time). */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(callback: () => void, periodMs: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

export const systemClock: SupervisorClock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setInterval: (callback, periodMs) => setInterval(callback, periodMs),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};
