/**
 * The express application: middleware order is the security model, so it is written
 * out here in one place. Routes per domain plug in below the gate.
 */
import express, { type Express } from 'express';
import type { Db } from '../db/sqlite.ts';
import type { HearthConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { lanOnly } from './lanOnly.ts';
import { healthRoutes, type HealthSource } from './routes/health.ts';

export interface AppDeps {
  db: Db;
  config: HearthConfig;
  log: Logger;
  health: HealthSource;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(lanOnly(deps.config.http.allowNonLan));
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    next();
  });
  app.use('/api', healthRoutes(deps.health));
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such API route; see INTERFACE.md for the routes' });
  });
  return app;
}
