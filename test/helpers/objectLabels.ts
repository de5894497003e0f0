/**
 * Object labels for the web UI tests, written straight into a running Hearth's SQLite file
 * (WAL, so a second connection may write while Hearth reads): the UI is tested on the labels
 * it is shown, whatever a detector would have seen in the simulator's scene. Uses the
 * event_labels table and events.alert of migration 006.
 */
import path from 'node:path';
import { kindOf } from '../../src/objects/labels.ts';

/**
 * What is wrong with the server's answer for a UI test of labels, or null when nothing is: the
 * answer (events or coverage markers) lacks the `labels` field the events and coverage routes send.
 */
export function labelsMissing(what: string, items: readonly object[]): string | null {
  // Nothing to look at is left to the test, which then fails on what it expected to see.
  return items.length === 0 || items.some((i) => 'labels' in i) ? null : `the server sends no labels with ${what}`;
}

export interface SeededLabel {
  label: string;
  score: number;
}

async function withDb<T>(dataDir: string, use: (db: import('better-sqlite3').Database) => T): Promise<T> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path.join(dataDir, 'hearth.db'), { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return use(db);
  } finally {
    db.close();
  }
}

/** Gives an existing event these labels (best score kept, as the detector's upsert does) and its alert flag. */
export function seedEventLabels(dataDir: string, eventId: number, labels: readonly SeededLabel[], alert: boolean): Promise<void> {
  return withDb(dataDir, (db) => {
    const upsert = db.prepare(
      `INSERT INTO event_labels (event_id, label, kind, score, box, at_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (event_id, label) DO UPDATE SET score = max(score, excluded.score)`,
    );
    db.transaction(() => {
      for (const l of labels) upsert.run(eventId, l.label, kindOf(l.label), l.score, JSON.stringify({ x: 0.4, y: 0.3, w: 0.2, h: 0.5 }), Date.now());
      db.prepare('UPDATE events SET alert = ? WHERE id = ?').run(alert ? 1 : 0, eventId);
    })();
  });
}

/** A finished motion event of `cameraId` (no thumbnail); returns its id. */
export function seedEvent(dataDir: string, cameraId: string, startMs: number, endMs: number): Promise<number> {
  return withDb(dataDir, (db) => Number(db.prepare('INSERT INTO events (camera_id, start_ms, end_ms, score) VALUES (?, ?, ?, 0.05)').run(cameraId, startMs, endMs).lastInsertRowid));
}
