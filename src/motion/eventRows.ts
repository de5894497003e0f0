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
  /** A label of the camera's alert list counts on it (migration 006, src/objects/labelRows.ts). */
  alert: boolean;
}

interface RawEventRow {
  id: number;
  camera_id: string;
  start_ms: number;
  end_ms: number | null;
  score: number;
  region: string | null;
  thumbnail_path: string | null;
  alert: number;
}

const columns = 'id, camera_id, start_ms, end_ms, score, region, thumbnail_path, alert';

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
  /** Any of its events alerted. */
  alert: boolean;
  /** The labels (COCO names) its events carry, each once, in name order; [] for plain motion. */
  labels: string[];
}

/**
 * One camera's events overlapping [fromMs, toMs), grouped by start into buckets of
 * `bucketMs` from fromMs (the timeline's motion markers: a month can hold tens of thousands
 * of events, and the grouping runs inside SQLite on the covering index
 * events_by_camera_start_end, migrations 005 and 006). Each bucket spans its events' earliest start
 * to latest end (an open event: `nowMs`); oldest first. Events that started more than
 * `eventTimesLookbackMs` before fromMs are left out. The labels are a second grouped read on the
 * same index with one key probe of event_labels per event; only labelled events add rows to it.
 */
export function eventBuckets(db: Db, cameraId: string, fromMs: number, toMs: number, bucketMs: number, nowMs: number): EventBucket[] {
  const size = Math.max(1, bucketMs);
  const range = [cameraId, fromMs - eventTimesLookbackMs, toMs, fromMs] as const;
  const rows = db
    .prepare(
      `SELECT CAST((start_ms - ?) / ? AS INTEGER) AS bucket, min(start_ms) AS startMs, max(coalesce(end_ms, max(start_ms, ?))) AS endMs, count(*) AS count,
              max(alert) AS alert
         FROM events
        WHERE camera_id = ? AND start_ms >= ? AND start_ms < ? AND (end_ms IS NULL OR end_ms >= ?)
        GROUP BY bucket ORDER BY bucket`,
    )
    .all(fromMs, size, nowMs, ...range) as { bucket: number; startMs: number; endMs: number; count: number; alert: number }[];
  const labelRows = db
    .prepare(
      `SELECT CAST((e.start_ms - ?) / ? AS INTEGER) AS bucket, l.label AS label
         FROM events e JOIN event_labels l ON l.event_id = e.id
        WHERE e.camera_id = ? AND e.start_ms >= ? AND e.start_ms < ? AND (e.end_ms IS NULL OR e.end_ms >= ?)
        GROUP BY bucket, l.label ORDER BY bucket, l.label`,
    )
    .all(fromMs, size, ...range) as { bucket: number; label: string }[];
  const labelsByBucket = new Map<number, string[]>();
  for (const r of labelRows) labelsByBucket.set(r.bucket, [...(labelsByBucket.get(r.bucket) ?? []), r.label]);
  return rows.map((r) => ({ startMs: r.startMs, endMs: r.endMs, count: r.count, alert: r.alert === 1, labels: labelsByBucket.get(r.bucket) ?? [] }));
}

/** What GET /api/events may narrow to (src/objects/labels.ts names). */
export interface EventFilter {
  /** An event matches with a label among these COCO labels... */
  labels?: readonly string[];
  /** ... or of one of these kinds ... */
  kinds?: readonly string[];
  /** ... or, when true, with no label at all (plain motion). Nothing of the three set: no label filter. */
  unlabelled?: boolean;
  /** Only events that alerted. */
  alertOnly?: boolean;
}

/**
 * Events of the given cameras starting in [fromMs, toMs), newest first. Callers pass only cameras the gate allowed.
 * The label filter reads each candidate's labels by the (event_id, label) key of event_labels: the
 * (camera_id, start_ms) index still picks the rows.
 */
export function eventsOf(db: Db, cameraIds: readonly string[], fromMs: number, toMs: number, limit: number, filter: EventFilter = {}): EventRow[] {
  if (cameraIds.length === 0) return [];
  const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  const conditions: string[] = [];
  const values: unknown[] = [];
  const labels = filter.labels ?? [];
  const kinds = filter.kinds ?? [];
  const any: string[] = [];
  if (labels.length > 0 || kinds.length > 0) {
    const which = [
      ...(labels.length > 0 ? [`l.label IN (${placeholders(labels.length)})`] : []),
      ...(kinds.length > 0 ? [`l.kind IN (${placeholders(kinds.length)})`] : []),
    ];
    any.push(`EXISTS (SELECT 1 FROM event_labels l WHERE l.event_id = events.id AND (${which.join(' OR ')}))`);
    values.push(...labels, ...kinds);
  }
  if (filter.unlabelled) any.push('NOT EXISTS (SELECT 1 FROM event_labels l WHERE l.event_id = events.id)');
  if (any.length > 0) conditions.push(`(${any.join(' OR ')})`);
  if (filter.alertOnly) conditions.push('alert = 1');
  const rows = db
    .prepare(
      `SELECT ${columns} FROM events
        WHERE camera_id IN (${placeholders(cameraIds.length)}) AND start_ms >= ? AND start_ms < ?
        ${conditions.map((c) => `AND ${c}`).join(' ')}
        ORDER BY start_ms DESC, id DESC LIMIT ?`,
    )
    .all(...cameraIds, fromMs, toMs, ...values, limit) as RawEventRow[];
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
    alert: row.alert === 1,
  };
}
