/**
 * The SQL of learned nuisance regions: what each camera's motion worker has learned
 * (written when it changes, read back as the next run's starting point) and the
 * suggestions an admin dropped. A small JSON document per camera in the `settings`
 * table (keys `motion.learned:<camera>` and `motion.dropped:<camera>`): no migration,
 * and nothing else reads them.
 */
import type { Db } from '../db/connection.ts';
import type { Rect } from './watchArea.ts';

export interface LearnedRegions {
  regions: Rect[];
  /** When the learner last changed them. */
  updatedAtMs: number;
}

const learnedKey = (cameraId: string): string => `motion.learned:${cameraId}`;
const droppedKey = (cameraId: string): string => `motion.dropped:${cameraId}`;

/** At most this many dropped suggestions are remembered per camera (the oldest go first). */
const maxDropped = 32;

export function saveLearnedRegions(db: Db, cameraId: string, regions: readonly Rect[], nowMs: number): void {
  const value = JSON.stringify({ regions, updatedAtMs: Math.round(nowMs) });
  db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run(learnedKey(cameraId), value);
}

export function getLearnedRegions(db: Db, cameraId: string): LearnedRegions | null {
  const parsed = readJson(db, learnedKey(cameraId));
  if (!parsed || typeof parsed !== 'object') return null;
  const { regions, updatedAtMs } = parsed as { regions?: unknown; updatedAtMs?: unknown };
  if (typeof updatedAtMs !== 'number') return null;
  return { regions: rects(regions), updatedAtMs };
}

export function getDroppedRegions(db: Db, cameraId: string): Rect[] {
  return rects(readJson(db, droppedKey(cameraId)));
}

export function dropRegion(db: Db, cameraId: string, region: Rect): Rect[] {
  const dropped = [...getDroppedRegions(db, cameraId), region].slice(-maxDropped);
  db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run(droppedKey(cameraId), JSON.stringify(dropped));
  return dropped;
}

function readJson(db: Db, key: string): unknown {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  if (!row) return null;
  try {
    return JSON.parse(row.value) as unknown;
  } catch {
    // A hand-edited or truncated value: start over rather than fail the camera.
    return null;
  }
}

function rects(value: unknown): Rect[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (r): r is Rect =>
      typeof r === 'object' && r !== null && ['x', 'y', 'w', 'h'].every((k) => typeof (r as Record<string, unknown>)[k] === 'number'),
  );
}
