/**
 * Login sessions in SQLite (table `sessions`, migration 001). The browser holds a random
 * 256-bit token; the database holds only its SHA-256, so a copied database logs nobody in.
 * A session is looked up on every request: deleting its row ends it at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/sqlite.ts';
import type { Role } from './userRows.ts';

/** A session lasts at most this long after login, however active. */
export const sessionLifetimeMs = 30 * 24 * 3600_000;
/** ... and ends after this long without a request. */
export const sessionIdleMs = 7 * 24 * 3600_000;
/** `last_seen_ms` is written at most this often, so reads do not each cost a write. */
const lastSeenResolutionMs = 60_000;

export interface SessionUser {
  userId: number;
  username: string;
  role: Role;
  tokenHash: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a session and returns its token (the only time the token exists outside the browser). */
export function createSession(db: Db, userId: number, address: string, nowMs: number): string {
  const token = randomBytes(32).toString('base64url');
  db.prepare(
    `INSERT INTO sessions (token_hash, user_id, created_at_ms, expires_at_ms, last_seen_ms, address)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(hashToken(token), userId, nowMs, nowMs + sessionLifetimeMs, nowMs, address);
  return token;
}

/** The user behind a token, or null when it is unknown, expired or idle too long. */
export function findSession(db: Db, token: string, nowMs: number): SessionUser | null {
  const tokenHash = hashToken(token);
  const row = db
    .prepare(
      `SELECT s.user_id AS userId, u.username AS username, u.role AS role,
              s.expires_at_ms AS expiresAtMs, s.last_seen_ms AS lastSeenMs
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = ?`,
    )
    .get(tokenHash) as { userId: number; username: string; role: Role; expiresAtMs: number; lastSeenMs: number } | undefined;
  if (!row) return null;
  if (nowMs >= row.expiresAtMs || nowMs - row.lastSeenMs >= sessionIdleMs) {
    deleteSession(db, tokenHash);
    return null;
  }
  if (nowMs - row.lastSeenMs >= lastSeenResolutionMs) {
    db.prepare('UPDATE sessions SET last_seen_ms = ? WHERE token_hash = ?').run(nowMs, tokenHash);
  }
  return { userId: row.userId, username: row.username, role: row.role, tokenHash };
}

export function deleteSession(db: Db, tokenHash: string): void {
  db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash);
}

/** Ends every session of a user (password change, account removal). Returns how many ended. */
export function deleteUserSessions(db: Db, userId: number): number {
  return db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId).changes;
}

export function pruneSessions(db: Db, nowMs: number): number {
  return db
    .prepare('DELETE FROM sessions WHERE expires_at_ms <= ? OR last_seen_ms <= ?')
    .run(nowMs, nowMs - sessionIdleMs).changes;
}

/** True while the session is still valid: long-lived responses (live video) re-check it. */
export function sessionStillValid(db: Db, tokenHash: string, nowMs: number): boolean {
  const row = db.prepare('SELECT expires_at_ms AS expiresAtMs, last_seen_ms AS lastSeenMs FROM sessions WHERE token_hash = ?').get(tokenHash) as
    | { expiresAtMs: number; lastSeenMs: number }
    | undefined;
  return row !== undefined && nowMs < row.expiresAtMs && nowMs - row.lastSeenMs < sessionIdleMs;
}
