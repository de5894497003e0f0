/**
 * Turns stream time (seconds in ffmpeg's segment list) into wall-clock ms for the index.
 * Anchor: the list line for a segment arrives as the keyframe that ends it comes in,
 * so `arrival − endSeconds` (a line's offset) maps stream time to wall time, plus however
 * late the line came (camera encoder, network, ffmpeg, this loop). Within one ffmpeg run,
 * segments contiguous in stream time are contiguous in reality, so the best anchor is the
 * smallest offset seen (least latency), and a latency that grows must not open a gap:
 *  - earlier than the anchor: the anchor follows at once (a jump of more than `reanchorMs`,
 *    a clock stepped back, is reported as a re-anchor);
 *  - later by up to `clockStepMs`: a latency step (a starved encoder, a probe burst at
 *    start) or a slow drift of the camera's clock (100 ppm is 2 s in 5.5 h). Only lateness
 *    that every line holds for `holdSeconds` of stream time moves the anchor, slewed by at
 *    most `slewMsPerLine`, so no gap between segments ever exceeds that;
 *  - later by more than `clockStepMs` for two lines in a row: the host clock stepped
 *    forward; re-anchor at once (the smaller of the two offsets).
 * Times never go backwards per camera (a clock stepped back squeezes nothing: new segments
 * continue after the last one).
 */
export const reanchorMs = 2_000;
/** Later than this (two lines in a row) is a stepped clock, not a latency: no queue holds 30 s of a live stream. */
export const clockStepMs = 30_000;
/** Lateness under this is jitter, left alone. */
export const slewAfterMs = 1_000;
/** How long (stream time) every line must stay late before the anchor follows. */
export const holdSeconds = 60;
/** Largest anchor move per line when following a late drift: the largest gap it can open. */
export const slewMsPerLine = 150;

export interface PlacedTimes {
  startMs: number;
  endMs: number;
}

export interface Placed extends PlacedTimes {
  /** The anchor jumped (stream ahead by more than reanchorMs, or a clock stepped forward). */
  reanchored: boolean;
  /** How much later than the anchor this line came, in ms (0 for a run's first line). */
  lateMs: number;
  /** How far the anchor was slewed later on this line, in ms. */
  slewedMs: number;
}

export class SegmentClock {
  private anchorMs: number | null = null;
  /** The offset of a line beyond clockStepMs waiting for a second one to confirm the step. */
  private steppedOffsetMs: number | null = null;
  /** Since when (stream s) every line came later than slewAfterMs, and the least lateness among them. */
  private lateSpan: { sinceSeconds: number; leastLateMs: number } | null = null;
  private lastRunEndSeconds: number | null = null;

  constructor(private lastEndMs: number) {}

  /** Call when a new ffmpeg run starts: its stream time restarts near zero. */
  newRun(): void {
    this.anchorMs = null;
    this.steppedOffsetMs = null;
    this.lateSpan = null;
    this.lastRunEndSeconds = null;
  }

  place(startSeconds: number, endSeconds: number, arrivedAtMs: number): Placed {
    const offset = arrivedAtMs - endSeconds * 1000;
    const lateMs = this.anchorMs === null ? 0 : offset - this.anchorMs;
    let reanchored = false;
    let slewedMs = 0;
    const stepped = lateMs > clockStepMs;
    if (this.anchorMs === null) {
      this.anchorMs = offset;
    } else if (lateMs < 0) {
      reanchored = lateMs < -reanchorMs;
      this.anchorMs = offset;
      this.lateSpan = null;
    } else if (stepped && this.steppedOffsetMs !== null) {
      this.anchorMs = Math.min(this.steppedOffsetMs, offset);
      this.lateSpan = null;
      reanchored = true;
    } else if (!stepped) {
      slewedMs = this.follow(lateMs, endSeconds);
    }
    // Only a first stepped line waits for a second one; any other line ends the wait.
    this.steppedOffsetMs = stepped && !reanchored ? offset : null;
    this.lastRunEndSeconds = endSeconds;
    const placed = this.monotonic(Math.round(this.anchorMs + startSeconds * 1000), Math.round((endSeconds - startSeconds) * 1000));
    return { ...placed, reanchored, lateMs: Math.round(lateMs), slewedMs: Math.round(slewedMs) };
  }

  /** A segment cut short (ffmpeg killed): it starts where the run's last listed segment ended. */
  placePartial(durationMs: number, endedAtMs: number): PlacedTimes {
    const startMs = this.anchorMs !== null && this.lastRunEndSeconds !== null ? Math.round(this.anchorMs + this.lastRunEndSeconds * 1000) : endedAtMs - durationMs;
    return this.monotonic(startMs, durationMs);
  }

  /** A line later than the anchor (not a step): slews the anchor once lateness held for holdSeconds; returns the move. */
  private follow(lateMs: number, endSeconds: number): number {
    if (this.lateSpan === null && lateMs <= slewAfterMs) return 0;
    // Once following, the span lasts while lines stay late at all, so the anchor closes in on the least lateness.
    if (this.lateSpan !== null && lateMs <= 0) {
      this.lateSpan = null;
      return 0;
    }
    this.lateSpan ??= { sinceSeconds: endSeconds, leastLateMs: lateMs };
    this.lateSpan.leastLateMs = Math.min(this.lateSpan.leastLateMs, lateMs);
    if (endSeconds - this.lateSpan.sinceSeconds < holdSeconds) return 0;
    const moveMs = Math.min(slewMsPerLine, this.lateSpan.leastLateMs);
    this.anchorMs! += moveMs;
    this.lateSpan.leastLateMs -= moveMs;
    // Caught up with the least lateness of the span: the next drift starts a span of its own.
    if (this.lateSpan.leastLateMs <= 0) this.lateSpan = null;
    return moveMs;
  }

  private monotonic(startMs: number, durationMs: number): PlacedTimes {
    const start = Math.max(startMs, this.lastEndMs);
    const end = start + Math.max(0, durationMs);
    this.lastEndMs = end;
    return { startMs: start, endMs: end };
  }
}
