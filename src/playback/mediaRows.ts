/**
 * Read-only SQL the LAN server uses to find recorded segments by id or time range (events:
 * src/motion/eventRows.ts). The rows carry their camera, so every id is resolved to a
 * camera before the gate. Rows being deleted (`deleting = 1`) are never served.
 */
import type { Db } from '../db/sqlite.ts';
import type { SegmentRow, SegmentStream } from '../recording/segmentRows.ts';

/** A segment row as served: rows being deleted never reach here, so no `deleting` flag. */
export type MediaSegment = Omit<SegmentRow, 'deleting'>;

const segmentColumns = 'id, camera_id AS cameraId, start_ms AS startMs, end_ms AS endMs, bytes, path, stream';

export function segmentById(db: Db, id: number): MediaSegment | null {
  return (db.prepare(`SELECT ${segmentColumns} FROM segments WHERE id = ? AND deleting = 0`).get(id) as MediaSegment | undefined) ?? null;
}

/**
 * Segments of one stream (the main one unless asked: export, HLS and the timeline list it)
 * overlapping [fromMs, toMs), oldest first. A segment lasts well under an hour, so starting
 * the index scan an hour early finds the one that straddles `fromMs`.
 */
export function segmentsOverlapping(db: Db, cameraId: string, fromMs: number, toMs: number, limit: number, stream: SegmentStream = 'main'): MediaSegment[] {
  return db
    .prepare(
      `SELECT ${segmentColumns} FROM segments
        WHERE camera_id = ? AND stream = ? AND start_ms >= ? AND start_ms < ? AND end_ms > ? AND deleting = 0
        ORDER BY start_ms, id LIMIT ?`,
    )
    .all(cameraId, stream, fromMs - 3_600_000, toMs, fromMs, limit) as MediaSegment[];
}

/** The camera's newest main-stream segments, newest first (the snapshot's source). */
export function newestSegments(db: Db, cameraId: string, limit: number): MediaSegment[] {
  return db
    .prepare(`SELECT ${segmentColumns} FROM segments WHERE camera_id = ? AND stream = 'main' AND deleting = 0 ORDER BY start_ms DESC LIMIT ?`)
    .all(cameraId, limit) as MediaSegment[];
}
