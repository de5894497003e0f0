/** Everything the route modules share, built once in app.ts. Each route takes only this. */
import type { Logger } from '../log.ts';
import type { SetupCode } from '../auth/setupCode.ts';
import type { ThrottlePolicy } from '../auth/loginThrottle.ts';
import type { LoginGuard } from '../auth/loginGuard.ts';
import type { AccessContext } from './access.ts';
import type { CameraStatusSource, LiveSource, SnapshotSource } from './sources.ts';
import type { LiveViewerLimit } from './liveViewerLimit.ts';

export interface RouteContext extends AccessContext {
  log: Logger;
  /** Root of `events.thumbnail_path`. */
  dataDir: string;
  /** Root of `segments.path`. */
  recordingRoot: string;
  status: CameraStatusSource;
  live: LiveSource;
  snapshot: SnapshotSource;
  ffmpegPath: string;
  throttle: ThrottlePolicy;
  /** Every password and setup-code check goes through it (throttle + bounded scrypt work). */
  loginGuard: LoginGuard;
  /** How often an open live stream re-asks the gate (at most 1 s: revocation must cut it). */
  liveRecheckMs: number;
  liveStreams: LiveStreams;
  /** Open live views per user and in all (live.mp4 and live.ts). */
  liveViewers: LiveViewerLimit;
  /** Present while no user exists (first run). */
  setup: SetupCode | null;
  maxConcurrentExports: number;
  /** Audit rows older than this are pruned at start and at each login. */
  auditRetentionMs: number;
}

/** Open live streams, so a grant change can re-check them at once instead of at the next tick. */
export class LiveStreams {
  private readonly checks = new Set<() => void>();

  add(check: () => void): () => void {
    this.checks.add(check);
    return () => this.checks.delete(check);
  }

  recheckAll(): void {
    for (const check of [...this.checks]) check();
  }

  get size(): number {
    return this.checks.size;
  }
}
