/**
 * Login rate limiting (table `login_failures`, migration 002). Three keys:
 *  - the source address, and the (address, account) pair: after `maxFailures` wrong
 *    answers within `windowMs` further attempts from there are refused (429) until the
 *    window has passed, even with the right password, or a guesser would learn it by the
 *    status code;
 *  - the account, from any address: never locked (anyone on the LAN could then lock the
 *    only admin out), only slowed down: past `maxFailures` each evaluation waits a delay
 *    that doubles with every further `maxFailures` failures, up to `maxAccountDelayMs`.
 * The attempt is counted in the same synchronous step as the check (`beginAttempt` inserts
 * a failure row at once, and a success deletes it again): parallel guesses cannot all
 * pass the check before the first one's scrypt finishes.
 * Stored in SQLite so restarting Hearth does not reset an attacker's budget.
 */
import type { Db } from '../db/sqlite.ts';

export interface ThrottlePolicy {
  maxFailures: number;
  windowMs: number;
  /** The account-wide slow-down's first step; default 1 s. */
  accountDelayMs?: number;
  /** Its ceiling; default 8 s. */
  maxAccountDelayMs?: number;
}

export const defaultThrottlePolicy: ThrottlePolicy = { maxFailures: 10, windowMs: 60_000, accountDelayMs: 1_000, maxAccountDelayMs: 8_000 };

export type AttemptVerdict =
  | { allowed: true; rowId: number; delayMs: number }
  /** retryAfterMs: how long until the oldest counted failure leaves the window. */
  | { allowed: false; retryAfterMs: number };

/** Checks and counts one attempt, synchronously (better-sqlite3 cannot interleave requests). */
export function beginAttempt(db: Db, policy: ThrottlePolicy, address: string, username: string, nowMs: number): AttemptVerdict {
  const since = nowMs - policy.windowMs;
  const name = username.toLowerCase();
  // The window slides: an attempt is allowed again once the max-th newest failure ages out.
  let reopensAtMs = 0;
  const byAddress = limitingFailureMs(db, 'address = ?', [address], since, policy.maxFailures);
  const byPair = limitingFailureMs(db, 'address = ? AND username = ?', [address, name], since, policy.maxFailures);
  for (const limiting of [byAddress, byPair]) if (limiting !== null) reopensAtMs = Math.max(reopensAtMs, limiting + policy.windowMs);
  if (reopensAtMs !== 0) return { allowed: false, retryAfterMs: Math.max(1, reopensAtMs - nowMs) };
  const onAccount = (db.prepare('SELECT count(*) AS n FROM login_failures WHERE username = ? AND at_ms > ?').get(name, since) as { n: number }).n;
  const rowId = Number(db.prepare('INSERT INTO login_failures (at_ms, address, username) VALUES (?, ?, ?)').run(nowMs, address, name).lastInsertRowid);
  db.prepare('DELETE FROM login_failures WHERE at_ms <= ?').run(since);
  return { allowed: true, rowId, delayMs: accountDelayMs(policy, onAccount) };
}

/** 0 below the limit; then base, 2×base, 4×base … per further `maxFailures` failures, capped. */
export function accountDelayMs(policy: ThrottlePolicy, failuresOnAccount: number): number {
  if (failuresOnAccount < policy.maxFailures) return 0;
  const base = policy.accountDelayMs ?? 1_000;
  const cap = policy.maxAccountDelayMs ?? 8_000;
  const doublings = Math.min(20, Math.floor((failuresOnAccount - policy.maxFailures) / policy.maxFailures));
  return Math.min(cap, base * 2 ** doublings);
}

/** Time of the max-th newest failure in the window, or null when there are fewer than max. */
function limitingFailureMs(db: Db, where: string, values: string[], sinceMs: number, maxFailures: number): number | null {
  const row = db
    .prepare(`SELECT at_ms AS atMs FROM login_failures WHERE ${where} AND at_ms > ? ORDER BY at_ms DESC LIMIT 1 OFFSET ?`)
    .get(...values, sinceMs, maxFailures - 1) as { atMs: number } | undefined;
  return row?.atMs ?? null;
}

/**
 * A successful login forgives that account's failures from that address (the attempt's
 * own row included), except the rows of attempts still being evaluated (`pending`).
 */
export function clearLoginFailures(db: Db, address: string, username: string, pending: ReadonlySet<number> = new Set()): void {
  const rows = db.prepare('SELECT id FROM login_failures WHERE address = ? AND username = ?').all(address, username.toLowerCase()) as { id: number }[];
  const remove = db.prepare('DELETE FROM login_failures WHERE id = ?');
  for (const row of rows) if (!pending.has(row.id)) remove.run(row.id);
}

/** An attempt that was counted but never evaluated (e.g. the queue was full) is taken back. */
export function forgetAttempt(db: Db, rowId: number): void {
  db.prepare('DELETE FROM login_failures WHERE id = ?').run(rowId);
}
