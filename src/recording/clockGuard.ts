/**
 * Retention deletes by age, so it must not trust a clock that jumped (a Pi with no RTC
 * after a power cut, a bad NTP answer). Age-based deletion is suspended for a day of
 * monotonic time after a jump is seen, and never measures age from later than the newest
 * indexed segment. Disk-budget retention still runs: it goes by order, not by the clock.
 */
import { earliestPlausibleMs } from '../system/clock.ts';
import type { Logger } from '../log.ts';

export const clockJumpToleranceMs = 120_000;
export const suspendAfterJumpMs = 86_400_000;

export class ClockGuard {
  private offsetMs: number;
  private suspendedUntilMono: number | null = null;
  private reason = '';
  private readonly jumpListeners: Array<(jumpMs: number) => void> = [];

  constructor(
    private readonly log: Logger,
    private readonly wallNow: () => number = Date.now,
    private readonly monoNow: () => number = () => performance.now(),
  ) {
    this.offsetMs = wallNow() - monoNow();
  }

  /** At start: a clock before this build, or behind the newest recording, is not trusted. */
  checkAtStart(newestSegmentEndMs: number | null): void {
    const now = this.wallNow();
    if (now < earliestPlausibleMs) this.suspend(`the clock says ${new Date(now).toISOString()}, before this Hearth was built`);
    else if (newestSegmentEndMs !== null && now < newestSegmentEndMs - clockJumpToleranceMs) {
      this.suspend(`the clock (${new Date(now).toISOString()}) is behind the newest recording (${new Date(newestSegmentEndMs).toISOString()})`);
    }
  }

  /** Watches wall time against monotonic time; returns the jump in ms (0 when none). */
  observe(): number {
    const offset = this.wallNow() - this.monoNow();
    const jumpMs = offset - this.offsetMs;
    this.offsetMs = offset;
    if (Math.abs(jumpMs) > clockJumpToleranceMs) {
      this.suspend(`the clock jumped by ${Math.round(jumpMs / 1000)} s`);
      for (const listener of this.jumpListeners) listener(jumpMs);
      return jumpMs;
    }
    return 0;
  }

  /** Called with the size of each jump (negative: the clock stepped back), whoever observed it. */
  onJump(listener: (jumpMs: number) => void): void {
    this.jumpListeners.push(listener);
  }

  ageRetentionAllowed(): { ok: true } | { ok: false; reason: string } {
    if (this.suspendedUntilMono !== null && this.monoNow() < this.suspendedUntilMono) return { ok: false, reason: this.reason };
    return { ok: true };
  }

  /** "Now" for age retention: never later than the newest recording, so a forward jump alone deletes nothing. */
  referenceNowMs(newestSegmentEndMs: number | null): number {
    const now = this.wallNow();
    return newestSegmentEndMs === null ? now : Math.min(now, newestSegmentEndMs);
  }

  private suspend(reason: string): void {
    this.reason = reason;
    this.suspendedUntilMono = this.monoNow() + suspendAfterJumpMs;
    this.log.warn(`${reason}: deleting recordings by age is paused for 24 h; set the time or enable NTP (hearth doctor)`, { event: 'clock.untrusted' });
  }
}
