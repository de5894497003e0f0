/**
 * One supervisor per camera: checks storage and identity, runs the recorder's ffmpeg,
 * indexes what it writes, and restarts it with backoff. Its state is what the camera
 * page shows (DESIGN.md "Never silently stop").
 */
import { mkdirSync, readdirSync, statSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.ts';
import type { RecorderAudioMode } from '../ffmpeg/args.ts';
import { LiveFeed } from '../recording/liveFeed.ts';
import { startRecorderProcess, type FinishedSegmentLine, type RecorderRun } from '../recording/recorderProcess.ts';
import { SegmentClock } from '../recording/segmentClock.ts';
import type { SegmentIndexer } from '../recording/segmentIndexer.ts';
import type { ChildRegistry } from '../recording/childRegistry.ts';
import type { StorageCheck } from '../recording/storageMarker.ts';
import { probeSegment } from '../recording/probeSegment.ts';
import { unlinkIfPresent } from '../recording/durableFiles.ts';
import { cameraDir, dayDirName, relativeSegmentPath, segmentExtension, segmentPattern } from '../recording/layout.ts';
import { Backoff, type BackoffPolicy } from './backoff.ts';
import { classifyExit } from './failureReason.ts';
import type { CameraState, CameraStatus, IdentityCheck } from './cameraStatus.ts';

export interface SupervisorOptions {
  cameraId: string;
  cameraName: string;
  inputUrl: string;
  /** Re-read before each run: the relocator may have moved the camera to a new address. */
  currentInputUrl?: () => string | null;
  root: string;
  segmentSeconds: number;
  rotationOffsetSeconds: number;
  lastEndMs: number;
  backoff: BackoffPolicy;
  /** No new live fragment for this long means a stuck ffmpeg: stop it and reconnect. */
  stallMs: number;
  ioTimeoutSeconds: number;
  /** Less free space than this after a failure means the disk is full. */
  lowSpaceBytes: number;
  /** Failing this long without a healthy run shows `offline` instead of `retrying`. */
  offlineAfterMs: number;
  log: Logger;
  indexer: SegmentIndexer;
  registry: ChildRegistry;
  identityCheck: IdentityCheck;
  checkStorage(): StorageCheck;
  pruneForSpace(): Promise<void>;
}

const watchdogTickMs = 1_000;
const storageRecheckMs = 10_000;
const identityTimeoutMs = 10_000;

export class CameraSupervisor {
  readonly live: LiveFeed;
  private status: CameraStatus;
  private readonly backoff: Backoff;
  private readonly clock: SegmentClock;
  private readonly log: Logger;
  private audio: RecorderAudioMode = 'copy';
  private stopping = false;
  private run: RecorderRun | null = null;
  private wake: (() => void) | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private segmentWork: Promise<void> = Promise.resolve();
  private failingSinceMs: number | null = null;

  constructor(private readonly o: SupervisorOptions) {
    this.live = new LiveFeed(o.cameraId);
    this.backoff = new Backoff(o.backoff);
    this.clock = new SegmentClock(o.lastEndMs);
    this.log = o.log.child({ camera: o.cameraId });
    this.status = { cameraId: o.cameraId, state: 'connecting', lastError: null, lastErrorAtMs: null, sinceMs: Date.now(), audio: 'copy', identity: 'unverified' };
  }

  start(): void {
    this.loopDone = this.loop().catch((error: unknown) => {
      // A bug here must not take Hearth down, nor stop silently: show it on the camera.
      this.log.error('camera supervisor crashed', { event: 'camera.supervisor_crashed', error: (error as Error).stack ?? String(error) });
      this.setState('offline', `Hearth's recorder for camera "${this.o.cameraName}" stopped on an internal error (${(error as Error).message}); restart Hearth`);
    });
  }

  getStatus(): CameraStatus {
    return { ...this.status, audio: this.audio };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.run?.stop();
    await this.loopDone;
    await this.segmentWork;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const storage = this.o.checkStorage();
      if (!storage.ok) {
        this.setState('storage_missing', `camera "${this.o.cameraName}" is not recording: ${storage.reason}`);
        await this.sleep(storageRecheckMs);
        continue;
      }
      const identity = await this.checkIdentity();
      if (identity !== null) {
        this.status.identity = 'mismatch';
        this.setState('identity_mismatch', identity);
        await this.sleep(this.backoff.slow());
        continue;
      }
      if (this.lowOnSpace()) {
        // Starting ffmpeg on a full disk would only write empty files: prune, and wait.
        this.setState('disk_full', `camera "${this.o.cameraName}" (${this.o.cameraId}) cannot record: the recording disk is full; Hearth deletes the oldest recordings and resumes, or free space / lower retention.maxDiskPercent`);
        await this.o.pruneForSpace();
        if (this.lowOnSpace()) {
          await this.sleep(this.backoff.next(0));
          continue;
        }
      }
      const delayMs = await this.runOnce();
      if (this.stopping) break;
      await this.sleep(delayMs);
    }
  }

  /** Null when the device may be recorded under this camera's id; otherwise why not. */
  private async checkIdentity(): Promise<string | null> {
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), identityTimeoutMs).unref());
    const result = await Promise.race([this.o.identityCheck(this.o.cameraId), timeout]);
    if (result === 'timeout') return `camera "${this.o.cameraName}" did not answer the identity check within ${identityTimeoutMs / 1000} s; retrying`;
    if (result.verdict === 'mismatch') {
      return `the device answering at camera "${this.o.cameraName}"'s address is a different camera (${result.reason}); nothing is recorded under this camera until it is found again`;
    }
    this.status.identity = result.verdict;
    return null;
  }

  /** One ffmpeg run, start to exit; returns how long to wait before the next. */
  private async runOnce(): Promise<number> {
    // While failing, keep showing why (retrying, auth_failed, …) until video flows again.
    if (['recording', 'storage_missing', 'identity_mismatch'].includes(this.status.state)) this.setState('connecting', null);
    const runId = randomBytes(3).toString('hex');
    const runStartMs = Date.now();
    this.ensureDayDirs(runStartMs);
    this.clock.newRun();
    this.live.restart();
    const listed = new Set<string>();
    const run = startRecorderProcess(
      {
        inputUrl: this.o.currentInputUrl?.() ?? this.o.inputUrl,
        segmentPattern: segmentPattern(this.o.root, this.o.cameraId, runId),
        segmentSeconds: this.o.segmentSeconds,
        rotationOffsetSeconds: this.o.rotationOffsetSeconds,
        audio: this.audio,
        ioTimeoutSeconds: this.o.ioTimeoutSeconds,
      },
      {
        live: this.live,
        onSpawn: (pid) => this.o.registry.track(pid, this.o.cameraId),
        onSegment: (line) => {
          listed.add(line.basename);
          this.segmentWork = this.segmentWork.then(() => this.indexListed(line));
        },
      },
    );
    this.run = run;
    this.log.info('recorder started', { event: 'recorder.started', pid: run.pid, run: runId, audio: this.audio });

    const onFragment = (): void => {
      if (this.status.state !== 'recording') {
        this.failingSinceMs = null;
        this.setState('recording', null);
      }
    };
    this.live.on('fragment', onFragment);
    let lastStorageCheckMs = Date.now();
    let pruningForSpace = false;
    const watchdog = setInterval(() => {
      const now = Date.now();
      this.ensureDayDirs(now);
      const lastSign = Math.max(this.live.lastFragmentMs(), runStartMs);
      if (now - lastSign > this.o.stallMs) {
        this.log.warn('no video from the camera; restarting the recorder', { event: 'recorder.stalled', silentMs: now - lastSign });
        void run.stop(2_000);
      }
      // ffmpeg 5.1 keeps running on ENOSPC, writing empty segments: watch free space ourselves.
      if (!pruningForSpace && this.lowOnSpace()) {
        pruningForSpace = true;
        this.log.warn('recording disk nearly full; pruning now', { event: 'storage.low_space' });
        void this.o.pruneForSpace().then(() => {
          pruningForSpace = false;
          if (this.lowOnSpace()) void run.stop(2_000);
        });
      }
      if (now - lastStorageCheckMs > storageRecheckMs) {
        lastStorageCheckMs = now;
        if (!this.o.checkStorage().ok) void run.stop(2_000);
      }
    }, watchdogTickMs);

    const exit = await run.exited;
    clearInterval(watchdog);
    this.live.off('fragment', onFragment);
    this.o.registry.untrack(run.pid);
    this.run = null;
    await this.segmentWork;
    await this.indexPartials(runId, runStartMs, listed);

    const wasRecording = this.status.state === 'recording';
    this.log.info('recorder exited', { event: 'recorder.exited', code: exit.code, signal: exit.signal, ranMs: exit.ranMs, run: runId });
    if (this.stopping) return 0;
    const failure = classifyExit(exit, this.freeBytes(), this.o.lowSpaceBytes);
    const name = `camera "${this.o.cameraName}" (${this.o.cameraId})`;
    if (wasRecording) this.failingSinceMs = Date.now();
    this.failingSinceMs ??= runStartMs;
    switch (failure.kind) {
      case 'auth':
        this.setState('auth_failed', `${name} refused the user name or password in its stream URL (401 Unauthorized): correct the password for this camera in Hearth's settings or the config file's streams.main; Hearth retries about once a minute`);
        return this.backoff.slow();
      case 'disk_full':
        this.setState('disk_full', `${name} cannot record: the recording disk is full (${failure.detail}); Hearth is deleting the oldest recordings and will resume, or lower retention.maxDiskPercent / free space`);
        await this.o.pruneForSpace();
        return this.backoff.next(exit.ranMs);
      case 'audio_unsupported':
        this.audio = this.audio === 'copy' ? 'aac' : 'none';
        this.log.warn('camera audio does not fit MP4; changing how audio is recorded', { event: 'recorder.audio_fallback', audio: this.audio });
        return 0;
      case 'not_found':
      case 'unreachable':
      case 'dropped':
      case 'stopped': {
        const failingMs = Date.now() - this.failingSinceMs;
        const state: CameraState = failingMs > this.o.offlineAfterMs ? 'offline' : 'retrying';
        this.setState(state, `${name} ${failure.kind === 'not_found' ? 'has no stream at the configured URL (404); check streams.main' : 'is not sending video'}: ${failure.detail || 'connection lost'}`);
        return this.backoff.next(exit.ranMs);
      }
    }
  }

  private async indexListed(line: FinishedSegmentLine): Promise<void> {
    const relative = relativeSegmentPath(this.o.cameraId, line.basename);
    if (!relative) {
      this.log.error('ffmpeg listed a segment with an unexpected name', { event: 'segment.bad_name', file: line.basename });
      return;
    }
    const absolute = path.join(this.o.root, relative);
    const times = this.clock.place(line.startSeconds, line.endSeconds, line.arrivedAtMs);
    if (times.reanchored) this.log.warn('camera and host clocks drifted; re-anchored segment times', { event: 'segment.reanchored' });
    try {
      const bytes = statSync(absolute).size;
      await this.o.indexer.add({ cameraId: this.o.cameraId, startMs: times.startMs, endMs: times.endMs, bytes, path: relative }, absolute);
    } catch (error) {
      this.log.error('could not index a finished segment', { event: 'segment.index_failed', file: relative, error: (error as Error).message });
    }
  }

  /** The file being written when ffmpeg died is not in the list: probe it, index it if it plays, else remove it. */
  private async indexPartials(runId: string, runStartMs: number, listed: Set<string>): Promise<void> {
    const endedAtMs = Date.now();
    const suffix = `-${runId}${segmentExtension}`;
    for (const day of new Set([dayDirName(runStartMs), dayDirName(endedAtMs)])) {
      const dir = path.join(cameraDir(this.o.root, this.o.cameraId), day);
      let names: string[];
      try {
        names = readdirSync(dir).filter((n) => n.endsWith(suffix) && !listed.has(n)).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      for (const name of names) {
        const absolute = path.join(dir, name);
        const probe = await probeSegment(absolute);
        if (!probe) {
          await unlinkIfPresent(absolute);
          this.log.info('removed a segment with no playable video', { event: 'segment.partial_removed', file: name });
          continue;
        }
        const times = this.clock.placePartial(probe.durationMs, endedAtMs);
        const relative = path.posix.join(this.o.cameraId, day, name);
        await this.o.indexer.add({ cameraId: this.o.cameraId, ...times, bytes: statSync(absolute).size, path: relative }, absolute);
        this.log.info('indexed a segment cut short', { event: 'segment.partial_indexed', file: relative, durationMs: probe.durationMs });
      }
    }
  }

  private ensureDayDirs(nowMs: number): void {
    // ffmpeg's segment muxer does not create directories: make today's and tomorrow's ahead of midnight.
    for (const ms of [nowMs, nowMs + 86_400_000]) {
      mkdirSync(path.join(cameraDir(this.o.root, this.o.cameraId), dayDirName(ms)), { recursive: true, mode: 0o750 });
    }
  }

  private lowOnSpace(): boolean {
    const free = this.freeBytes();
    return free !== null && free < this.o.lowSpaceBytes;
  }

  private freeBytes(): number | null {
    try {
      const s = statfsSync(this.o.root);
      return s.bavail * s.bsize;
    } catch (error) {
      this.log.warn('cannot read free space', { event: 'storage.statfs_failed', error: (error as Error).message });
      return null;
    }
  }

  private setState(state: CameraState, error: string | null): void {
    const changed = state !== this.status.state || (error !== null && error !== this.status.lastError);
    if (state !== this.status.state) this.status.sinceMs = Date.now();
    this.status.state = state;
    if (error !== null) {
      this.status.lastError = error;
      this.status.lastErrorAtMs = Date.now();
    }
    if (changed) {
      const fields = { event: 'camera.state', state, error: error ?? undefined };
      if (error) this.log.warn(`camera ${state}`, fields);
      else this.log.info(`camera ${state}`, fields);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
