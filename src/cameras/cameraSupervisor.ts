/**
 * One supervisor per camera: checks storage and identity, runs the recorder's ffmpeg,
 * indexes what it writes, and restarts it with backoff. Its state is what the camera
 * page shows (DESIGN.md "Never silently stop").
 *
 * Identity is checked before every run and again every `identityRecheckMs` while
 * recording. A different device found mid-run stops the recorder at once and sets aside
 * (quarantines) everything written since the last good check: those segments cannot be
 * proven to be this camera's, so they are neither served nor deleted.
 */
import { redactCredentials } from '../net/redactCredentials.ts';
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
import { quarantineFile } from '../recording/quarantine.ts';
import { Backoff, type BackoffPolicy } from './backoff.ts';
import { classifyExit } from './failureReason.ts';
import type { CameraState, CameraStatus, IdentityCheck, IdentityCheckResult } from './cameraStatus.ts';

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
  /** Ask again this often while recording; 0 = only before each run. */
  identityRecheckMs: number;
  /** Move this camera's indexed segments ending after `sinceMs` out of the index (identity changed mid-run); returns how many. */
  quarantineSince(sinceMs: number): Promise<number>;
  /** Told when the state changes or a run starts/ends (motion follows verified runs only). */
  onChange?: () => void;
  checkStorage(): StorageCheck;
  pruneForSpace(): Promise<void>;
}

/** Why the identity check refused a run, and what the camera shows meanwhile. */
interface IdentityRefusal {
  state: CameraState;
  message: string;
  retryInMs: number;
}

