/**
 * A clock for policy tests (the supervisor's `SupervisorClock`): time moves only when the
 * test advances it, and due timers run in order, with the promise work they start let run
 * between them (as Moonfire NVR's SimulatedClocks, server/base/clock.rs).
 */
import type { SupervisorClock, TimerHandle } from '../../src/recording/run/clock.ts';

interface Timer {
  id: number;
  dueMs: number;
  periodMs: number | null;
  callback: () => void;
}

/** Turns of the event loop after each timer: enough for the supervisor's chains of awaits. */
const settleTurns = 5;
/** No advance runs more timers than this: a test that would is broken, not slow. */
const maxTimersPerAdvance = 100_000;

export class SimulatedClock implements SupervisorClock {
  private nowMs: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  constructor(startMs = Date.UTC(2026, 0, 15, 12)) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.add(callback, delayMs, null);
  }

  setInterval(callback: () => void, periodMs: number): TimerHandle {
    return this.add(callback, periodMs, periodMs);
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  clearInterval(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Timers pending now (intervals count once). */
  pending(): number {
    return this.timers.size;
  }

  /** Lets pending promise work run without moving time. */
  async settle(): Promise<void> {
    for (let i = 0; i < settleTurns; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const targetMs = this.nowMs + ms;
    await this.settle();
    for (let ran = 0; ; ran += 1) {
      if (ran >= maxTimersPerAdvance) throw new Error(`more than ${maxTimersPerAdvance} timers within ${ms} ms`);
      const next = this.nextDue(targetMs);
      if (!next) break;
      this.nowMs = next.dueMs;
      if (next.periodMs === null) this.timers.delete(next.id);
      else next.dueMs += next.periodMs;
      next.callback();
      await this.settle();
    }
    this.nowMs = targetMs;
    await this.settle();
  }

  /**
   * Advances timer by timer (or by `idleStepMs` when none is pending) until `predicate`
   * holds; returns the simulated time it took. Throws after `maxMs` of simulated time.
   */
  async advanceUntil(what: string, predicate: () => boolean, maxMs: number, idleStepMs = 100): Promise<number> {
    const startMs = this.nowMs;
    const deadlineMs = startMs + maxMs;
    await this.settle();
    while (!predicate()) {
      if (this.nowMs >= deadlineMs) throw new Error(`not ${what} within ${maxMs} ms of simulated time`);
      const next = this.nextDue(deadlineMs);
      await this.advance(next ? next.dueMs - this.nowMs : Math.min(idleStepMs, deadlineMs - this.nowMs));
    }
    return this.nowMs - startMs;
  }

  private add(callback: () => void, delayMs: number, periodMs: number | null): number {
    const id = this.nextId++;
    this.timers.set(id, { id, dueMs: this.nowMs + Math.max(0, delayMs), periodMs: periodMs === null ? null : Math.max(1, periodMs), callback });
    return id;
  }

  private nextDue(targetMs: number): Timer | null {
    let next: Timer | null = null;
    for (const timer of this.timers.values()) {
      if (timer.dueMs <= targetMs && (next === null || timer.dueMs < next.dueMs || (timer.dueMs === next.dueMs && timer.id < next.id))) next = timer;
    }
    return next;
  }
}
