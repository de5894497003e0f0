/**
 * Turns per-frame verdicts into events with hysteresis: an event starts once motion was
 * seen in `startFrames` of the last `startWindowFrames` frames (one noisy frame is not a
 * visitor) and ends after `endQuietMs` without motion (a person pausing at the door is
 * one event, not three). Pure and allocation-free per frame: the caller persists.
 *
 * Motion that stays where it began is held back first (`stationaryDeferMs`): visitors
 * move, while a clock not yet learned, the date's digits at midnight, an LED, or the OSD
 * text standing out for a moment when the light changes all change in place. Held-back
 * motion becomes an event as soon as it leaves its first box (or after the deferral, if
 * it keeps changing in place); if it stops, or the nuisance regions take it, it never was.
 */
import type { FrameVerdict } from './frameVerdict.ts';

export interface EventPolicy {
  startFrames: number;
  startWindowFrames: number;
  /** Quiet time before an event ends; shorter splits one visitor into many events. */
  endQuietMs: number;
  /** Recording before the first motion frame that belongs to the event's clip. */
  preRollMs: number;
  /** Recording after the last motion frame that belongs to the event's clip. */
  postRollMs: number;
  /** A longer event is ended and a new one started, so a row never spans hours. */
  maxEventMs: number;
  /** Motion changing only in place is held back this long (0: never); longer than the nuisance learner needs (12 s). */
  stationaryDeferMs: number;
  /** "In place": within its first box widened by this fraction of the frame on each side. */
  stationaryMargin: number;
}

export const defaultEventPolicy: EventPolicy = {
  startFrames: 3,
  startWindowFrames: 5,
  endQuietMs: 8_000,
  preRollMs: 3_000,
  postRollMs: 3_000,
  maxEventMs: 10 * 60_000,
  stationaryDeferMs: 20_000,
  stationaryMargin: 0.03,
};

/** The event in progress. Fields are updated in place; copy what you keep. */
export interface TrackedEvent {
  /** First motion frame (no roll). */
  firstMotionMs: number;
  /** Latest motion frame (no roll). */
  lastMotionMs: number;
  /** When the hysteresis accepted it: the start latency seen by a user. */
  detectedAtMs: number;
  /** Largest changed area seen: the event's score. */
  maxScore: number;
  /** The frame chosen for the thumbnail: most change, preferring an object wholly in view. */
  peakScore: number;
  peakRank: number;
  peakAtMs: number;
  peakRegionX: number;
  peakRegionY: number;
  peakRegionW: number;
  peakRegionH: number;
}

/** What one frame did to the event: nothing, started one, raised its peak, or ended it. */
export type EventStep = 'none' | 'started' | 'peak' | 'ended';

export class EventPolicyError extends Error {
  override name = 'EventPolicyError';
}

export class EventTracker {
  readonly event: TrackedEvent = {
    firstMotionMs: 0, lastMotionMs: 0, detectedAtMs: 0, maxScore: 0, peakScore: 0, peakRank: 0, peakAtMs: 0,
    peakRegionX: 0, peakRegionY: 0, peakRegionW: 0, peakRegionH: 0,
  };
  private open = false;
  /** Motion confirmed but held back while it stays in its first box. */
  private pending = false;
  private pendingFirstMs = 0;
  private pendingLastMs = 0;
  private readonly anchor = { x0: 0, y0: 0, x1: 0, y1: 0 };
  private anchorMoves = 0;
  /** Times of recent motion frames (ring), NaN for frames without motion. */
  private readonly recent: Float64Array;
  private cursor = 0;

  constructor(readonly policy: EventPolicy = defaultEventPolicy) {
    if (!(policy.startFrames >= 1 && policy.startFrames <= policy.startWindowFrames && policy.startWindowFrames <= 64)) {
      throw new EventPolicyError('startFrames must be 1..startWindowFrames and startWindowFrames at most 64');
    }
    if (!(policy.endQuietMs > 0 && policy.maxEventMs > policy.endQuietMs)) throw new EventPolicyError('endQuietMs must be positive and below maxEventMs');
    this.recent = new Float64Array(policy.startWindowFrames).fill(Number.NaN);
  }

  get isOpen(): boolean {
    return this.open;
  }

