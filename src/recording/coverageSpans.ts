/**
 * SQL for the `coverage_spans` table (005_coverage_spans.sql): each camera stream's recorded
 * time as merged spans, what the timeline draws. segmentRows.ts calls these inside the same
 * transaction as the segment write, so the spans are always the merge of the live rows
 * (deleting = 0): segments at most `coverageJoinMs` apart (closed intervals, gaps measured
 * end to start) are one span. test/unit/coverage-spans.test.ts checks this against a
 * brute-force merge of random insert/delete sequences.
 */
import type { Db } from '../db/sqlite.ts';

/** segmentRows.ts's SegmentStream, spelled out: that module calls this one. */
type SegmentStream = 'main' | 'sub';

/** Rotation leaves no gap and a stall of a second is still "recording"; a restart leaves several seconds. The migration's SQL says 1500 too. */
export const coverageJoinMs = 1500;
/**
 * No indexed segment lasts longer (the recorder rotates every 10 s; the segment queries of
 * src/playback/mediaRows.ts assume the same hour). Removing a segment looks this far back
 * for the rows that still cover its neighbourhood.
 */
export const longestSegmentMs = 3_600_000;

export interface Span {
  startMs: number;
  endMs: number;
}

interface SpanDbRow {
  startMs: number;
  endMs: number;
}

const spanColumns = 'start_ms AS startMs, end_ms AS endMs';

/** The spans within `coverageJoinMs` of [startMs, endMs], oldest first. Spans are disjoint, so start order is end order. */
function spansNear(db: Db, cameraId: string, stream: SegmentStream, startMs: number, endMs: number): SpanDbRow[] {
  const before = db
    .prepare(`SELECT ${spanColumns} FROM coverage_spans WHERE camera_id = ? AND stream = ? AND start_ms < ? ORDER BY start_ms DESC LIMIT 1`)
    .get(cameraId, stream, startMs - coverageJoinMs) as SpanDbRow | undefined;
  const within = db
    .prepare(`SELECT ${spanColumns} FROM coverage_spans WHERE camera_id = ? AND stream = ? AND start_ms >= ? AND start_ms <= ? ORDER BY start_ms`)
    .all(cameraId, stream, startMs - coverageJoinMs, endMs + coverageJoinMs) as SpanDbRow[];
  return before !== undefined && before.endMs >= startMs - coverageJoinMs ? [before, ...within] : within;
}

function replaceSpans(db: Db, cameraId: string, stream: SegmentStream, old: SpanDbRow[], next: Span[]): void {
  const del = db.prepare('DELETE FROM coverage_spans WHERE camera_id = ? AND stream = ? AND start_ms = ?');
  const ins = db.prepare('INSERT INTO coverage_spans (camera_id, stream, start_ms, end_ms) VALUES (?, ?, ?, ?)');
  for (const span of old) del.run(cameraId, stream, span.startMs);
  for (const span of next) ins.run(cameraId, stream, span.startMs, span.endMs);
}

/** A live segment [startMs, endMs] joined the index: it extends, bridges or starts a span. */
export function addCoverage(db: Db, cameraId: string, stream: SegmentStream, startMs: number, endMs: number): void {
  const near = spansNear(db, cameraId, stream, startMs, endMs);
  const first = near[0];
  // The usual case, a segment inside the span it extends an instant ago: nothing changes.
  if (near.length === 1 && first !== undefined && first.startMs <= startMs && first.endMs >= endMs) return;
  const merged = near.reduce((span, s) => ({ startMs: Math.min(span.startMs, s.startMs), endMs: Math.max(span.endMs, s.endMs) }), { startMs, endMs });
  replaceSpans(db, cameraId, stream, near, [merged]);
}

/**
 * A segment [startMs, endMs] stopped being live (marked deleting or deleted; the row is no
 * longer counted when this runs): its span shrinks, splits or goes. Only gaps that touch the
 * segment can have grown past `coverageJoinMs` (every other gap of the span was within it
 * before), so only the rows near it are read, not the whole span.
 */
export function removeCoverage(db: Db, cameraId: string, stream: SegmentStream, startMs: number, endMs: number): void {
  const span = db
    .prepare(`SELECT ${spanColumns} FROM coverage_spans WHERE camera_id = ? AND stream = ? AND start_ms <= ? ORDER BY start_ms DESC LIMIT 1`)
    .get(cameraId, stream, startMs) as SpanDbRow | undefined;
  if (span === undefined || span.endMs < endMs) return;
  const live = `FROM segments WHERE camera_id = ? AND stream = ? AND deleting = 0`;
  // Another row starts at the span's start unless this one did, and likewise ends at its end.
  const firstMs = startMs > span.startMs
    ? span.startMs
    : (db.prepare(`SELECT min(start_ms) AS firstMs ${live} AND start_ms >= ? AND start_ms <= ?`).get(cameraId, stream, span.startMs, span.endMs) as { firstMs: number | null }).firstMs;
  if (firstMs === null) {
    replaceSpans(db, cameraId, stream, [span], []);
    return;
  }
  // Some remaining row ends within join + longest of the span's end (the removed one lasted at most longest), so starts within twice that.
  const lastEndMs = endMs < span.endMs
    ? span.endMs
    : ((db.prepare(`SELECT max(end_ms) AS lastMs ${live} AND start_ms >= ? AND start_ms <= ?`)
        .get(cameraId, stream, Math.max(span.startMs, span.endMs - 2 * longestSegmentMs - coverageJoinMs), span.endMs) as { lastMs: number | null }).lastMs ?? firstMs);
  // The rows that can bound a grown gap: every row ending after startMs - join starts after
  // this (longestSegmentMs), plus the first row starting beyond the neighbourhood.
  const nearFromMs = Math.max(span.startMs, startMs - coverageJoinMs - longestSegmentMs);
  const nearToMs = Math.min(span.endMs, endMs + coverageJoinMs);
  const near = db
    .prepare(`SELECT ${spanColumns} ${live} AND start_ms >= ? AND start_ms <= ? ORDER BY start_ms`)
    .all(cameraId, stream, nearFromMs, nearToMs) as SpanDbRow[];
  const next = db
    .prepare(`SELECT ${spanColumns} ${live} AND start_ms > ? AND start_ms <= ? ORDER BY start_ms LIMIT 1`)
    .get(cameraId, stream, nearToMs, span.endMs) as SpanDbRow | undefined;
  if (next !== undefined) near.push(next);
  const pieces: Span[] = [];
  let pieceStartMs = firstMs;
  let reachMs = Number.NEGATIVE_INFINITY;
  for (const row of near) {
    // A gap wider than the join that overlaps the removed segment: the span splits there.
    if (reachMs !== Number.NEGATIVE_INFINITY && row.startMs - reachMs > coverageJoinMs && reachMs < endMs && row.startMs > startMs) {
      pieces.push({ startMs: pieceStartMs, endMs: reachMs });
      pieceStartMs = row.startMs;
    }
    reachMs = Math.max(reachMs, row.endMs);
  }
  pieces.push({ startMs: pieceStartMs, endMs: lastEndMs });
  replaceSpans(db, cameraId, stream, [span], pieces);
}
