/**
 * The one authorization gate (docs/DESIGN.md, "One gate"). Every route that returns camera
 * data or media asks `may()` at the moment it serves, and nothing else decides.
 *
 * It reads SQLite every time, on purpose: a cached user↔camera answer is how the
 * vendor in docs/DESIGN.md, "Why it exists" showed strangers each other's homes. There is
 * deliberately no memo, map or LRU anywhere on this path.
 */
import type { Db } from '../db/sqlite.ts';
import type { GrantScope } from './userRows.ts';

/** Scopes nest: live ⊂ recordings ⊂ export. */
const scopeRank: Record<GrantScope, number> = { live: 1, recordings: 2, export: 3 };
const adminRank = 3;

/**
 * True when `userId` may see `cameraId` with at least `need`. False for a camera that
 * does not exist, so callers answer both with the same 404.
 */
export function may(db: Db, userId: number, cameraId: string, need: GrantScope): boolean {
  const row = db
    .prepare(
      `SELECT u.role AS role, g.scope AS scope
         FROM users u
         JOIN cameras c ON c.id = ?
         LEFT JOIN grants g ON g.user_id = u.id AND g.camera_id = c.id
        WHERE u.id = ?`,
    )
    .get(cameraId, userId) as { role: 'admin' | 'viewer'; scope: GrantScope | null } | undefined;
  if (!row) return false;
  const rank = row.role === 'admin' ? adminRank : row.scope ? scopeRank[row.scope] : 0;
  return rank >= scopeRank[need];
}

/** The cameras a user may see with `need`, in id order: every id still passes through `may()`. */
export function visibleCameraIds(db: Db, userId: number, need: GrantScope): string[] {
  const ids = (db.prepare('SELECT id FROM cameras ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  return ids.filter((id) => may(db, userId, id, need));
}
