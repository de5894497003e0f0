/**
 * Turns stream time (seconds in ffmpeg's segment list) into wall-clock ms for the index.
 * Anchor: the list line for a segment arrives as the keyframe that ends it comes in,
 * so `arrival − endSeconds` maps stream time to wall time. Re-anchored when camera and
 * host clocks drift apart by more than `reanchorMs` (late: two lines in a row); times never go backwards per camera
 * (a clock stepped back squeezes nothing: new segments continue after the last one).
 */
export const reanchorMs = 2_000;

export interface PlacedTimes {
  startMs: number;
  endMs: number;
}

export class SegmentClock {
  private anchorMs: number | null = null;
  /** The offset of a late line waiting for a second one to confirm a drift. */
  private lateOffsetMs: number | null = null;
  private lastRunEndSeconds: number | null = null;

  constructor(private lastEndMs: number) {}

  /** Call when a new ffmpeg run starts: its stream time restarts near zero. */
  newRun(): void {
    this.anchorMs = null;
    this.lateOffsetMs = null;
    this.lastRunEndSeconds = null;
  }

  place(startSeconds: number, endSeconds: number, arrivedAtMs: number): PlacedTimes & { reanchored: boolean } {
    const offset = arrivedAtMs - endSeconds * 1000;
    // A list line can only arrive late, never early: one late line is a starved box (ffmpeg
    // or this loop behind), not a drifted clock, and re-anchoring on it opens a false gap in
    // the index. Early (stream time ahead of the anchor) re-anchors at once; late must hold
    // for two lines in a row, and then takes the smaller of the two offsets.
    const late = this.anchorMs !== null && offset > this.anchorMs + reanchorMs;
    let reanchored = false;
    if (this.anchorMs === null) {
      this.anchorMs = offset;
    } else if (offset < this.anchorMs - reanchorMs) {
      this.anchorMs = offset;
      reanchored = true;
    } else if (late && this.lateOffsetMs !== null) {
      this.anchorMs = Math.min(this.lateOffsetMs, offset);
      reanchored = true;
    }
    // Only a first late line waits for a second one; any other line ends the wait.
    this.lateOffsetMs = late && !reanchored ? offset : null;
    this.lastRunEndSeconds = endSeconds;
    return { ...this.monotonic(Math.round(this.anchorMs + startSeconds * 1000), Math.round((endSeconds - startSeconds) * 1000)), reanchored };
  }

  /** A segment cut short (ffmpeg killed): it starts where the run's last listed segment ended. */
  placePartial(durationMs: number, endedAtMs: number): PlacedTimes {
    const startMs = this.anchorMs !== null && this.lastRunEndSeconds !== null ? Math.round(this.anchorMs + this.lastRunEndSeconds * 1000) : endedAtMs - durationMs;
    return this.monotonic(startMs, durationMs);
  }

  private monotonic(startMs: number, durationMs: number): PlacedTimes {
    const start = Math.max(startMs, this.lastEndMs);
    const end = start + Math.max(0, durationMs);
    this.lastEndMs = end;
    return { startMs: start, endMs: end };
  }
}
