/** SQL for the `segments` table (001_core.sql): the index of recorded files. */
import type { Db } from '../db/sqlite.ts';
import { addCoverage, removeCoverage } from './coverageSpans.ts';

/** Which of the camera's streams a segment holds (004_segment_stream.sql): 'main' unless asked. */
export type SegmentStream = 'main' | 'sub';

export interface SegmentRow {
  id: number;
  cameraId: string;
  startMs: number;
  endMs: number;
  bytes: number;
  /** Relative to the recording root. */
  path: string;
  deleting: boolean;
  stream: SegmentStream;
}

export interface NewSegment {
  cameraId: string;
  startMs: number;
  endMs: number;
  bytes: number;
  path: string;
  /** Default 'main'. */
  stream?: SegmentStream;
}

interface SegmentDbRow {
  id: number;
  camera_id: string;
  start_ms: number;
  end_ms: number;
  bytes: number;
  path: string;
  deleting: number;
  stream: SegmentStream;
}

const columns = 'id, camera_id, start_ms, end_ms, bytes, path, deleting, stream';

function toRow(r: SegmentDbRow): SegmentRow {
  return { id: r.id, cameraId: r.camera_id, startMs: r.start_ms, endMs: r.end_ms, bytes: r.bytes, path: r.path, deleting: r.deleting === 1, stream: r.stream };
}

/** Inserts rows in one transaction (the indexer batches); an existing path is left as is. The timeline's spans follow in the same transaction. */
export function insertSegments(db: Db, rows: NewSegment[]): void {
  const insert = db.prepare(
    `INSERT INTO segments (camera_id, start_ms, end_ms, bytes, path, stream) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (path) DO NOTHING`,
  );
  db.transaction(() => {
    for (const r of rows) {
      const stream = r.stream ?? 'main';
      if (insert.run(r.cameraId, r.startMs, r.endMs, r.bytes, r.path, stream).changes > 0) addCoverage(db, r.cameraId, stream, r.startMs, r.endMs);
    }
  })();
}

/** Every stream's segments unless `stream` is given (quarantine sets aside both). */
export function listSegments(db: Db, cameraId: string, stream?: SegmentStream): SegmentRow[] {
  if (stream !== undefined) {
    return (db.prepare(`SELECT ${columns} FROM segments WHERE camera_id = ? AND stream = ? ORDER BY start_ms, id`).all(cameraId, stream) as SegmentDbRow[]).map(toRow);
  }
  return (db.prepare(`SELECT ${columns} FROM segments WHERE camera_id = ? ORDER BY start_ms, id`).all(cameraId) as SegmentDbRow[]).map(toRow);
}

export function allSegments(db: Db): SegmentRow[] {
  return (db.prepare(`SELECT ${columns} FROM segments ORDER BY start_ms, id`).all() as SegmentDbRow[]).map(toRow);
}

export function lastSegmentEndMs(db: Db, cameraId: string, stream: SegmentStream = 'main'): number | null {
  const row = db.prepare('SELECT max(end_ms) AS endMs FROM segments WHERE camera_id = ? AND stream = ?').get(cameraId, stream) as { endMs: number | null };
  return row.endMs;
}

/** The path of the camera's newest main-stream segment not being deleted, or null when it has none. */
export function newestSegmentPath(db: Db, cameraId: string): string | null {
  const row = db.prepare(`SELECT path FROM segments WHERE camera_id = ? AND stream = 'main' AND deleting = 0 ORDER BY start_ms DESC LIMIT 1`).get(cameraId) as { path: string } | undefined;
  return row?.path ?? null;
}

export function newestSegmentEndMs(db: Db): number | null {
  return (db.prepare('SELECT max(end_ms) AS endMs FROM segments').get() as { endMs: number | null }).endMs;
}

interface LiveSpanOfRow {
  camera_id: string;
  stream: SegmentStream;
  start_ms: number;
  end_ms: number;
}

