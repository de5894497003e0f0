/**
 * Caps open live streams (live.mp4 and live.ts together). Each one may hold megabytes of
 * video queued for a viewer that stopped reading until it is dropped as slow; a page
 * or script opening streams it never reads must not take the box's memory with it.
 * A household's grid of 16 cameras in two or three tabs stays far below the per-user cap.
 */
import { HttpError } from './errors.ts';

export interface LiveViewerLimitOptions {
  perUser: number;
  total: number;
}

export const defaultLiveViewerLimits: LiveViewerLimitOptions = { perUser: 48, total: 256 };

export class LiveViewerLimit {
  private readonly byUser = new Map<number, number>();
  private total = 0;

  constructor(private readonly limits: LiveViewerLimitOptions = defaultLiveViewerLimits) {}

  /** Takes a slot or throws 429/503 naming the limit; the returned release is safe to call twice. */
  open(userId: number): () => void {
    const mine = this.byUser.get(userId) ?? 0;
    if (mine >= this.limits.perUser) {
      throw new HttpError(429, 'too_many_live_views', `this account already has ${mine} live views open (the limit is ${this.limits.perUser}); close other tabs or windows showing live video`, { 'Retry-After': '5' });
    }
    if (this.total >= this.limits.total) {
      throw new HttpError(503, 'live_views_full', `Hearth is serving ${this.total} live views, its limit; close some and try again`, { 'Retry-After': '5' });
    }
    this.byUser.set(userId, mine + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byUser.get(userId) ?? 1) - 1;
      if (left > 0) this.byUser.set(userId, left);
      else this.byUser.delete(userId);
    };
  }

  openCount(): number {
    return this.total;
  }
}
