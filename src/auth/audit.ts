/**
 * The audit log (table `audit_log`, migration 003): logins, media access per user and
 * camera, and account changes, readable by admins and pruned by age. Write-only from
 * the request path; nothing here is ever read to decide access.
 */
import type { Db } from '../db/sqlite.ts';

export type AuditAction =
  | 'setup'
  | 'login'
  | 'login_failed'
  | 'login_throttled'
  | 'logout'
  | 'password_changed'
  | 'live'
  | 'recordings'
  | 'export'
  | 'user_added'
  | 'user_deleted'
  | 'grant_set'
  | 'grant_revoked'
  // Written by cameras/relocate.ts: a camera followed to a new address (no user).
  | 'camera_relocated';

export type AuditOutcome = 'ok' | 'denied' | 'failed';

export interface AuditEntry {
  atMs: number;
  userId: number | null;
  username: string | null;
  action: AuditAction;
  cameraId: string | null;
  outcome: AuditOutcome;
  address: string | null;
  detail: string | null;
}

export interface AuditRecord extends AuditEntry {
  id: number;
}

/** Default retention of audit rows: long enough to answer "who watched last month". */
export const auditRetentionMs = 180 * 24 * 3600_000;

export function recordAudit(db: Db, entry: AuditEntry): void {
  db.prepare(
    `INSERT INTO audit_log (at_ms, user_id, username, action, camera_id, outcome, address, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(entry.atMs, entry.userId, entry.username, entry.action, entry.cameraId, entry.outcome, entry.address, entry.detail);
}

export interface AuditQuery {
  username: string | null;
  cameraId: string | null;
  fromMs: number;
  toMs: number;
  limit: number;
}

/** Newest first. */
export function queryAudit(db: Db, query: AuditQuery): AuditRecord[] {
  return db
    .prepare(
      `SELECT id, at_ms AS atMs, user_id AS userId, username, action, camera_id AS cameraId,
              outcome, address, detail
         FROM audit_log
        WHERE at_ms >= @fromMs AND at_ms < @toMs
          AND (@username IS NULL OR username = @username COLLATE NOCASE)
          AND (@cameraId IS NULL OR camera_id = @cameraId)
        ORDER BY at_ms DESC, id DESC
        LIMIT @limit`,
    )
    .all(query) as AuditRecord[];
}

/** A row cap on top of the age limit: the oldest go first (about 100 MB of SQLite at most). */
export const maxAuditRows = 500_000;

export function pruneAudit(db: Db, nowMs: number, retentionMs: number = auditRetentionMs, maxRows: number = maxAuditRows): number {
  const byAge = db.prepare('DELETE FROM audit_log WHERE at_ms < ?').run(nowMs - retentionMs).changes;
  const newestKept = db.prepare('SELECT id FROM audit_log ORDER BY id DESC LIMIT 1 OFFSET ?').get(maxRows - 1) as { id: number } | undefined;
  const byCount = newestKept ? db.prepare('DELETE FROM audit_log WHERE id < ?').run(newestKept.id).changes : 0;
  return byAge + byCount;
}

/**
 * Refused unauthenticated attempts cost the sender nothing, so they must not cost a row
 * each: one row per (action, address) per window counts them ("refused 37 attempt(s)"),
 * and past `maxRowsPerWindow` such rows in a window from all addresses together, the rest
 * are counted on a single row with address "(many)".
 */
export function recordRefusal(db: Db, entry: AuditEntry, windowMs: number, maxRowsPerWindow = 100): void {
  const since = entry.atMs - windowMs;
  const find = db.prepare(
    `SELECT id, detail FROM audit_log WHERE action = ? AND address = ? AND user_id IS NULL AND at_ms > ? ORDER BY id DESC LIMIT 1`,
  );
  let row = find.get(entry.action, entry.address, since) as { id: number; detail: string | null } | undefined;
  let address = entry.address;
  if (!row) {
    const rows = (db.prepare('SELECT count(*) AS n FROM audit_log WHERE action = ? AND user_id IS NULL AND at_ms > ?').get(entry.action, since) as { n: number }).n;
    if (rows >= maxRowsPerWindow) {
      address = '(many)';
      row = find.get(entry.action, address, since) as typeof row;
    }
  }
  if (row) {
    const count = Number(/^refused (\d+) attempt/.exec(row.detail ?? '')?.[1] ?? 1) + 1;
    db.prepare('UPDATE audit_log SET detail = ?, username = ? WHERE id = ?').run(`refused ${count} attempt(s); last name tried shown`, entry.username, row.id);
    return;
  }
  recordAudit(db, { ...entry, userId: null, address, detail: 'refused 1 attempt(s); last name tried shown' });
}
