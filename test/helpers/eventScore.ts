/**
 * Scores detected events against a ground-truth schedule (the simulator's, or a bench
 * scene's): an event is a true positive when it overlaps a true motion interval, a true
 * interval is found when some event overlaps it. Light and IR intervals are not motion.
 */

export interface TruthInterval {
  kind: string;
  startMs: number;
  endMs: number;
}

export interface ScoredEvent {
  firstMotionMs: number;
  lastMotionMs: number;
  detectedAtMs: number;
}

export interface SceneScore {
  motionIntervals: number;
  found: number;
  events: number;
  matchedEvents: number;
  /** 1 when there was nothing to find / nothing was reported. */
  recall: number;
  precision: number;
  falseEvents: number;
  falseEventsPerHour: number;
  /** From a true interval's start to the detection of the first event overlapping it. */
  meanLatencyMs: number | null;
  maxLatencyMs: number | null;
}

/** Kinds that are scene changes, not objects: an event over one of these alone is a false event. */
export const nonMotionKinds: ReadonlySet<string> = new Set(['light', 'ir', 'brightness', 'noise']);

export function isMotionKind(kind: string): boolean {
  return !nonMotionKinds.has(kind);
}

/**
 * `toleranceMs` widens each event on both sides: frames are stamped when they arrive, so
 * the decoder's delay puts a camera's picture a little after the schedule's clock.
 */
export function scoreEvents(events: readonly ScoredEvent[], truth: readonly TruthInterval[], durationMs: number, toleranceMs: number): SceneScore {
  const motion = truth.filter((t) => isMotionKind(t.kind));
  const overlaps = (e: ScoredEvent, t: TruthInterval): boolean => e.firstMotionMs - toleranceMs < t.endMs && e.lastMotionMs + toleranceMs > t.startMs;
  let found = 0;
  const latencies: number[] = [];
  for (const t of motion) {
    const hits = events.filter((e) => overlaps(e, t));
    if (hits.length === 0) continue;
    found++;
    latencies.push(Math.min(...hits.map((e) => e.detectedAtMs)) - t.startMs);
  }
  const matchedEvents = events.filter((e) => motion.some((t) => overlaps(e, t))).length;
  const falseEvents = events.length - matchedEvents;
  return {
    motionIntervals: motion.length,
    found,
    events: events.length,
    matchedEvents,
    recall: motion.length === 0 ? 1 : found / motion.length,
    precision: events.length === 0 ? 1 : matchedEvents / events.length,
    falseEvents,
    falseEventsPerHour: durationMs > 0 ? (falseEvents * 3_600_000) / durationMs : 0,
    meanLatencyMs: latencies.length ? Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length) : null,
    maxLatencyMs: latencies.length ? Math.max(...latencies) : null,
  };
}
