/**
 * All the SQL of motion events (table `events`, migration 001): the motion pipeline's writes
 * and the server's reads. A row is inserted when an event starts (end_ms NULL: "open"),
 * updated as its peak rises, and closed when it ends; so a crash mid-event leaves an open
 * row that the next start closes (closeOpenEvents). The rows carry their camera, so the
 * server resolves every id to a camera before the gate.
 */
import type { Db } from '../db/connection.ts';
import type { Rect } from './detector.ts';

export interface EventRow {
  id: number;
  cameraId: string;
  startMs: number;
  endMs: number | null;
  score: number;
  region: Rect | null;
  /** Relative to the data dir; null until the first thumbnail is written. */
  thumbnailPath: string | null;
}

interface RawEventRow {
  id: number;
  camera_id: string;
  start_ms: number;
  end_ms: number | null;
  score: number;
  region: string | null;
  thumbnail_path: string | null;
}

const columns = 'id, camera_id, start_ms, end_ms, score, region, thumbnail_path';

export function insertOpenEvent(db: Db, row: { cameraId: string; startMs: number; score: number; region: Rect }): number {
  const result = db
    .prepare('INSERT INTO events (camera_id, start_ms, end_ms, score, region) VALUES (?, ?, NULL, ?, ?)')
    .run(row.cameraId, Math.round(row.startMs), row.score, JSON.stringify(row.region));
  return Number(result.lastInsertRowid);
}

export function updateEventPeak(db: Db, id: number, peak: { score: number; region: Rect }): void {
  db.prepare('UPDATE events SET score = ?, region = ? WHERE id = ?').run(peak.score, JSON.stringify(peak.region), id);
}

export function setEventThumbnail(db: Db, id: number, thumbnailPath: string): void {
  db.prepare('UPDATE events SET thumbnail_path = ? WHERE id = ?').run(thumbnailPath, id);
}

export function closeEvent(db: Db, id: number, endMs: number): void {
  // max(): the clip never ends before it starts, whatever the clock did meanwhile.
  db.prepare('UPDATE events SET end_ms = max(start_ms, ?) WHERE id = ? AND end_ms IS NULL').run(Math.round(endMs), id);
}

/**
 * Closes events a previous run left open (crash, power cut). The row does not record its
 * last motion, so the end is bounded: at most `staleCapMs` after its start, never after now.
 * Returns the ids closed.
 */
export function closeOpenEvents(db: Db, cameraId: string, nowMs: number, staleCapMs: number): number[] {
  const open = db.prepare('SELECT id FROM events WHERE camera_id = ? AND end_ms IS NULL').all(cameraId) as Array<{ id: number }>;
  db.prepare(
    'UPDATE events SET end_ms = max(start_ms, min(?, start_ms + ?)) WHERE camera_id = ? AND end_ms IS NULL',
  ).run(Math.round(nowMs), Math.round(staleCapMs), cameraId);
  return open.map((r) => r.id);
}

export function eventById(db: Db, id: number): EventRow | null {
  const row = db.prepare(`SELECT ${columns} FROM events WHERE id = ?`).get(id) as RawEventRow | undefined;
  return row ? toEventRow(row) : null;
}

/**
 * Events of one camera overlapping [fromMs, toMs). `longestEventMs` bounds how far before
 * `fromMs` a still-overlapping event can start, so the (camera_id, start_ms) index serves it.
 */
export function listCameraEvents(db: Db, cameraId: string, fromMs: number, toMs: number, longestEventMs: number): EventRow[] {
  const rows = db
    .prepare(
      `SELECT ${columns} FROM events
        WHERE camera_id = ? AND start_ms >= ? AND start_ms < ? AND (end_ms IS NULL OR end_ms >= ?)
        ORDER BY start_ms`,
    )
    .all(cameraId, fromMs - longestEventMs, toMs, fromMs) as RawEventRow[];
  return rows.map(toEventRow);
}

/** A motion event overlapping an hour before fromMs is still drawn: events are cut at `eventTimesLookbackMs` for the index scan. */
export const eventTimesLookbackMs = 3_600_000;

export interface EventBucket {
  startMs: number;
  endMs: number;
  count: number;
}

/**
 * One camera's events overlapping [fromMs, toMs), grouped by start into buckets of
 * `bucketMs` from fromMs (the timeline's motion markers: a month can hold tens of thousands
 * of events, and the grouping runs inside SQLite on the covering index
 * events_by_camera_start_end, migration 005). Each bucket spans its events' earliest start
 * to latest end (an open event: `nowMs`); oldest first. Events that started more than
 * `eventTimesLookbackMs` before fromMs are left out.
 */
export function eventBuckets(db: Db, cameraId: string, fromMs: number, toMs: number, bucketMs: number, nowMs: number): EventBucket[] {
  const rows = db
    .prepare(
      `SELECT CAST((start_ms - ?) / ? AS INTEGER) AS bucket, min(start_ms) AS startMs, max(coalesce(end_ms, max(start_ms, ?))) AS endMs, count(*) AS count
         FROM events
        WHERE camera_id = ? AND start_ms >= ? AND start_ms < ? AND (end_ms IS NULL OR end_ms >= ?)
        GROUP BY bucket ORDER BY bucket`,
    )
    .all(fromMs, Math.max(1, bucketMs), nowMs, cameraId, fromMs - eventTimesLookbackMs, toMs, fromMs) as (EventBucket & { bucket: number })[];
  return rows.map((r) => ({ startMs: r.startMs, endMs: r.endMs, count: r.count }));
}

/** Events of the given cameras starting in [fromMs, toMs), newest first. Callers pass only cameras the gate allowed. */
export function eventsOf(db: Db, cameraIds: readonly string[], fromMs: number, toMs: number, limit: number): EventRow[] {
  if (cameraIds.length === 0) return [];
  const placeholders = cameraIds.map(() => '?').join(', ');
  const rows = db
    .prepare(
      `SELECT ${columns} FROM events
        WHERE camera_id IN (${placeholders}) AND start_ms >= ? AND start_ms < ?
        ORDER BY start_ms DESC, id DESC LIMIT ?`,
    )
    .all(...cameraIds, fromMs, toMs, limit) as RawEventRow[];
  return rows.map(toEventRow);
}

function toEventRow(row: RawEventRow): EventRow {
  return {
    id: row.id,
    cameraId: row.camera_id,
    startMs: row.start_ms,
    endMs: row.end_ms,
    score: row.score,
    region: row.region === null ? null : (JSON.parse(row.region) as Rect),
    thumbnailPath: row.thumbnail_path,
  };
}
