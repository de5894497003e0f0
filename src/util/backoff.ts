/**
 * Reconnect delays: exponential with FULL jitter (uniform in 0..min(cap, base·2^n)), so a
 * power cut that drops every camera at once does not bring them back in lockstep
 * (docs/DESIGN.md, "Herd-safe"). Reset once a run has been healthy for `healthyMs`.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  healthyMs: number;
  /** Wrong password: retry, but slowly (cameras lock accounts that hammer them). */
  authRetryMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, capMs: 15_000, healthyMs: 60_000, authRetryMs: 60_000 };

export class Backoff {
  private attempt = 0;

  constructor(private readonly policy: BackoffPolicy, private readonly random: () => number = Math.random) {}

  /** Records a run that ended after `ranMs`, and returns the delay before the next one. */
  next(ranMs: number): number {
    if (ranMs >= this.policy.healthyMs) this.attempt = 0;
    const ceiling = Math.min(this.policy.capMs, this.policy.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.round(this.random() * ceiling);
  }

  /** Slow retry for states a restart will not fix soon (auth): half to one and a half times authRetryMs. */
  slow(): number {
    return Math.round(this.policy.authRetryMs * (0.5 + this.random()));
  }

  /** The longest `next()` can return: what tests and the UI treat as "resumes within". */
  bound(): number {
    return this.policy.capMs;
  }
}
