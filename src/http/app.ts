/**
 * The express application: middleware order is the security model, so it is written
 * out here in one place.
 *
 *   lanOnly → Host allow-list (DNS rebinding) → forwarded-by-proxy refusal → security headers → (/api) private no-store → session lookup → CSRF → JSON body
 *   → public routes (health, setup, login, logout) → requireUser → camera-data routes, each
 *   of which starts with the gate (src/auth/gate.ts) → JSON 404 → the web UI (web/dist)
 *   → JSON error handler.
 */
import path from 'node:path';
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
import { H264Transcoder } from '../playback/h264Transcode.ts';
import { Mpeg1Fanout } from '../live/mpeg1Fanout.ts';
import { userRoutes } from './routes/users.ts';
import { systemRoutes } from './routes/system.ts';
import { auditRoutes } from './routes/audit.ts';
import { authenticate, requireUser } from './session.ts';
import { csrfGuard } from './csrf.ts';
import { errorHandler } from './errors.ts';
import { LiveStreams, type RouteContext } from './context.ts';
import { LiveViewerLimit, type LiveViewerLimitOptions } from './liveViewerLimit.ts';
import { noStatusSource, type CameraStatusSource, type LiveSource, type SnapshotSource } from './sources.ts';
import { noLiveSource } from '../live/liveSource.ts';
import { defaultThrottlePolicy, type ThrottlePolicy } from '../auth/loginThrottle.ts';
import { SetupCode } from '../auth/setupCode.ts';
import { LoginGuard } from '../auth/loginGuard.ts';
import { countUsers } from '../auth/userRows.ts';
import { pruneAudit, auditRetentionMs } from '../auth/audit.ts';
import { pruneSessions } from '../auth/sessions.ts';
import { recordingRoot } from '../recording/layout.ts';
import { ffmpegPathSync } from '../ffmpeg/locate.ts';
import { snapshotFromRecording } from '../playback/snapshotFromRecording.ts';
import { metricsRoutes } from './routes/metrics.ts';
import type { MetricsSource } from '../metrics/collect.ts';
import { discoveryRoutes } from './routes/discovery.ts';
import { webAppRoutes } from './webApp.ts';
import type { DiscoveryService } from '../discovery/discoveryService.ts';

export interface AppDeps {
  db: Db;
  config: HearthConfig;
  log: Logger;
  health: HealthSource;
  metrics?: MetricsSource;
  /** null when discovery is off; the discovery routes then say so. */
  discovery?: DiscoveryService | null;
  /** Camera states from the supervisor; default: registry only (offline/disabled). */
  status?: CameraStatusSource;
  /** The recorder's live fan-out; default: no live feeds (503). */
  live?: LiveSource;
  /** Default: last frame of the newest recorded segment. */
  snapshot?: SnapshotSource;
  /** Tests shorten the window instead of sleeping a minute. */
  throttle?: ThrottlePolicy;
  liveRecheckMs?: number;
  /** Default: 48 live views per user, 256 in all. */
  liveViewerLimits?: LiveViewerLimitOptions;
  maxConcurrentExports?: number;
  auditRetentionMs?: number;
  now?: () => number;
  /** The built web UI; default web/dist beside the source. */
  webDir?: string;
  /** H.264 copies of recorded H.265 for browsers without HEVC; default: made under <dataDir>/cache. */
  h264Transcoder?: H264Transcoder;
}

export function createApp(deps: AppDeps): Express {
  const now = deps.now ?? Date.now;
  const root = recordingRoot(deps.config.dataDir);
  const ffmpegPath = ffmpegPathSync();
  const throttle = deps.throttle ?? defaultThrottlePolicy;
  const ctx: RouteContext = {
    db: deps.db,
    log: deps.log,
    now,
    dataDir: deps.config.dataDir,
    recordingRoot: root,
    status: deps.status ?? noStatusSource,
    live: deps.live ?? noLiveSource,
    snapshot: deps.snapshot ?? snapshotFromRecording(deps.db, root, ffmpegPath, { now }),
    ffmpegPath,
    throttle,
    loginGuard: new LoginGuard(deps.db, throttle, now),
    liveRecheckMs: Math.min(1000, deps.liveRecheckMs ?? 1000),
    liveStreams: new LiveStreams(),
    liveViewers: new LiveViewerLimit(deps.liveViewerLimits),
    setup: firstRunSetup(deps),
    maxConcurrentExports: deps.maxConcurrentExports ?? 2,
    auditRetentionMs: deps.auditRetentionMs ?? auditRetentionMs,
  };
  const prunedAudit = pruneAudit(deps.db, now(), ctx.auditRetentionMs);
  const prunedSessions = pruneSessions(deps.db, now());
  if (prunedAudit + prunedSessions > 0) deps.log.info('pruned old audit rows and sessions', { event: 'auth.pruned', audit: prunedAudit, sessions: prunedSessions });

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
  app.use('/api', cameraSettingsRoutes(ctx, deps.config.sourceFile));
  app.use('/api', playbackRoutes(ctx));
  app.use('/api', playbackH264Routes(ctx, deps.h264Transcoder ?? new H264Transcoder({ ffmpegPath, cacheDir: path.join(deps.config.dataDir, 'cache', 'playback-h264'), log: deps.log })));
  app.use('/api', liveRoutes(ctx));
  app.use('/api', liveFallbackRoutes(ctx, new Mpeg1Fanout({ live: ctx.live, ffmpegPath, log: deps.log })));
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

/** On a database with no user, a one-time code in the log trades for the first admin (POST /api/setup). */
function firstRunSetup(deps: AppDeps): SetupCode | null {
  if (countUsers(deps.db) > 0) return null;
  const { setup, code } = SetupCode.generate();
  deps.log.warn(`no user exists yet: first-run setup code ${code} (open the web UI, or POST /api/setup {code, username, password})`, {
    event: 'auth.setup_code',
  });
  return setup;
}
