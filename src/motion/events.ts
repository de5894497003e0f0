/**
 * Turns per-frame verdicts into events with hysteresis: an event starts once motion was
 * seen in `startFrames` of the last `startWindowFrames` frames (one noisy frame is not a
 * visitor) and ends after `endQuietMs` without motion (a person pausing at the door is
 * one event, not three). Pure and allocation-free per frame: the caller persists.
 */
import type { FrameVerdict } from './detector.ts';

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
}

export const defaultEventPolicy: EventPolicy = {
  startFrames: 3,
  startWindowFrames: 5,
  endQuietMs: 8_000,
  preRollMs: 3_000,
  postRollMs: 3_000,
  maxEventMs: 10 * 60_000,
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
      if (!motion || !this.startConfirmed()) return 'none';
      this.open = true;
      e.firstMotionMs = this.earliestRecent();
      e.lastMotionMs = timeMs;
      e.detectedAtMs = timeMs;
      e.maxScore = verdict.score;
      this.takePeak(timeMs, verdict);
      return 'started';
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
