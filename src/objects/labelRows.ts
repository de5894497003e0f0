/**
 * All the SQL of object labels on events (table `event_labels` and `events.alert`, migration 006):
 * the motion worker's writes as the detector finds things, and the server's batched reads.
 * A label row holds the best sighting of that label in the event; a worse one changes nothing.
 */
import type { Db } from '../db/sqlite.ts';
import type { FrameRect } from '../wire/settings.ts';
import { isObjectKind, type ObjectKind } from './labels.ts';
import type { EventLabel } from './eventLabeller.ts';

export type { EventLabel } from './eventLabeller.ts';

interface RawLabelRow {
  event_id: number;
  label: string;
  kind: string | null;
  score: number;
  box: string;
  at_ms: number;
}

/** Keeps the best score per (event, label); returns true when the row was inserted or improved. */
export function upsertEventLabel(db: Db, eventId: number, label: EventLabel): boolean {
  const result = db
    .prepare(
      `INSERT INTO event_labels (event_id, label, kind, score, box, at_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (event_id, label) DO UPDATE SET score = excluded.score, box = excluded.box, at_ms = excluded.at_ms
        WHERE excluded.score > event_labels.score`,
    )
    .run(eventId, label.label, label.kind, label.score, JSON.stringify(label.box), Math.round(label.atMs));
  return result.changes > 0;
}

export function setEventAlert(db: Db, eventId: number, alert: boolean): void {
  db.prepare('UPDATE events SET alert = ? WHERE id = ?').run(alert ? 1 : 0, eventId);
}

/** Ids per read: far under SQLite's bound on variables, and a page of events is one read. */
const idsPerRead = 500;

/** The labels of each event that has any, best score first; one read per 500 ids, never one per event. */
export function labelsOfEvents(db: Db, eventIds: readonly number[]): Map<number, EventLabel[]> {
  const result = new Map<number, EventLabel[]>();
  const unique = [...new Set(eventIds)];
  for (let at = 0; at < unique.length; at += idsPerRead) {
    const ids = unique.slice(at, at + idsPerRead);
    const rows = db
      .prepare(
        `SELECT event_id, label, kind, score, box, at_ms FROM event_labels
          WHERE event_id IN (${ids.map(() => '?').join(', ')}) ORDER BY event_id, score DESC, label`,
      )
      .all(...ids) as RawLabelRow[];
    for (const row of rows) {
      const list = result.get(row.event_id) ?? [];
      list.push(toEventLabel(row));
      result.set(row.event_id, list);
    }
  }
  return result;
}

function toEventLabel(row: RawLabelRow): EventLabel {
  const kind: ObjectKind | null = row.kind !== null && isObjectKind(row.kind) ? row.kind : null;
  return { label: row.label, kind, score: row.score, box: JSON.parse(row.box) as FrameRect, atMs: row.at_ms };
}
