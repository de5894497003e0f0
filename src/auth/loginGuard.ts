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
/** A waiter re-checks once per attempt of its address that ends; this bounds the rounds. */
const maxRechecks = 256;

interface Pending {
  ids: Set<number>;
  waiters: Array<() => void>;
}

export class LoginGuard {
  private readonly addresses = new EvaluationSlots(perAddress, maxWaitingPerKey);
  private readonly accounts = new EvaluationSlots(perAccount, maxWaitingPerKey);
  /** Attempts counted but not yet decided, per address: their rows are failures until proven otherwise. */
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly db: Db,
    private readonly policy: ThrottlePolicy,
    private readonly now: () => number,
  ) {}

  async attempt(address: string, account: string, evaluate: () => Promise<boolean> | boolean): Promise<GuardedOutcome> {
    let verdict = beginAttempt(this.db, this.policy, address, account, this.now());
    // Over the limit only because of attempts still being decided (parallel logins from one
    // machine): wait for them, since a success gives its budget back; refuse once none is left.
    for (let round = 0; !verdict.allowed; round += 1) {
      const inFlight = this.pending.get(address);
      if (!inFlight || inFlight.ids.size === 0 || round >= maxRechecks) {
        if (inFlight && inFlight.ids.size === 0 && inFlight.waiters.length === 0) this.pending.delete(address);
        return { outcome: 'throttled', retryAfterMs: verdict.retryAfterMs, busy: false };
      }
      if (inFlight.waiters.length >= maxWaitingPerKey) return { outcome: 'throttled', retryAfterMs: 1_000, busy: true };
      await new Promise<void>((resolve) => inFlight.waiters.push(resolve));
      verdict = beginAttempt(this.db, this.policy, address, account, this.now());
    }
    const rowId = verdict.rowId;
    const mine = this.pending.get(address) ?? { ids: new Set<number>(), waiters: [] };
    this.pending.set(address, mine);
    mine.ids.add(rowId);
    try {
      return await this.evaluateCounted(address, account, verdict.delayMs, rowId, evaluate, mine.ids);
    } finally {
      mine.ids.delete(rowId);
      const waiters = mine.waiters.splice(0);
      if (mine.ids.size === 0 && waiters.length === 0) this.pending.delete(address);
      for (const wake of waiters) wake();
    }
  }

  private async evaluateCounted(
    address: string,
    account: string,
    delayMs: number,
    rowId: number,
    evaluate: () => Promise<boolean> | boolean,
    pending: ReadonlySet<number>,
  ): Promise<GuardedOutcome> {
    // The account-wide slow-down: waits outside the slots, so a slowed account does not hold them.
    if (delayMs > 0) await sleep(delayMs);
    const releaseAddress = await this.addresses.acquire(address);
    const releaseAccount = releaseAddress ? await this.accounts.acquire(account.toLowerCase()) : null;
    if (!releaseAddress || !releaseAccount) {
      releaseAddress?.();
      forgetAttempt(this.db, rowId);
      return { outcome: 'throttled', retryAfterMs: 1_000, busy: true };
    }
    try {
      if (await evaluate()) {
        clearLoginFailures(this.db, address, account, new Set([...pending].filter((id) => id !== rowId)));
        return { outcome: 'ok' };
      }
      return { outcome: 'failed' };
    } finally {
      releaseAccount();
      releaseAddress();
    }
  }
}
