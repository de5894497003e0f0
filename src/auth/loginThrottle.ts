/**
 * Login rate limiting per source address and per account name (table `login_failures`,
 * migration 003). After `maxFailures` wrong passwords within `windowMs` from one address,
 * or against one account, further attempts are refused (429) until the window has passed,
 * even with the right password: otherwise a guesser would learn it by the status code.
 * Stored in SQLite so restarting Hearth does not reset an attacker's budget.
 */
import type { Db } from '../db/sqlite.ts';

export interface ThrottlePolicy {
  maxFailures: number;
  windowMs: number;
}

export const defaultThrottlePolicy: ThrottlePolicy = { maxFailures: 10, windowMs: 60_000 };

export interface ThrottleVerdict {
  allowed: boolean;
  /** When refused: how long until the oldest counted failure leaves the window. */
  retryAfterMs: number;
}

export function checkLogin(db: Db, policy: ThrottlePolicy, address: string, username: string, nowMs: number): ThrottleVerdict {
  const since = nowMs - policy.windowMs;
  const name = username.toLowerCase();
  // The window slides: an attempt is allowed again once the max-th newest failure ages out.
  let reopensAtMs = 0;
  for (const column of ['address', 'username'] as const) {
    const limiting = limitingFailureMs(db, column, column === 'address' ? address : name, since, policy.maxFailures);
    if (limiting !== null) reopensAtMs = Math.max(reopensAtMs, limiting + policy.windowMs);
  }
  return reopensAtMs === 0 ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: Math.max(1, reopensAtMs - nowMs) };
}

/** Time of the max-th newest failure in the window, or null when there are fewer than max. */
function limitingFailureMs(db: Db, column: 'address' | 'username', value: string, sinceMs: number, maxFailures: number): number | null {
  const row = db
    .prepare(`SELECT at_ms AS atMs FROM login_failures WHERE ${column} = ? AND at_ms > ? ORDER BY at_ms DESC LIMIT 1 OFFSET ?`)
    .get(value, sinceMs, maxFailures - 1) as { atMs: number } | undefined;
  return row?.atMs ?? null;
}

export function recordLoginFailure(db: Db, policy: ThrottlePolicy, address: string, username: string, nowMs: number): void {
  db.prepare('INSERT INTO login_failures (at_ms, address, username) VALUES (?, ?, ?)').run(nowMs, address, username.toLowerCase());
  db.prepare('DELETE FROM login_failures WHERE at_ms <= ?').run(nowMs - policy.windowMs);
}

/** A successful login forgives that account's failures from that address. */
export function clearLoginFailures(db: Db, address: string, username: string): void {
  db.prepare('DELETE FROM login_failures WHERE address = ? AND username = ?').run(address, username.toLowerCase());
}
