/**
 * Read-only SQL behind GET /api/cameras/:id/coverage: the timeline's recorded spans
 * (table coverage_spans, kept by src/recording/coverageSpans.ts) and its motion markers,
 * for a range of up to two months. Each answer is merged to the caller's resolution
 * (`minGapMs`, a pixel of the scrubber) and bounded in size: past `maxItems` the gaps
 * merged grow to a `maxItems`th of the range, so the reply never outgrows the screen.
 */
import type { Db } from '../db/sqlite.ts';
import type { SegmentStream } from '../recording/segmentRows.ts';
import { eventBuckets } from '../motion/eventRows.ts';

export interface TimeSpan {
  startMs: number;
  endMs: number;
}

export interface MergedSpans {
  spans: TimeSpan[];
  /** The gap merged in the end: `minGapMs` as asked, or larger where the bound needed it. */
  minGapMs: number;
}

export interface EventMarker extends TimeSpan {
  /** How many motion events the marker stands for. */
  count: number;
  /** Any of them alerted. */
  alert: boolean;
  /** The labels (COCO names) they carry, each once, in name order; [] for plain motion. */
  labels: string[];
}

/** Merges time-ordered spans (by start) clipped to [fromMs, toMs], joining gaps ≤ minGapMs, in one pass with at most maxItems + 1 kept. */
function mergeBounded<T extends TimeSpan>(rows: Iterable<T>, fromMs: number, toMs: number, askedGapMs: number, maxItems: number, join: (into: T, row: T) => void): { items: T[]; minGapMs: number } {
  let gapMs = askedGapMs;
  let items: T[] = [];
  const boundGapMs = Math.ceil((toMs - fromMs) / maxItems);
  for (const row of rows) {
    const clipped = { ...row, startMs: Math.max(fromMs, row.startMs), endMs: Math.min(toMs, row.endMs) };
    if (clipped.endMs < clipped.startMs) continue;
    const last = items.at(-1);
    if (last !== undefined && clipped.startMs - last.endMs <= gapMs) {
      join(last, clipped);
      continue;
    }
    items.push(clipped);
    if (items.length > maxItems && gapMs < boundGapMs) {
      // Too many to draw: merge what is kept at the coarser gap, and go on at that gap.
      gapMs = boundGapMs;
      const coarse: T[] = [];
      for (const item of items) {
        const tail = coarse.at(-1);
        if (tail !== undefined && item.startMs - tail.endMs <= gapMs) join(tail, item);
        else coarse.push(item);
      }
      items = coarse;
    }
  }
  return { items, minGapMs: gapMs };
}

/** Rows per read: bounds the memory of a pathological range, while a month of a camera that broke every 10 minutes (4,320 spans) is one read. */
const spansPerRead = 8_192;

/**
 * The spans starting in [fromMs, toMs), oldest first, read as bare arrays a page at a time:
 * at ~0.3 µs a row this is 4x faster than row objects, and 4x faster than merging gaps
 * with SQLite's window functions (bench/indexCoverage.ts, the gap-every-10-min month).
 */
function* spansFrom(db: Db, cameraId: string, stream: SegmentStream, fromMs: number, toMs: number): Generator<TimeSpan> {
  const page = db
    .prepare('SELECT start_ms, end_ms FROM coverage_spans WHERE camera_id = ? AND stream = ? AND start_ms >= ? AND start_ms < ? ORDER BY start_ms LIMIT ?')
    .raw();
  let nextMs = fromMs;
  for (let reads = 0; reads < 1_000_000; reads += 1) {
    const rows = page.all(cameraId, stream, nextMs, toMs, spansPerRead) as [number, number][];
    for (const [startMs, endMs] of rows) yield { startMs, endMs };
    const last = rows.at(-1);
    if (rows.length < spansPerRead || last === undefined) return;
    nextMs = last[0] + 1;
  }
}

/** Recorded spans of one camera stream overlapping [fromMs, toMs], clipped to it, oldest first. */
export function coverageSpans(db: Db, cameraId: string, stream: SegmentStream, fromMs: number, toMs: number, minGapMs: number, maxItems: number): MergedSpans {
  const straddling = db
    .prepare('SELECT start_ms AS startMs, end_ms AS endMs FROM coverage_spans WHERE camera_id = ? AND stream = ? AND start_ms < ? ORDER BY start_ms DESC LIMIT 1')
    .get(cameraId, stream, fromMs) as TimeSpan | undefined;
  function* all(): Generator<TimeSpan> {
    if (straddling !== undefined && straddling.endMs > fromMs) yield straddling;
    yield* spansFrom(db, cameraId, stream, fromMs, toMs);
  }
  const merged = mergeBounded(all(), fromMs, toMs, minGapMs, maxItems, (into, row) => void (into.endMs = Math.max(into.endMs, row.endMs)));
  return { spans: merged.items, minGapMs: merged.minGapMs };
}

/**
 * Motion events of one camera overlapping [fromMs, toMs] as markers, clipped to the range:
 * grouped by start into buckets of minGapMs (at least a `maxItems`th of the range, so the
 * answer is bounded before it leaves SQLite), then merged like the spans.
 */
export function eventMarkers(db: Db, cameraId: string, fromMs: number, toMs: number, minGapMs: number, maxItems: number, nowMs: number): EventMarker[] {
  const bucketMs = Math.max(minGapMs, Math.ceil((toMs - fromMs) / maxItems));
  const join = (into: EventMarker, row: EventMarker) => {
    into.endMs = Math.max(into.endMs, row.endMs);
    into.count += row.count;
    into.alert ||= row.alert;
    if (row.labels.length > 0) into.labels = [...new Set([...into.labels, ...row.labels])].sort();
  };
  return mergeBounded(eventBuckets(db, cameraId, fromMs, toMs, bucketMs, nowMs), fromMs, toMs, minGapMs, maxItems, join).items;
}
