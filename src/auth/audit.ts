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
  // Written by discovery/relocate.ts: a camera followed to a new address (no user).
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

export function pruneAudit(db: Db, nowMs: number, retentionMs: number = auditRetentionMs): number {
  return db.prepare('DELETE FROM audit_log WHERE at_ms < ?').run(nowMs - retentionMs).changes;
}
