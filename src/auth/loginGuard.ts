/**
 * One password (or setup code) evaluation under the throttle (loginThrottle.ts) and the
 * scrypt bounds (evaluationSlots.ts). Routes hand it the check; it answers whether the
 * attempt was evaluated and how it went.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/sqlite.ts';
import { beginAttempt, clearLoginFailures, forgetAttempt, type ThrottlePolicy } from './loginThrottle.ts';
import { EvaluationSlots } from './evaluationSlots.ts';

export type GuardedOutcome =
  | { outcome: 'ok' }
  | { outcome: 'failed' }
  /** busy: refused because too many evaluations already wait, not because of failures. */
  | { outcome: 'throttled'; retryAfterMs: number; busy: boolean };

/** scrypt runs on libuv's 4 threads: 2 per address and 2 per account leave room for everyone else. */
const perAddress = 2;
const perAccount = 2;
const maxWaitingPerKey = 32;

export class LoginGuard {
  private readonly addresses = new EvaluationSlots(perAddress, maxWaitingPerKey);
  private readonly accounts = new EvaluationSlots(perAccount, maxWaitingPerKey);

  constructor(
    private readonly db: Db,
    private readonly policy: ThrottlePolicy,
    private readonly now: () => number,
  ) {}

  async attempt(address: string, account: string, evaluate: () => Promise<boolean> | boolean): Promise<GuardedOutcome> {
    const verdict = beginAttempt(this.db, this.policy, address, account, this.now());
    if (!verdict.allowed) return { outcome: 'throttled', retryAfterMs: verdict.retryAfterMs, busy: false };
    // The account-wide slow-down: waits outside the slots, so a slowed account does not hold them.
    if (verdict.delayMs > 0) await sleep(verdict.delayMs);
    const releaseAddress = await this.addresses.acquire(address);
    const releaseAccount = releaseAddress ? await this.accounts.acquire(account.toLowerCase()) : null;
    if (!releaseAddress || !releaseAccount) {
      releaseAddress?.();
      forgetAttempt(this.db, verdict.rowId);
      return { outcome: 'throttled', retryAfterMs: 1_000, busy: true };
    }
    try {
      if (await evaluate()) {
        clearLoginFailures(this.db, address, account);
        return { outcome: 'ok' };
      }
      return { outcome: 'failed' };
    } finally {
      releaseAccount();
      releaseAddress();
    }
  }
}
