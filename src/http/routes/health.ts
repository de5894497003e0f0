/** `GET /api/health`: liveness for scripts and the systemd watchdog. No login, no camera data. */
import { Router } from 'express';

export interface HealthSource {
  startedAtMs: number;
  version: string;
  /** Counts only: the health route must not reveal which cameras exist. */
  cameraCounts(): { total: number; recording: number };
}

export function healthRoutes(source: HealthSource): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      ok: true,
      version: source.version,
      uptimeMs: Date.now() - source.startedAtMs,
      cameras: source.cameraCounts(),
    });
  });
  return router;
}
