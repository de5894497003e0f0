/**
 * Keeps asking the gate while a live stream is open: every `liveRecheckMs` (≤ 1 s) and
 * at once on grant changes made through the API. A revoked grant, a logout or a password
 * change ends the stream mid-flight.
 */
import { may } from '../auth/gate.ts';
import { sessionStillValid } from '../auth/sessions.ts';
import type { RouteContext } from './context.ts';
import type { RequestUser } from './session.ts';
import type { GrantScope } from '../auth/userRows.ts';

/** `scope`: what the stream needs; exports watch `export` (L5: a revoke or logout cuts the download). */
export function watchLiveGrant(ctx: RouteContext, user: RequestUser, cameraId: string, onRevoked: () => void, scope: GrantScope = 'live'): () => void {
  let done = false;
  const recheck = (): void => {
    if (done) return;
    // No session behind the user (injected): nothing to re-validate, so the stream is not kept open on trust.
    const sessionValid = user.tokenHash !== undefined && sessionStillValid(ctx.db, user.tokenHash, ctx.now());
    if (!sessionValid || !may(ctx.db, user.userId, cameraId, scope)) {
      done = true;
      stop();
      onRevoked();
    }
  };
  const timer = setInterval(recheck, ctx.liveRecheckMs);
  const forget = ctx.liveStreams.add(recheck);
  const stop = (): void => {
    done = true;
    clearInterval(timer);
    forget();
  };
  return stop;
}