/** A row being deleted is no longer recorded time: the timeline's spans lose it here, not when the row goes. */
export function markDeleting(db: Db, ids: number[]): void {
  const mark = db.prepare('UPDATE segments SET deleting = 1 WHERE id = ? AND deleting = 0 RETURNING camera_id, stream, start_ms, end_ms');
  db.transaction(() => {
    for (const id of ids) {
      const row = mark.get(id) as LiveSpanOfRow | undefined;
      if (row) removeCoverage(db, row.camera_id, row.stream, row.start_ms, row.end_ms);
    }
  })();
}

/** Drops rows (retention, reconcile, quarantine); a row still live leaves the timeline's spans in the same transaction. */
export function deleteSegmentRows(db: Db, ids: number[]): void {
  const del = db.prepare('DELETE FROM segments WHERE id = ? RETURNING camera_id, stream, start_ms, end_ms, deleting');
  db.transaction(() => {
    for (const id of ids) {
      const row = del.get(id) as (LiveSpanOfRow & { deleting: number }) | undefined;
      if (row && row.deleting === 0) removeCoverage(db, row.camera_id, row.stream, row.start_ms, row.end_ms);
    }
  })();
}

export function segmentsMarkedDeleting(db: Db): SegmentRow[] {
  return (db.prepare(`SELECT ${columns} FROM segments WHERE deleting = 1`).all() as SegmentDbRow[]).map(toRow);
}

/**
 * When an event still protects the segments it overlaps: it ended at or after `eventCutoffMs`,
 * or it has an object label (migration 006) and ended at or after `labelledCutoffMs`.
 */
export interface EventProtection {
  eventCutoffMs: number;
  labelledCutoffMs: number;
}

/** SQL true when an event overlapping segment `s` still protects it; binds eventCutoffMs, labelledCutoffMs. */
const protectedByEventSql = `EXISTS (SELECT 1 FROM events e WHERE e.camera_id = s.camera_id AND e.start_ms < s.end_ms
                        AND coalesce(e.end_ms, e.start_ms) >= s.start_ms
                        AND (coalesce(e.end_ms, e.start_ms) >= ?
                             OR (coalesce(e.end_ms, e.start_ms) >= ? AND EXISTS (SELECT 1 FROM event_labels l WHERE l.event_id = e.id))))`;

/** Candidates for retention, oldest first; segments an event protects (event retention) come last. */
export function oldestSegments(db: Db, limit: number, protection: EventProtection): (SegmentRow & { protectedByEvent: boolean })[] {
  const rows = db
    .prepare(
      `SELECT ${columns.split(', ').map((c) => `s.${c}`).join(', ')}, ${protectedByEventSql} AS protected
       FROM segments s WHERE s.deleting = 0 ORDER BY protected, s.start_ms, s.id LIMIT ?`,
    )
    .all(protection.eventCutoffMs, protection.labelledCutoffMs, limit) as (SegmentDbRow & { protected: number })[];
  return rows.map((r) => ({ ...toRow(r), protectedByEvent: r.protected === 1 }));
}

/** Segments of one camera that ended before `cutoffMs` and are not protected by an event (see EventProtection). */
export function expiredSegments(db: Db, cameraId: string, cutoffMs: number, protection: EventProtection, limit: number): SegmentRow[] {
  return (
    db
      .prepare(
        `SELECT ${columns.split(', ').map((c) => `s.${c}`).join(', ')} FROM segments s
         WHERE s.camera_id = ? AND s.deleting = 0 AND s.end_ms < ? AND NOT ${protectedByEventSql}
         ORDER BY s.start_ms LIMIT ?`,
      )
      .all(cameraId, cutoffMs, protection.eventCutoffMs, protection.labelledCutoffMs, limit) as SegmentDbRow[]
  ).map(toRow);
}

export function segmentCameraIds(db: Db): string[] {
  return (db.prepare('SELECT DISTINCT camera_id FROM segments').all() as { camera_id: string }[]).map((r) => r.camera_id);
}
