/**
 * `GET /metrics` (docs/INTERFACE.md, "HTTP API"): Prometheus text for an admin's session, or for a scraper
 * on the box itself (loopback source address). Everyone else gets 404, so the route
 * does not advertise per-camera data to LAN guests.
 */
import { Router, type Request } from 'express';
import type { Db } from '../../db/sqlite.ts';
import { findSession } from '../../auth/sessions.ts';
import { sessionToken } from '../session.ts';
import { collectMetrics, type MetricsSource } from '../../metrics/collect.ts';
import { contentType, formatExposition } from '../../metrics/exposition.ts';
import { isLoopbackAddress } from '../proxyGuard.ts';

export interface MetricsRouteDeps {
  db: Db;
  source: MetricsSource;
  now?: () => number;
}

export function metricsRoutes(deps: MetricsRouteDeps): Router {
  const now = deps.now ?? Date.now;
  const router = Router();
  router.get('/metrics', (req, res) => {
    if (!isLoopback(req) && !isAdmin(deps.db, req, now())) {
      res.status(404).json({ error: 'not_found', message: '/metrics answers an admin session or a scraper on the same machine' });
      return;
    }
    const body = formatExposition(collectMetrics(deps.source));
    res.setHeader('Cache-Control', 'private, no-store');
    res.type(contentType).send(body);
  });
  return router;
}

/** The socket's address, never X-Forwarded-For: a header anyone on the LAN can write. */
function isLoopback(req: Request): boolean {
  return isLoopbackAddress(req.socket.remoteAddress ?? '');
}

/** Read from the database at request time, whether or not session middleware ran first. */
function isAdmin(db: Db, req: Request, nowMs: number): boolean {
  const token = sessionToken(req);
  return token !== null && findSession(db, token, nowMs)?.role === 'admin';
}
