/**
 * One supervisor per camera: checks storage and identity, runs the recorder's ffmpeg,
 * indexes what it writes, and restarts it with backoff. Its state is what the camera
 * page shows (DESIGN.md "Never silently stop").
 *
 * Identity is checked before every run and again every `identityRecheckMs` while
 * recording (identityWatch.ts). A different device found mid-run stops the recorder at
 * once and sets aside (quarantines) everything written since the last good check: those
 * segments cannot be proven to be this camera's, so they are neither served nor deleted.
 * The run's files are indexed or set aside by runFiles.ts.
 */
import { redactCredentials } from '../../net/redactCredentials.ts';
import { statfsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../log.ts';
import { LiveFeed } from '../../live/liveFeed.ts';
import { startRecorderProcess, type RecorderRun } from '../recorderProcess.ts';
import { SegmentClock } from '../segmentClock.ts';
import type { SegmentIndexer } from '../segmentIndexer.ts';
import type { ChildRegistry } from '../childRegistry.ts';
import type { StorageCheck } from '../storageMarker.ts';
import { segmentPattern, streamDirName } from '../layout.ts';
import { Backoff, type BackoffPolicy } from '../../util/backoff.ts';
import { classifyExit, type Failure } from './failureReason.ts';
import { StreamChoice } from '../streamChoice.ts';
import type { probeStream } from '../streamProbe.ts';
import type { StreamResolution } from '../../cameras/streamSource.ts';
import type { CameraState, CameraStatus, IdentityCheck } from '../../cameras/cameraStatus.ts';
import { IdentityWatch, type IdentityRefusal } from '../../cameras/identityWatch.ts';
import { RunFiles } from './runFiles.ts';

export interface SupervisorOptions {
  cameraId: string;
  cameraName: string;
  /**
   * Asked before each run: the stream URL from the config, the registry or the camera's
   * own ONVIF answer (the relocator may have moved it, a firmware update may have changed it).
   */
  resolveInput(): Promise<StreamResolution>;
  /** Asks the stream what it carries before each run (tests may replace it). */
  probe?: typeof probeStream;
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
  /** Default 'main'. 'sub': the H.264 sub stream an H.265 camera also records (src/recording/subStreamRecorders.ts). */
  stream?: 'main' | 'sub';
}

const watchdogTickMs = 1_000;
const storageRecheckMs = 10_000;

export class CameraSupervisor {
  readonly live: LiveFeed;
  /** State and last error; audio and identity are read live in getStatus(). */
  private status: Omit<CameraStatus, 'audio' | 'audioNote' | 'identity'>;
  private readonly backoff: Backoff;
  private readonly clock: SegmentClock;
  private readonly log: Logger;
  private readonly identity: IdentityWatch;
  private readonly files: RunFiles;
  private readonly stream: StreamChoice;
  private stopping = false;
  private run: RecorderRun | null = null;
  private wake: (() => void) | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private segmentWork: Promise<void> = Promise.resolve();
  private failingSinceMs: number | null = null;
  private runUrl: string | null = null;
  /** refresh() came while no sleep was pending: skip the next wait. */
  private refreshPending = false;

  constructor(private readonly o: SupervisorOptions) {
    this.live = new LiveFeed(o.cameraId);
    this.backoff = new Backoff(o.backoff);
    this.clock = new SegmentClock(o.lastEndMs);
    this.log = o.log.child({ camera: o.cameraId });
    this.identity = new IdentityWatch({ cameraId: o.cameraId, cameraName: o.cameraName, identityCheck: o.identityCheck, log: this.log });
    this.stream = new StreamChoice({ ioTimeoutSeconds: o.ioTimeoutSeconds, log: this.log, probe: o.probe, freeBytes: () => this.freeBytes(), lowSpaceBytes: o.lowSpaceBytes });
    this.files = new RunFiles({ cameraId: o.cameraId, root: o.root, log: this.log, indexer: o.indexer, clock: this.clock, stream: o.stream });
    this.status = { cameraId: o.cameraId, state: 'connecting', lastError: null, lastErrorAtMs: null, sinceMs: Date.now() };
  }

  start(): void {
    this.loopDone = this.loop().catch((error: unknown) => {
      // A bug here must not take Hearth down, nor stop silently: show it on the camera.
      this.log.error('camera supervisor crashed', { event: 'camera.supervisor_crashed', error: (error as Error).stack ?? String(error) });
      this.setState('offline', `Hearth's recorder for camera "${this.o.cameraName}" stopped on an internal error (${(error as Error).message}); restart Hearth`);
    });
  }

  getStatus(): CameraStatus {
    return { ...this.status, audio: this.stream.audio.mode, audioNote: this.stream.audio.note, identity: this.identity.identity };
  }

  /** True while a run whose device passed the identity check is delivering video. */
  streaming(): boolean {
    return this.run !== null && this.status.state === 'recording' && this.identity.quarantineFromMs === null;
  }

  /**
   * The registry changed (relocated, new URL, new password): retry now instead of after
   * the backoff, and restart a run that still uses an old stream URL.
   */
  refresh(): void {
    if (this.stopping) return;
    const run = this.run;
    const runUrl = this.runUrl;
    if (run && runUrl !== null) {
      // Asking ONVIF takes a moment; the run keeps recording meanwhile and restarts only if the address moved.
      void this.o.resolveInput().then((input) => {
        if (this.run === run && !this.stopping && (!input.ok || input.url !== runUrl)) {
          this.log.info('stream address changed; reconnecting', { event: 'recorder.url_changed' });
          void run.stop(2_000);
        }
      }).catch((error: unknown) => this.log.warn('could not re-read the stream address', { event: 'recorder.resolve_failed', error: (error as Error).message }));
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
      const refusal = await this.identity.checkBeforeRun();
      if (refusal !== null) {
        const { state, retryInMs } = this.whileRefused(refusal);
        this.setState(state, refusal.message);
        await this.sleep(retryInMs);
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

  /** What the camera shows while the identity check refuses runs, and how long until it asks again. */
  private whileRefused(refusal: IdentityRefusal): { state: CameraState; retryInMs: number } {
    switch (refusal.verdict) {
      case 'mismatch':
        return { state: 'identity_mismatch', retryInMs: this.backoff.slow() };
      case 'refused':
        // Slowly, like a wrong stream password: cameras lock accounts that hammer them.
        return { state: 'auth_failed', retryInMs: this.backoff.slow() };
      case 'unreachable': {
        this.failingSinceMs ??= refusal.startedMs;
        const state: CameraState = Date.now() - this.failingSinceMs > this.o.offlineAfterMs ? 'offline' : 'retrying';
        return { state, retryInMs: this.backoff.next(0) };
      }
    }
  }

  /** The periodic identity check of a run; a different device stops it at once. */
  private recheckIdentity(run: RecorderRun): Promise<void> {
    return this.identity.recheckWhileRecording(
      () => this.run === run && !this.stopping,
      (message) => {
        this.setState('identity_mismatch', message);
        // Viewers stop seeing the stream now, not when ffmpeg has finished its segment.
        this.live.restart();
        void run.stop(2_000);
      },
    );
  }

  /** One ffmpeg run, start to exit; returns how long to wait before the next. */
  private async runOnce(): Promise<number> {
    // While failing, keep showing why (retrying, auth_failed, …) until video flows again.
    if (['recording', 'storage_missing', 'identity_mismatch'].includes(this.status.state)) this.setState('connecting', null);
    const runId = randomBytes(3).toString('hex');
    const runStartMs = Date.now();
    this.files.ensureDayDirs(runStartMs);
    this.clock.newRun();
    this.live.restart();
    const listed = new Set<string>();
    const input = await this.o.resolveInput();
    if (this.stopping) return 0;
    if (!input.ok) {
      this.failingSinceMs ??= runStartMs;
      this.setState(input.state, input.message);
      return input.state === 'auth_failed' ? this.backoff.slow() : this.backoff.next(0);
    }
    this.runUrl = input.url;
    const refused = await this.stream.beforeRun(input.url, runStartMs);
    if (this.stopping) return 0;
    if (refused) {
      this.log.info('the stream could not be opened; not starting the recorder', { event: 'recorder.probe_failed', kind: refused.kind, error: refused.detail });
      return this.afterFailure(refused, Date.now() - runStartMs, runStartMs);
    }
    // The stall watchdog counts from ffmpeg's start, not from before the ONVIF and probe steps.
    const recorderStartMs = Date.now();
    const run = startRecorderProcess(
      {
        inputUrl: input.url,
        segmentPattern: segmentPattern(this.o.root, streamDirName(this.o.cameraId, this.o.stream ?? 'main'), runId),
        segmentSeconds: this.o.segmentSeconds,
        rotationOffsetSeconds: this.o.rotationOffsetSeconds,
        audio: this.stream.audio.mode,
        videoCodec: this.stream.videoCodec,
        ioTimeoutSeconds: this.o.ioTimeoutSeconds,
      },
      {
        live: this.live,
        onSpawn: (pid) => this.o.registry.track(pid, this.o.cameraId),
        onSegment: (line) => {
          listed.add(line.basename);
          this.segmentWork = this.segmentWork.then(() => this.files.indexListed(line, this.identity.quarantineFromMs !== null));
        },
      },
    );
    this.run = run;
    this.log.info('recorder started', { event: 'recorder.started', pid: run.pid, run: runId, audio: this.stream.audio.mode, audioCodec: this.stream.audio.codec ?? undefined });

    // The check before start and ffmpeg's connect are not atomic: a DHCP swap in between (a
    // reconnect storm) would have this run record the other camera until the periodic re-check
    // (fault-storm-users.test.ts caught it). Ask again as soon as video flows.
    let checkedAfterConnect = false;
    const onFragment = (): void => {
      if (!checkedAfterConnect) {
        checkedAfterConnect = true;
        void this.recheckIdentity(run);
      }
      if (this.status.state !== 'recording' && this.identity.quarantineFromMs === null) {
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
      this.files.ensureDayDirs(now);
      const lastSign = Math.max(this.live.lastFragmentMs(), recorderStartMs);
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
    this.stream.runEnded(this.status.state === 'recording' && this.identity.quarantineFromMs === null && exit.ranMs > 10_000);
    clearInterval(watchdog);
    if (recheck) clearInterval(recheck);
    this.live.off('fragment', onFragment);
    this.o.registry.untrack(run.pid);
    this.run = null;
    this.o.onChange?.();
    await this.segmentWork;
    if (this.identity.quarantineFromMs !== null) {
      const since = this.identity.quarantineFromMs;
      await this.files.quarantinePartials(runId, runStartMs, listed);
      // Rows the indexer still holds go in first, so they are found and moved too.
      this.o.indexer.flush();
      const moved = await this.o.quarantineSince(since);
      this.identity.clearQuarantine();
      this.log.warn('recordings since the last good identity check set aside', { event: 'camera.quarantined', sinceMs: since, segments: moved });
      if (this.stopping) return 0;
      this.failingSinceMs ??= Date.now();
      return this.backoff.slow();
    }
    await this.files.indexPartials(runId, runStartMs, listed);

    const wasRecording = this.status.state === 'recording';
    this.log.info('recorder exited', { event: 'recorder.exited', code: exit.code, signal: exit.signal, ranMs: exit.ranMs, run: runId });
    if (this.stopping) return 0;
    const failure = classifyExit(exit, this.freeBytes(), this.o.lowSpaceBytes);
    if (wasRecording) this.failingSinceMs = Date.now();
    return this.afterFailure(failure, exit.ranMs, runStartMs);
  }

  /** Shows why a run failed (or could not start) and returns how long to wait before the next. */
  private async afterFailure(failure: Failure, ranMs: number, runStartMs: number): Promise<number> {
    const name = `camera "${this.o.cameraName}" (${this.o.cameraId})`;
    this.failingSinceMs ??= runStartMs;
    switch (failure.kind) {
      case 'auth':
        this.setState('auth_failed', `${name} refused the user name or password in its stream URL (401 Unauthorized): correct the password for this camera in Hearth's settings or the config file's streams.main; Hearth retries about once a minute`);
        return this.backoff.slow();
      case 'disk_full':
        this.setState('disk_full', `${name} cannot record: the recording disk is full (${failure.detail}); Hearth is deleting the oldest recordings and will resume, or lower retention.maxDiskPercent / free space`);
        await this.o.pruneForSpace();
        return this.backoff.next(ranMs);
      case 'audio_unsupported': {
        // Audio must never stop video: copy, then AAC, then video alone (at most two quick retries).
        const refusedMode = this.stream.refuseAudio(failure.detail);
        this.log.warn('camera audio could not be recorded that way; changing how audio is recorded', { event: 'recorder.audio_fallback', refused: refusedMode, audio: this.stream.audio.mode, error: failure.detail });
        return refusedMode === 'none' ? this.backoff.next(ranMs) : 0;
      }
      case 'not_found':
      case 'unreachable':
      case 'dropped':
      case 'stopped': {
        const failingMs = Date.now() - this.failingSinceMs;
        const state: CameraState = failingMs > this.o.offlineAfterMs ? 'offline' : 'retrying';
        this.setState(state, `${name} ${failure.kind === 'not_found' ? 'has no stream at the configured URL (404); check streams.main' : 'is not sending video'}: ${failure.detail || 'connection lost'}`);
        return this.backoff.next(ranMs);
      }
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
