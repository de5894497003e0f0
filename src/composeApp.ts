/**
 * Composition of the LAN server: builds the services the app serves with (snapshots from
 * the recording, the MPEG-1 live fallback, H.264 copies of H.265, the first-run setup
 * code) and does the start-up housekeeping (old audit rows and sessions), then builds the
 * app (src/http/app.ts), which has no side effect of its own. src/hearth.ts and the server
 * tests start the server through here.
 */
import path from 'node:path';
import type { Express } from 'express';
import { createApp, type AppDeps } from './http/app.ts';
import { noStatusSource } from './http/sources.ts';
import { noLiveSource } from './live/liveSource.ts';
import { Mpeg1Fanout } from './live/mpeg1Fanout.ts';
import { H264Transcoder } from './playback/h264Transcode.ts';
import { snapshotFromRecording } from './playback/snapshotFromRecording.ts';
import { recordingRoot } from './recording/layout.ts';
import { ffmpegPathSync } from './ffmpeg/locate.ts';
import { defaultThrottlePolicy } from './auth/loginThrottle.ts';
import { SetupCode } from './auth/setupCode.ts';
import { countUsers } from './auth/userRows.ts';
import { pruneAudit, auditRetentionMs } from './auth/audit.ts';
import { pruneSessions } from './auth/sessions.ts';
import type { Db } from './db/sqlite.ts';
import type { Logger } from './log.ts';

type Built = 'status' | 'live' | 'snapshot' | 'liveFallback' | 'h264Transcoder' | 'setup' | 'ffmpegPath' | 'throttle' | 'auditRetentionMs' | 'now';

/** AppDeps, with every service optional: what is not given is built here. */
export type AppInputs = Omit<AppDeps, Built> & Partial<Pick<AppDeps, Built>>;

export function composeApp(inputs: AppInputs): Express {
  const now = inputs.now ?? Date.now;
  const ffmpegPath = inputs.ffmpegPath ?? ffmpegPathSync();
  const live = inputs.live ?? noLiveSource;
  const retentionMs = inputs.auditRetentionMs ?? auditRetentionMs;
  const setup = inputs.setup !== undefined ? inputs.setup : firstRunSetup(inputs.db, inputs.log);
  pruneAuthRows(inputs.db, inputs.log, now(), retentionMs);
  return createApp({
    ...inputs,
    now,
    ffmpegPath,
    live,
    status: inputs.status ?? noStatusSource,
    snapshot: inputs.snapshot ?? snapshotFromRecording(inputs.db, recordingRoot(inputs.config.dataDir), ffmpegPath, { now }),
    liveFallback: inputs.liveFallback ?? new Mpeg1Fanout({ live, ffmpegPath, log: inputs.log }),
    h264Transcoder:
      inputs.h264Transcoder ?? new H264Transcoder({ ffmpegPath, cacheDir: path.join(inputs.config.dataDir, 'cache', 'playback-h264'), log: inputs.log }),
    setup,
    throttle: inputs.throttle ?? defaultThrottlePolicy,
    auditRetentionMs: retentionMs,
  });
}

function pruneAuthRows(db: Db, log: Logger, nowMs: number, retentionMs: number): void {
  const prunedAudit = pruneAudit(db, nowMs, retentionMs);
  const prunedSessions = pruneSessions(db, nowMs);
  if (prunedAudit + prunedSessions > 0) log.info('pruned old audit rows and sessions', { event: 'auth.pruned', audit: prunedAudit, sessions: prunedSessions });
}

/** On a database with no user, a one-time code in the log trades for the first admin (POST /api/setup). */
function firstRunSetup(db: Db, log: Logger): SetupCode | null {
  if (countUsers(db) > 0) return null;
  const { setup, code } = SetupCode.generate();
  log.warn(`no user exists yet: first-run setup code ${code} (open the web UI, or POST /api/setup {code, username, password})`, {
    event: 'auth.setup_code',
  });
  return setup;
}