  observe(timeMs: number, verdict: FrameVerdict): EventStep {
    const motion = verdict.motion;
    this.recent[this.cursor] = motion ? timeMs : Number.NaN;
    this.cursor = (this.cursor + 1) % this.recent.length;
    const e = this.event;
    if (!this.open) {
      if (this.pending) return this.observePending(timeMs, verdict);
      if (!motion || !this.startConfirmed()) return 'none';
      if (this.policy.stationaryDeferMs <= 0) return this.begin(timeMs, verdict, this.earliestRecent());
      this.pending = true;
      this.pendingFirstMs = this.earliestRecent();
      this.pendingLastMs = timeMs;
      this.anchorMoves = 0;
      this.setAnchor(verdict, true);
      return 'none';
    }
    if (motion) {
      e.lastMotionMs = timeMs;
      if (timeMs - e.firstMotionMs >= this.policy.maxEventMs) return this.end();
      if (verdict.score > e.maxScore) e.maxScore = verdict.score;
      if (peakRank(verdict) > e.peakRank) {
        this.takePeak(timeMs, verdict);
        return 'peak';
      }
      return 'none';
    }
    return timeMs - e.lastMotionMs >= this.policy.endQuietMs ? this.end() : 'none';
  }

  private observePending(timeMs: number, v: FrameVerdict): EventStep {
    if (!v.motion) {
      if (timeMs - this.pendingLastMs >= this.policy.endQuietMs) this.pending = false;
      return 'none';
    }
    this.pendingLastMs = timeMs;
    const a = this.anchor;
    const moved = v.regionX < a.x0 || v.regionY < a.y0 || v.regionX + v.regionW > a.x1 || v.regionY + v.regionH > a.y1;
    if (moved) {
      // Leaving the box once may be more of the same thing lighting up (the OSD line when
      // the light changes); leaving the new box too is something moving. The event starts
      // with the moving motion (the recent frames), not with what sat still before it.
      this.anchorMoves++;
      this.setAnchor(v, false);
      if (this.anchorMoves >= 2 && this.startConfirmed()) return this.begin(timeMs, v, this.earliestRecent());
    }
    if (timeMs - this.pendingFirstMs >= this.policy.stationaryDeferMs) return this.begin(timeMs, v, this.pendingFirstMs);
    return 'none';
  }

  /**
   * The held-back motion's box: its region widened by the margin on each side, and at
   * first by half its size too (a clock's next digit joins the seconds). After a move the
   * box is the region as it is, so motion that keeps growing one way (someone walking
   * while an unlearned clock ticks: the region spans both) leaves it at the next frame.
   */
  private setAnchor(v: FrameVerdict, first: boolean): void {
    const m = this.policy.stationaryMargin;
    const a = this.anchor;
    const gx = first ? v.regionW / 2 : 0;
    const gy = first ? v.regionH / 2 : 0;
    a.x0 = v.regionX - m - gx;
    a.y0 = v.regionY - m - gy;
    a.x1 = v.regionX + v.regionW + gx + m;
    a.y1 = v.regionY + v.regionH + gy + m;
  }

  private begin(timeMs: number, v: FrameVerdict, firstMotionMs: number): EventStep {
    const e = this.event;
    this.pending = false;
    this.open = true;
    e.firstMotionMs = firstMotionMs;
    e.lastMotionMs = timeMs;
    e.detectedAtMs = timeMs;
    e.maxScore = v.score;
    this.takePeak(timeMs, v);
    return 'started';
  }

  /** Ends the open event now (shutdown); returns false when none was open. */
  finish(): boolean {
    if (!this.open) return false;
    this.end();
    return true;
  }

  /** Clip range of the current (or just ended) event, roll included. */
  startMs(): number {
    return this.event.firstMotionMs - this.policy.preRollMs;
  }

  endMs(): number {
    return this.event.lastMotionMs + this.policy.postRollMs;
  }

  private end(): EventStep {
    this.open = false;
    this.pending = false;
    this.recent.fill(Number.NaN);
    return 'ended';
  }

  private takePeak(timeMs: number, v: FrameVerdict): void {
    const e = this.event;
    e.peakScore = v.score;
    e.peakRank = peakRank(v);
    e.peakAtMs = timeMs;
    e.peakRegionX = v.regionX;
    e.peakRegionY = v.regionY;
    e.peakRegionW = v.regionW;
    e.peakRegionH = v.regionH;
  }

  private startConfirmed(): boolean {
    let count = 0;
    for (let i = 0; i < this.recent.length; i++) if (!Number.isNaN(this.recent[i]!)) count++;
    return count >= this.policy.startFrames;
  }

  private earliestRecent(): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.recent.length; i++) {
      const t = this.recent[i]!;
      if (!Number.isNaN(t) && t < earliest) earliest = t;
    }
    return earliest;
  }
}

/** Edge margin (0..1) inside which a region is taken to be cut off by the frame border. */
const edgeMargin = 0.01;

/** A thumbnail should show the whole visitor: a region touching the frame edge counts half. */
function peakRank(v: FrameVerdict): number {
  const cut = v.regionX <= edgeMargin || v.regionY <= edgeMargin || v.regionX + v.regionW >= 1 - edgeMargin || v.regionY + v.regionH >= 1 - edgeMargin;
  return cut ? v.score / 2 : v.score;
}
