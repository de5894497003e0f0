/**
 * The line every camera-data route starts with: ask the gate, audit the answer, and turn
 * "no" into the same 404 a nonexistent camera gets (so ids cannot be probed).
 */
import type { Request, Response } from 'express';
import type { Db } from '../db/sqlite.ts';
import { may } from '../auth/gate.ts';
import { recordAudit } from '../auth/audit.ts';
import type { GrantScope } from '../auth/userRows.ts';
import { notFound } from './errors.ts';
import { currentUser } from './session.ts';

export interface AccessContext {
  db: Db;
  now(): number;
}

/** Throws 404 unless the user may see `cameraId` with `need`; audits either way. */
export function requireCamera(ctx: AccessContext, req: Request, res: Response, cameraId: string | null, need: GrantScope, what = 'camera'): void {
  const user = currentUser(res);
  // null: an event/segment id that resolved to no row; audited as a denied probe.
  const allowed = cameraId !== null && may(ctx.db, user.userId, cameraId, need);
  recordAudit(ctx.db, {
    atMs: ctx.now(),
    userId: user.userId,
    username: user.username,
    action: need,
    cameraId,
    outcome: allowed ? 'ok' : 'denied',
    address: clientAddress(req),
    detail: `${req.method} ${req.originalUrl.slice(0, 200)}`,
  });
  if (!allowed) throw notFound(`no ${what} here: it does not exist or you may not see it`);
}

export function clientAddress(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** Media and per-user data must not be kept by browsers or proxies (docs/DESIGN.md, "Private responses"). */
export function privateNoStore(res: Response): void {
  res.setHeader('Cache-Control', 'private, no-store');
}