const watchdogTickMs = 1_000;
const storageRecheckMs = 10_000;
const identityTimeoutMs = 10_000;
/** Segment times are placed from stream time; this much slack keeps a boundary segment on the safe side. */
const quarantineSlackMs = 2_000;

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
  /** Start of the last check that found the right device (or an unverifiable one): video before it is trusted. */
  private lastGoodCheckMs = 0;
  /** Set when a mid-run check found another device: this run's output from here on is quarantined. */
  private quarantineFromMs: number | null = null;
  private rechecking = false;
  private runUrl: string | null = null;
  /** refresh() came while no sleep was pending: skip the next wait. */
  private refreshPending = false;

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

  /** True while a run whose device passed the identity check is delivering video. */
  streaming(): boolean {
    return this.run !== null && this.status.state === 'recording' && this.quarantineFromMs === null;
  }

  /**
   * The registry changed (relocated, new URL, new password): retry now instead of after
   * the backoff, and restart a run that still uses an old stream URL.
   */
  refresh(): void {
    if (this.stopping) return;
    const url = this.o.currentInputUrl?.() ?? this.o.inputUrl;
    if (this.run && this.runUrl !== url) {
      this.log.info('stream address changed; reconnecting', { event: 'recorder.url_changed' });
      void this.run.stop(2_000);
    }
    this.refreshPending = true;
    this.wake?.();
  }

  /** The wall clock stepped back: start a new run (a new run id in every file name) at once. */
  restartAfterClockStep(): void {
    if (this.stopping || !this.run) return;
    this.log.warn('the clock stepped back; restarting the recorder so no file name is reused', { event: 'recorder.clock_restart' });
    void this.run.stop(2_000);
    this.refreshPending = true;
    this.wake?.();
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
      const refusal = await this.checkIdentity();
      if (refusal !== null) {
        this.setState(refusal.state, refusal.message);
        await this.sleep(refusal.retryInMs);
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
      // stop() may have come while the checks above awaited: start no ffmpeg it would not wait for.
      if (this.stopping) break;
      const delayMs = await this.runOnce();
      if (this.stopping) break;
      await this.sleep(delayMs);
    }
  }

  /** The identity check under the supervisor's own deadline (a hung check must not hang the camera). */
  private async askIdentity(): Promise<IdentityCheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<IdentityCheckResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ verdict: 'unreachable', reason: `camera "${this.o.cameraName}" did not answer the identity check within ${identityTimeoutMs / 1000} s; check that it is powered and on the network` }),
        identityTimeoutMs,
      );
    });
    try {
      return await Promise.race([this.o.identityCheck(this.o.cameraId), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private mismatchMessage(reason: string): string {
    return `the device answering at camera "${this.o.cameraName}"'s address is a different camera (${reason}); nothing is recorded under this camera until it is found again`;
  }

  /** Null when the device may be recorded under this camera's id; otherwise why not. */
  private async checkIdentity(): Promise<IdentityRefusal | null> {
    const startedMs = Date.now();
    const result = await this.askIdentity();
    switch (result.verdict) {
      case 'verified':
      case 'unverified':
        this.status.identity = result.verdict;
        this.lastGoodCheckMs = startedMs;
        return null;
      case 'mismatch':
        this.status.identity = 'mismatch';
        return { state: 'identity_mismatch', message: this.mismatchMessage(result.reason), retryInMs: this.backoff.slow() };
      case 'refused':
        // Slowly, like a wrong stream password: cameras lock accounts that hammer them.
        return { state: 'auth_failed', message: result.reason, retryInMs: this.backoff.slow() };
      case 'unreachable': {
        this.failingSinceMs ??= startedMs;
        const state: CameraState = Date.now() - this.failingSinceMs > this.o.offlineAfterMs ? 'offline' : 'retrying';
        return { state, message: result.reason, retryInMs: this.backoff.next(0) };
      }
    }
  }

  /**
   * The periodic check while recording. Only a device answering with another serial stops
   * the run: a device that is merely silent or refuses leaves the open RTSP connection
   * (TCP, to the device verified when it opened) recording, and is logged.
   */
  private async recheckIdentity(run: RecorderRun): Promise<void> {
    if (this.rechecking || this.quarantineFromMs !== null || this.run !== run || this.stopping) return;
    this.rechecking = true;
    const startedMs = Date.now();
    try {
      const result = await this.askIdentity();
      if (this.run !== run || this.stopping || this.quarantineFromMs !== null) return;
      switch (result.verdict) {
        case 'verified':
        case 'unverified':
          this.status.identity = result.verdict;
          this.lastGoodCheckMs = startedMs;
          return;
        case 'mismatch':
          this.quarantineFromMs = this.lastGoodCheckMs - quarantineSlackMs;
          this.status.identity = 'mismatch';
          this.log.warn('a different device answers at this camera\'s address while recording; stopping the recorder', {
            event: 'camera.identity_changed_while_recording',
            reason: result.reason,
            lastGoodCheckMs: this.lastGoodCheckMs,
          });
          this.setState('identity_mismatch', this.mismatchMessage(result.reason));
          // Viewers stop seeing the stream now, not when ffmpeg has finished its segment.
          this.live.restart();
          void run.stop(2_000);
          return;
        case 'refused':
        case 'unreachable':
          this.log.warn('periodic identity check could not confirm the camera; recording continues on the connection verified when it opened', {
            event: 'camera.identity_recheck_unconfirmed',
            verdict: result.verdict,
            reason: result.reason,
          });
          return;
      }
    } finally {
      this.rechecking = false;
    }
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
    this.runUrl = this.o.currentInputUrl?.() ?? this.o.inputUrl;
    const run = startRecorderProcess(
      {
        inputUrl: this.runUrl,
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

    // The check before start and ffmpeg's connect are not atomic: a DHCP swap in between (a
    // reconnect storm) would have this run record the other camera until the periodic re-check
    // (fault-storm-users.test.ts caught it). Ask again as soon as video flows.
    let checkedAfterConnect = false;
    const onFragment = (): void => {
      if (!checkedAfterConnect) {
        checkedAfterConnect = true;
        void this.recheckIdentity(run);
      }
      if (this.status.state !== 'recording' && this.quarantineFromMs === null) {
        this.failingSinceMs = null;
        this.setState('recording', null);
      }
    };
    this.live.on('fragment', onFragment);
    let pruningForSpace = false;
    const watchdog = setInterval(() => {
      const now = Date.now();
      // Every tick, before making day folders: a disk that went away must not get folders, and
      // then ffmpeg's next segment, on the SD card underneath (DESIGN.md "Right disk").
      if (!this.o.checkStorage().ok) {
        void run.stop(2_000);
        return;
      }
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
    }, watchdogTickMs);
    const recheck = this.o.identityRecheckMs > 0 ? setInterval(() => void this.recheckIdentity(run), this.o.identityRecheckMs) : null;
    this.o.onChange?.();

    const exit = await run.exited;
    clearInterval(watchdog);
    if (recheck) clearInterval(recheck);
    this.live.off('fragment', onFragment);
    this.o.registry.untrack(run.pid);
    this.run = null;
    this.o.onChange?.();
    await this.segmentWork;
    if (this.quarantineFromMs !== null) {
      const since = this.quarantineFromMs;
      await this.quarantinePartials(runId, runStartMs, listed);
      // Rows the indexer still holds go in first, so they are found and moved too.
      this.o.indexer.flush();
      const moved = await this.o.quarantineSince(since);
      this.quarantineFromMs = null;
      this.log.warn('recordings since the last good identity check set aside', { event: 'camera.quarantined', sinceMs: since, segments: moved });
      if (this.stopping) return 0;
      this.failingSinceMs ??= Date.now();
      return this.backoff.slow();
    }
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
    if (this.quarantineFromMs !== null) {
      // Finished after another device was found at the address: never indexed under this camera.
      await this.setAside(absolute);
      return;
    }
    const times = this.clock.place(line.startSeconds, line.endSeconds, line.arrivedAtMs);
    if (times.reanchored) this.log.warn('camera and host clocks drifted; re-anchored segment times', { event: 'segment.reanchored' });
    try {
      const bytes = statSync(absolute).size;
      await this.o.indexer.add({ cameraId: this.o.cameraId, startMs: times.startMs, endMs: times.endMs, bytes, path: relative }, absolute);
    } catch (error) {
      this.log.error('could not index a finished segment', { event: 'segment.index_failed', file: relative, error: (error as Error).message });
    }
  }

  private async setAside(absolute: string): Promise<void> {
    try {
      await quarantineFile(this.o.root, this.o.cameraId, absolute);
      this.log.warn('segment set aside: it may show another camera', { event: 'segment.quarantined', file: path.basename(absolute) });
    } catch (error) {
      this.log.error('could not set aside a suspect segment; removing it', { event: 'segment.quarantine_failed', file: path.basename(absolute), error: (error as Error).message });
      await unlinkIfPresent(absolute);
    }
  }

  /** Files of this run that ffmpeg never listed (the one open when it stopped), by day folder. */
  private unlistedFiles(runId: string, runStartMs: number, endedAtMs: number, listed: Set<string>): { day: string; dir: string; name: string }[] {
    const suffix = `-${runId}${segmentExtension}`;
    const found: { day: string; dir: string; name: string }[] = [];
    for (const day of new Set([dayDirName(runStartMs), dayDirName(endedAtMs)])) {
      const dir = path.join(cameraDir(this.o.root, this.o.cameraId), day);
      try {
        for (const name of readdirSync(dir).filter((n) => n.endsWith(suffix) && !listed.has(n)).sort()) found.push({ day, dir, name });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return found;
  }

  private async quarantinePartials(runId: string, runStartMs: number, listed: Set<string>): Promise<void> {
    for (const { dir, name } of this.unlistedFiles(runId, runStartMs, Date.now(), listed)) await this.setAside(path.join(dir, name));
  }

  /** The file being written when ffmpeg died is not in the list: probe it, index it if it plays, else remove it. */
  private async indexPartials(runId: string, runStartMs: number, listed: Set<string>): Promise<void> {
    const endedAtMs = Date.now();
    for (const { day, dir, name } of this.unlistedFiles(runId, runStartMs, endedAtMs, listed)) {
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
    // ffmpeg's errors repeat the stream URL: the password must not reach viewers or the log.
    if (error !== null) error = redactCredentials(error);
    const changed = state !== this.status.state || (error !== null && error !== this.status.lastError);
    const stateChanged = state !== this.status.state;
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
    if (stateChanged) this.o.onChange?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.refreshPending) {
      this.refreshPending = false;
      return Promise.resolve();
    }
    if (this.stopping || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        this.refreshPending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
