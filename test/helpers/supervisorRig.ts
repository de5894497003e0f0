/**
 * One CameraSupervisor on a simulated clock with a stand-in run starter, for the policy
 * tests (test/unit/supervisor-*.test.ts): each "ffmpeg run" is a FakeRun the test makes
 * send video, fail with ffmpeg's own error lines, or hang. Storage, free space, identity
 * and the stream URL are plain values the test changes. The indexer, the database and the
 * run's folders are real (a temp dir). The same behaviour with real ffmpeg is in
 * test/integration/recording-*.test.ts and identity-*.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/connection.ts';
import { createLogger } from '../../src/log.ts';
import { CameraSupervisor, type StartRun, type SupervisorOptions } from '../../src/recording/run/cameraSupervisor.ts';
import type { RecorderExit, RecorderRun } from '../../src/recording/recorderProcess.ts';
import { SegmentIndexer } from '../../src/recording/segmentIndexer.ts';
import { ChildRegistry } from '../../src/recording/childRegistry.ts';
import type { CameraState, IdentityCheckResult } from '../../src/cameras/cameraStatus.ts';
import type { StreamResolution } from '../../src/cameras/streamSource.ts';
import type { StorageCheck } from '../../src/recording/storageMarker.ts';
import type { LiveFeed } from '../../src/live/liveFeed.ts';
import { SimulatedClock } from './simulatedClock.ts';

/** ffmpeg's own error lines for the failures the policy tells apart. */
export const ffmpegSays = {
  unauthorized: ['[rtsp @ 0x55d0] [error] method DESCRIBE failed: 401 Unauthorized'],
  refused: ['[tcp @ 0x55d0] [error] Connection to tcp://127.0.0.1:8554?timeout=0 failed: Connection refused'],
  noSpace: ['[segment @ 0x55d0] [error] Failed to write: No space left on device'],
};

/** A recorder run that does what the test says. */
export class FakeRun implements RecorderRun {
  readonly pid: number;
  readonly exited: Promise<RecorderExit>;
  /** The grace each stop() asked for, in order. */
  readonly stops: Array<number | undefined> = [];
  readonly startedAtMs: number;
  private finish: (exit: RecorderExit) => void = () => undefined;
  private ended = false;

  constructor(pid: number, readonly input: Parameters<StartRun>[0], private readonly live: LiveFeed, private readonly clock: SimulatedClock) {
    this.pid = pid;
    this.startedAtMs = clock.now();
    this.exited = new Promise((resolve) => (this.finish = resolve));
  }

  get running(): boolean {
    return !this.ended;
  }

  /** One live fragment arrives: the supervisor's sign that video flows. */
  sendVideo(): void {
    this.live.emit('fragment', Buffer.alloc(0));
  }

  /** ffmpeg exits by itself with these error lines. */
  fail(errorLines: string[], code = 1): void {
    this.end({ code, signal: null, errorLines });
  }

  stop(graceMs?: number): Promise<RecorderExit> {
    this.stops.push(graceMs);
    // ffmpeg's answer to SIGINT: exit code 255, nothing at [error].
    this.end({ code: 255, signal: null, errorLines: [] });
    return this.exited;
  }

  kill(): void {
    this.end({ code: null, signal: 'SIGKILL', errorLines: [] });
  }

  private end(exit: Omit<RecorderExit, 'ranMs'>): void {
    if (this.ended) return;
    this.ended = true;
    this.finish({ ...exit, ranMs: this.clock.now() - this.startedAtMs });
  }
}

export interface SupervisorRig {
  clock: SimulatedClock;
  supervisor: CameraSupervisor;
  /** Every run started, oldest first. */
  runs: FakeRun[];
  /** The states shown, in order, without repeats. */
  states: CameraState[];
  /** What the test controls. */
  world: {
    storage: StorageCheck;
    freeBytes: number;
    identity: IdentityCheckResult;
    input: StreamResolution;
    /** Each pruneForSpace call frees this much (0: the prune finds nothing to delete). */
    pruneFreesBytes: number;
  };
  prunes: number;
  /** Simulated time of each identity check. */
  identityChecks: number[];
  /** sinceMs of each quarantineSince call. */
  quarantinedSince: number[];
  logLines: string[];
  /** The supervisor's recording root (a temp dir). */
  recordingsRoot: string;
  state(): CameraState;
  lastError(): string | null;
  /** The newest run, which must be running. */
  currentRun(): FakeRun;
  /** `run` sends a fragment each second for `ms` of simulated time. */
  sendVideoFor(run: FakeRun, ms: number): Promise<void>;
  /** Advances until a new run has started; returns the simulated wait. */
  nextRun(maxMs?: number): Promise<{ run: FakeRun; waitedMs: number }>;
  close(): Promise<void>;
}

