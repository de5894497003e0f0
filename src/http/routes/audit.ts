/**
 * The audit log for admins:
 *   GET /api/audit?user=&camera=&from=&to=&limit=   -> [{id, at, user, action, camera, outcome, address, detail}]
 *       newest first; to default now, from default to-7d; range ≤ 366 days; limit 1..10000, default 500
 */
import { Router } from 'express';
import { queryAudit } from '../../auth/audit.ts';
import type { RouteContext } from '../context.ts';
import { limitParam, optionalCameraId, optionalRangeParams, usernameParam } from '../validate.ts';
import { requireAdmin } from '../session.ts';
import { privateNoStore } from '../access.ts';

export function auditRoutes(ctx: RouteContext): Router {
  const router = Router();
  router.get('/audit', requireAdmin, (req, res) => {
    const username = req.query.user === undefined || req.query.user === '' ? null : usernameParam(req.query.user, 'user');
    const cameraId = optionalCameraId(req.query.camera);
    const range = optionalRangeParams(req.query, ctx.now() + 1, 7 * 24 * 3_600_000, 366 * 24 * 3_600_000);
    const limit = limitParam(req.query.limit, 500, 10_000);
    const rows = queryAudit(ctx.db, { username, cameraId, fromMs: range.fromMs, toMs: range.toMs, limit });
    privateNoStore(res);
    res.json(
      rows.map((r) => ({ id: r.id, at: r.atMs, user: r.username, action: r.action, camera: r.cameraId, outcome: r.outcome, address: r.address, detail: r.detail })),
    );
  });
  return router;
}
