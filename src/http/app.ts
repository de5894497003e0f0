/**
 * The express application: middleware order is the security model, so it is written
 * out here in one place.
 *
 *   lanOnly → Host allow-list (DNS rebinding) → forwarded-by-proxy refusal → security headers → (/api) private no-store → session lookup → CSRF → JSON body
 *   → public routes (health, setup, login, logout) → requireUser → camera-data routes, each
 *   of which starts with the gate (src/auth/gate.ts) → JSON 404 → the web UI (web/dist)
 *   → JSON error handler.
 */
import express, { type Express } from 'express';
import type { Db } from '../db/sqlite.ts';
import type { HearthConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { lanOnly } from './lanOnly.ts';
import { hostGuard } from './hostAllowList.ts';
import { proxyGuard } from './proxyGuard.ts';
import { healthRoutes, type HealthSource } from './routes/health.ts';
import { authRoutes } from './routes/auth.ts';
import { cameraRoutes } from './routes/cameras.ts';
import { cameraSettingsRoutes } from './routes/cameraSettings.ts';
import { playbackRoutes } from './routes/playback.ts';
import { eventRoutes } from './routes/events.ts';
import { exportRoutes } from './routes/export.ts';
import { liveRoutes } from './routes/live.ts';
import { liveFallbackRoutes } from './routes/liveFallback.ts';
import { playbackH264Routes } from './routes/playbackH264.ts';
import { userRoutes } from './routes/users.ts';
import { systemRoutes } from './routes/system.ts';
import { auditRoutes } from './routes/audit.ts';
import { authenticate, requireUser } from './session.ts';
import { csrfGuard } from './csrf.ts';
import { errorHandler } from './errors.ts';
import { LiveStreams, type RouteContext } from './context.ts';
import { LiveViewerLimit, type LiveViewerLimitOptions } from './liveViewerLimit.ts';
import type { CameraStatusSource, LiveSource, SnapshotSource } from './sources.ts';
import type { ThrottlePolicy } from '../auth/loginThrottle.ts';
import type { SetupCode } from '../auth/setupCode.ts';
import type { H264Transcoder } from '../playback/h264Transcode.ts';
import type { Mpeg1Fanout } from '../live/mpeg1Fanout.ts';
import { LoginGuard } from '../auth/loginGuard.ts';
import { recordingRoot } from '../recording/layout.ts';
import { metricsRoutes } from './routes/metrics.ts';
import type { MetricsSource } from '../metrics/collect.ts';
import { discoveryRoutes } from './routes/discovery.ts';
import { webAppRoutes } from './webApp.ts';
import type { DiscoveryService } from '../discovery/discoveryService.ts';

/**
 * What the app serves with. The services (snapshots, the MPEG-1 fallback, H.264 copies,
 * the first-run setup code) are built by the composition root (src/composeApp.ts), so
 * building the app has no side effect.
 */
export interface AppDeps {
  db: Db;
  config: HearthConfig;
  log: Logger;
  health: HealthSource;
  metrics?: MetricsSource;
  /** null when discovery is off; the discovery routes then say so. */
  discovery?: DiscoveryService | null;
  /** Camera states from the supervisor. */
  status: CameraStatusSource;
  /** The recorder's live fan-out. */
  live: LiveSource;
  snapshot: SnapshotSource;
  /** The JSMpeg fallback of live view, fed from `live`. */
  liveFallback: Mpeg1Fanout;
  /** H.264 copies of recorded H.265 for browsers without HEVC. */
  h264Transcoder: H264Transcoder;
  /** The one-time first-run code; null once a user exists. */
  setup: SetupCode | null;
  ffmpegPath: string;
  throttle: ThrottlePolicy;
  liveRecheckMs?: number;
  /** Default: 48 live views per user, 256 in all. */
  liveViewerLimits?: LiveViewerLimitOptions;
  maxConcurrentExports?: number;
  auditRetentionMs: number;
  now: () => number;
  /** The built web UI; default web/dist beside the source. */
  webDir?: string;
}

export function createApp(deps: AppDeps): Express {
  const now = deps.now;
  const ctx: RouteContext = {
    db: deps.db,
    log: deps.log,
    now,
    dataDir: deps.config.dataDir,
    recordingRoot: recordingRoot(deps.config.dataDir),
    status: deps.status,
    live: deps.live,
    snapshot: deps.snapshot,
    ffmpegPath: deps.ffmpegPath,
    throttle: deps.throttle,
    loginGuard: new LoginGuard(deps.db, deps.throttle, now),
    liveRecheckMs: Math.min(1000, deps.liveRecheckMs ?? 1000),
    liveStreams: new LiveStreams(),
    liveViewers: new LiveViewerLimit(deps.liveViewerLimits),
    setup: deps.setup,
    maxConcurrentExports: deps.maxConcurrentExports ?? 2,
    auditRetentionMs: deps.auditRetentionMs,
  };

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag'); // private, no-store responses have nothing to revalidate
  app.set('trust proxy', false);
  app.set('query parser', 'simple');
  app.use(lanOnly(deps.config.http.allowNonLan));
  const allowedHosts = deps.config.http.allowedHosts ?? [];
  app.use(hostGuard(allowedHosts));
  app.use(proxyGuard(deps.log));
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    // media-src blob: lets the live view feed Media Source Extensions; nothing else leaves 'self'.
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; media-src 'self' blob:; img-src 'self' blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    next();
  });
  if (deps.metrics) app.use(metricsRoutes({ db: deps.db, source: deps.metrics }));
  app.use('/api', (_req, res, next) => {
    // Every API answer is per-user or media: never stored by a browser or proxy.
    res.setHeader('Cache-Control', 'private, no-store');
    next();
  });
  app.use('/api', authenticate(deps.db, now));
  app.use('/api', csrfGuard(allowedHosts));
  app.use('/api', express.json({ limit: '16kb', strict: true }));
  app.use('/api', healthRoutes(deps.health));
  app.use('/api', authRoutes(ctx));
  app.use('/api', requireUser);
  app.use('/api', cameraRoutes(ctx));
  app.use('/api', cameraSettingsRoutes(ctx, deps.config.sourceFile, deps.config.cameras));
  app.use('/api', playbackRoutes(ctx));
  app.use('/api', playbackH264Routes(ctx, deps.h264Transcoder));
  app.use('/api', liveRoutes(ctx));
  app.use('/api', liveFallbackRoutes(ctx, deps.liveFallback));
  app.use('/api', eventRoutes(ctx));
  app.use('/api', exportRoutes(ctx));
  app.use('/api', userRoutes(ctx));
  app.use('/api', systemRoutes(ctx, deps.config.retention));
  app.use('/api', auditRoutes(ctx));
  app.use('/api', discoveryRoutes(ctx, deps.discovery ?? null));
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such API route; see src/http/API.md for the routes' });
  });
  app.use(webAppRoutes(deps.webDir));
  app.use(errorHandler(deps.log));
  return app;
}