export const lowSpaceBytes = 64 * 1024 * 1024;

/** `startMs`: where the simulated wall clock starts (default noon UTC, 15 Jan 2026). */
export async function startSupervisorRig(overrides: Partial<SupervisorOptions> = {}, rigOptions: { startMs?: number } = {}): Promise<SupervisorRig> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-supervisor-'));
  const logLines: string[] = [];
  const log = createLogger({ level: 'debug', sink: { write: (line) => void logLines.push(line) } });
  const db = openDatabase(path.join(dataDir, 'hearth.db'), log);
  const clock = new SimulatedClock(rigOptions.startMs);
  const indexer = new SegmentIndexer(db, log, () => undefined);
  const registry = new ChildRegistry(path.join(dataDir, 'run'));
  const runs: FakeRun[] = [];
  const states: CameraState[] = [];
  const world: SupervisorRig['world'] = {
    storage: { ok: true },
    freeBytes: 10 * 1024 ** 3,
    identity: { verdict: 'verified' },
    input: { ok: true, url: 'rtsp://127.0.0.1:8554/porch', source: 'config' },
    pruneFreesBytes: 0,
  };
  const rig: SupervisorRig = {
    clock,
    runs,
    states,
    world,
    prunes: 0,
    quarantinedSince: [],
    identityChecks: [],
    logLines,
    recordingsRoot: path.join(dataDir, 'recordings'),
    supervisor: null as unknown as CameraSupervisor,
    state: () => rig.supervisor.getStatus().state,
    lastError: () => rig.supervisor.getStatus().lastError,
    currentRun: () => {
      const run = runs.at(-1);
      if (!run?.running) throw new Error('no run is recording');
      return run;
    },
    sendVideoFor: async (run, ms) => {
      for (let sentMs = 0; sentMs < ms; sentMs += 1_000) {
        run.sendVideo();
        await clock.advance(1_000);
      }
    },
    nextRun: async (maxMs = 120_000) => {
      const before = runs.length;
      const waitedMs = await clock.advanceUntil('a new run started', () => runs.length > before, maxMs);
      return { run: runs.at(-1)!, waitedMs };
    },
    close: async () => {
      await rig.supervisor.stop();
      indexer.close();
      registry.close();
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  // Fake runs never report a pid to the registry: its exit hook signals tracked pids.
  const startRun: StartRun = (input, hooks) => {
    const run = new FakeRun(900_000 + runs.length, input, hooks.live, clock);
    runs.push(run);
    return run;
  };
  const options: SupervisorOptions = {
    cameraId: 'porch',
    cameraName: 'Porch',
    resolveInput: async () => world.input,
    probe: async () => ({ ok: true, streams: { video: { codec: 'h264', width: 1280, height: 720 }, audio: null } }),
    root: rig.recordingsRoot,
    segmentSeconds: 10,
    rotationOffsetSeconds: 0,
    lastEndMs: 0,
    backoff: { baseMs: 1_000, capMs: 15_000, healthyMs: 60_000, authRetryMs: 60_000 },
    stallMs: 20_000,
    ioTimeoutSeconds: 10,
    lowSpaceBytes,
    offlineAfterMs: 120_000,
    log,
    indexer,
    registry,
    identityCheck: async () => {
      rig.identityChecks.push(clock.now());
      return world.identity;
    },
    identityRecheckMs: 0,
    quarantineSince: async (sinceMs) => {
      rig.quarantinedSince.push(sinceMs);
      return 0;
    },
    onChange: () => {
      const state = rig.supervisor.getStatus().state;
      if (states.at(-1) !== state) states.push(state);
    },
    checkStorage: () => world.storage,
    pruneForSpace: async () => {
      rig.prunes += 1;
      world.freeBytes += world.pruneFreesBytes;
    },
    clock,
    startRun,
    freeBytes: () => world.freeBytes,
    // The top of each jitter range, so a wait is the backoff's ceiling.
    random: () => 0.999_999,
    ...overrides,
  };
  rig.supervisor = new CameraSupervisor(options);
  rig.supervisor.start();
  await clock.settle();
  return rig;
}
