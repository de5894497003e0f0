/**
 * One supervisor per camera: checks storage and identity, runs the recorder's ffmpeg,
 * indexes what it writes, and restarts it with backoff. Its state is what the camera
 * page shows (docs/DESIGN.md, "Never silently stop").
 *
 * Identity is checked before every run and again every `identityRecheckMs` while
 * recording (identityWatch.ts). A different device found mid-run stops the recorder at
 * once and sets aside (quarantines) everything written since the last good check: those
 * segments cannot be proven to be this camera's, so they are neither served nor deleted.
 * The run's files are indexed or set aside by runFiles.ts; the per-run watchdog is
 * watchdog.ts, what follows a failure exitPolicy.ts, and the homeowner's words messages.ts.
 */
import { redactCredentials } from '../../net/redactCredentials.ts';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../log.ts';
import { LiveFeed } from '../../live/liveFeed.ts';
import { startRecorderProcess, type RecorderExit, type RecorderRun } from '../recorderProcess.ts';
import { SegmentClock } from '../segmentClock.ts';
import { segmentPattern, streamDirName } from '../layout.ts';
import { Backoff } from '../../util/backoff.ts';
import { classifyExit, type Failure } from './failureReason.ts';
import { StreamChoice } from '../streamChoice.ts';
import type { CameraState, CameraStatus } from '../../cameras/cameraStatus.ts';
import { IdentityWatch } from '../../cameras/identityWatch.ts';
import { RunFiles } from './runFiles.ts';
import { systemClock, type SupervisorClock } from './clock.ts';
import { readFreeBytes, statfsFreeBytes } from './freeSpace.ts';
import { ExitPolicy, type Verdict } from './exitPolicy.ts';
import { supervisorMessages } from './messages.ts';
import { watchRun } from './watchdog.ts';
import type { StartRun, SupervisorOptions } from './supervisorOptions.ts';

export type { StartRun, SupervisorOptions } from './supervisorOptions.ts';

const storageRecheckMs = 10_000;
/** Grace for ffmpeg to finish its segment when the supervisor restarts a run. */
const restartGraceMs = 2_000;
/** A run this long that recorded lets the next one on the same URL skip the probe. */
const recordedWellMs = 10_000;

export class CameraSupervisor {
  readonly live: LiveFeed;
  /** State and last error; audio and identity are read live in getStatus(). */
  private status: Omit<CameraStatus, 'audio' | 'audioNote' | 'identity'>;
  private readonly backoff: Backoff;
  private readonly policy: ExitPolicy;
  private readonly segmentClock: SegmentClock;
  private readonly clock: SupervisorClock;
  private readonly startRun: StartRun;
  private readonly log: Logger;
  private readonly identity: IdentityWatch;
  private readonly files: RunFiles;
  private readonly stream: StreamChoice;
  private stopping = false;
  private run: RecorderRun | null = null;
  private wake: (() => void) | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private segmentWork: Promise<void> = Promise.resolve();
  private runUrl: string | null = null;
  /** refresh() came while no sleep was pending: skip the next wait. */
  private refreshPending = false;

  constructor(private readonly options: SupervisorOptions) {
    this.clock = options.clock ?? systemClock;
    this.startRun = options.startRun ?? startRecorderProcess;
    const now = (): number => this.clock.now();
    this.live = new LiveFeed(options.cameraId);
    this.backoff = new Backoff(options.backoff, options.random);
    this.policy = new ExitPolicy({ camera: options, backoff: this.backoff, offlineAfterMs: options.offlineAfterMs, now });
    this.segmentClock = new SegmentClock(options.lastEndMs);
    this.log = options.log.child({ camera: options.cameraId });
    this.identity = new IdentityWatch({ cameraId: options.cameraId, cameraName: options.cameraName, identityCheck: options.identityCheck, log: this.log, now });
    this.stream = new StreamChoice({ ioTimeoutSeconds: options.ioTimeoutSeconds, log: this.log, probe: options.probe, freeBytes: () => this.freeBytes(), lowSpaceBytes: options.lowSpaceBytes });
    this.files = new RunFiles({ cameraId: options.cameraId, root: options.root, log: this.log, indexer: options.indexer, clock: this.segmentClock, stream: options.stream, now });
    this.status = { cameraId: options.cameraId, state: 'connecting', lastError: null, lastErrorAtMs: null, sinceMs: now() };
  }

  start(): void {
    this.loopDone = this.loop().catch((error: unknown) => {
      // A bug here must not take Hearth down, nor stop silently: show it on the camera.
      this.log.error('camera supervisor crashed', { event: 'camera.supervisor_crashed', error: (error as Error).stack ?? String(error) });
      this.setState('offline', supervisorMessages.internalError(this.options, error as Error));
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
      void this.options.resolveInput().then((input) => {
        if (this.run === run && !this.stopping && (!input.ok || input.url !== runUrl)) {
          this.log.info('stream address changed; reconnecting', { event: 'recorder.url_changed' });
          void run.stop(restartGraceMs);
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
    void this.run.stop(restartGraceMs);
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
      const storage = this.options.checkStorage();
      if (!storage.ok) {
        this.setState('storage_missing', supervisorMessages.storageMissing(this.options, storage.reason));
        await this.sleep(storageRecheckMs);
        continue;
      }
      const refusal = await this.identity.checkBeforeRun();
      if (refusal !== null) {
        await this.sleep(this.show(this.policy.whileRefused(refusal)));
        continue;
      }
      if (this.lowOnSpace()) {
        // Starting ffmpeg on a full disk would only write empty files: prune, and wait.
        this.setState('disk_full', supervisorMessages.diskFullBeforeRun(this.options));
        await this.options.pruneForSpace();
        if (this.lowOnSpace()) {
          await this.sleep(this.policy.stillNoSpace());
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

  /** One ffmpeg run, start to exit; returns how long to wait before the next. */
  private async runOnce(): Promise<number> {
    // While failing, keep showing why (retrying, auth_failed, …) until video flows again.
    if (['recording', 'storage_missing', 'identity_mismatch'].includes(this.status.state)) this.setState('connecting', null);
    const runId = randomBytes(3).toString('hex');
    const runStartMs = this.clock.now();
    this.files.ensureDayDirs(runStartMs);
    this.segmentClock.newRun();
    this.live.restart();
    const input = await this.options.resolveInput();
    if (this.stopping) return 0;
    if (!input.ok) return this.show(this.policy.unresolved(input, runStartMs));
    this.runUrl = input.url;
    const refused = await this.stream.beforeRun(input.url, runStartMs);
    if (this.stopping) return 0;
    if (refused) {
      this.log.info('the stream could not be opened; not starting the recorder', { event: 'recorder.probe_failed', kind: refused.kind, error: refused.detail });
      return this.afterFailure(refused, this.clock.now() - runStartMs, runStartMs);
    }
    const listed = new Set<string>();
    const exit = await this.recordUntilExit(runId, input.url, listed);
    await this.segmentWork;
    if (this.identity.quarantineFromMs !== null) return this.setAsideRun(runId, runStartMs, listed);
    await this.files.indexPartials(runId, runStartMs, listed);

    const wasRecording = this.status.state === 'recording';
    this.log.info('recorder exited', { event: 'recorder.exited', code: exit.code, signal: exit.signal, ranMs: exit.ranMs, run: runId });
    if (this.stopping) return 0;
    const failure = classifyExit(exit, this.freeBytes(), this.options.lowSpaceBytes);
    if (wasRecording) this.policy.recordingEnded();
    return this.afterFailure(failure, exit.ranMs, runStartMs);
  }

  /** Starts the recorder and watches it (fragments, watchdog, identity re-checks) until it exits. */
  private async recordUntilExit(runId: string, url: string, listed: Set<string>): Promise<RecorderExit> {
    const { options } = this;
    // The stall watchdog counts from ffmpeg's start, not from before the ONVIF and probe steps.
    const recorderStartMs = this.clock.now();
    let lastFragmentMs = 0;
    const run = this.startRun(
      {
        inputUrl: url,
        segmentPattern: segmentPattern(options.root, streamDirName(options.cameraId, options.stream ?? 'main'), runId),
        segmentSeconds: options.segmentSeconds,
        rotationOffsetSeconds: options.rotationOffsetSeconds,
        audio: this.stream.audio.mode,
        videoCodec: this.stream.videoCodec,
        ioTimeoutSeconds: options.ioTimeoutSeconds,
      },
      {
        live: this.live,
        onSpawn: (pid) => options.registry.track(pid, options.cameraId),
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
      lastFragmentMs = this.clock.now();
      if (!checkedAfterConnect) {
        checkedAfterConnect = true;
        void this.recheckIdentity(run);
      }
      if (this.status.state !== 'recording' && this.identity.quarantineFromMs === null) {
        this.policy.recovered();
        this.setState('recording', null);
      }
    };
    this.live.on('fragment', onFragment);
    const stopRun = (): void => void run.stop(restartGraceMs);
    const stopWatchdog = watchRun({
      clock: this.clock,
      stallMs: options.stallMs,
      log: this.log,
      storageOk: () => options.checkStorage().ok,
      ensureDayDirs: (nowMs) => this.files.ensureDayDirs(nowMs),
      lastSignMs: () => Math.max(lastFragmentMs, recorderStartMs),
      lowOnSpace: () => this.lowOnSpace(),
      pruneForSpace: () => options.pruneForSpace(),
      stopRun,
    });
    const recheck = options.identityRecheckMs > 0 ? this.clock.setInterval(() => void this.recheckIdentity(run), options.identityRecheckMs) : null;
    options.onChange?.();

    const exit = await run.exited;
    this.stream.runEnded(this.status.state === 'recording' && this.identity.quarantineFromMs === null && exit.ranMs > recordedWellMs);
    stopWatchdog();
    if (recheck !== null) this.clock.clearInterval(recheck);
    this.live.off('fragment', onFragment);
    options.registry.untrack(run.pid);
    this.run = null;
    options.onChange?.();
    return exit;
  }

  /** The periodic identity check of a run; a different device stops it at once. */
  private recheckIdentity(run: RecorderRun): Promise<void> {
    return this.identity.recheckWhileRecording(
      () => this.run === run && !this.stopping,
      (message) => {
        this.setState('identity_mismatch', message);
        // Viewers stop seeing the stream now, not when ffmpeg has finished its segment.
        this.live.restart();
        void run.stop(restartGraceMs);
      },
    );
  }

  /** Another device answered mid-run: set aside what it wrote since the last good check. */
  private async setAsideRun(runId: string, runStartMs: number, listed: Set<string>): Promise<number> {
    const since = this.identity.quarantineFromMs ?? runStartMs;
    await this.files.quarantinePartials(runId, runStartMs, listed);
    // Rows the indexer still holds go in first, so they are found and moved too.
    this.options.indexer.flush();
    const moved = await this.options.quarantineSince(since);
    this.identity.clearQuarantine();
    this.log.warn('recordings since the last good identity check set aside', { event: 'camera.quarantined', sinceMs: since, segments: moved });
    if (this.stopping) return 0;
    return this.policy.afterQuarantine();
  }

  /** Shows why a run failed (or could not start) and returns how long to wait before the next. */
  private async afterFailure(failure: Failure, ranMs: number, runStartMs: number): Promise<number> {
    const decided = this.policy.afterFailure(failure, ranMs, runStartMs);
    if (decided.kind === 'audio_refused') {
      const refusedMode = this.stream.refuseAudio(decided.detail);
      this.log.warn('camera audio could not be recorded that way; changing how audio is recorded', { event: 'recorder.audio_fallback', refused: refusedMode, audio: this.stream.audio.mode, error: decided.detail });
      return this.policy.afterAudioRefused(refusedMode, ranMs);
    }
    const retryInMs = this.show(decided.verdict);
    if (decided.pruneForSpace) await this.options.pruneForSpace();
    return retryInMs;
  }

  /** Shows a verdict's state and message; returns its wait. */
  private show(verdict: Verdict): number {
    this.setState(verdict.state, verdict.message);
    return verdict.retryInMs;
  }

  private lowOnSpace(): boolean {
    const free = this.freeBytes();
    return free !== null && free < this.options.lowSpaceBytes;
  }

  private freeBytes(): number | null {
    return readFreeBytes(this.options.freeBytes ?? statfsFreeBytes, this.options.root, this.log);
  }

  private setState(state: CameraState, error: string | null): void {
    // ffmpeg's errors repeat the stream URL: the password must not reach viewers or the log.
    if (error !== null) error = redactCredentials(error);
    const stateChanged = state !== this.status.state;
    const changed = stateChanged || (error !== null && error !== this.status.lastError);
    const now = this.clock.now();
    if (stateChanged) this.status.sinceMs = now;
    this.status.state = state;
    if (error !== null) {
      this.status.lastError = error;
      this.status.lastErrorAtMs = now;
    }
    if (changed) {
      const fields = { event: 'camera.state', state, error: error ?? undefined };
      if (error) this.log.warn(`camera ${state}`, fields);
      else this.log.info(`camera ${state}`, fields);
    }
    if (stateChanged) this.options.onChange?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.refreshPending) {
      this.refreshPending = false;
      return Promise.resolve();
    }
    if (this.stopping || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.clock.clearTimeout(timer);
        this.wake = null;
        this.refreshPending = false;
        resolve();
      };
      const timer = this.clock.setTimeout(done, ms);
      this.wake = done;
    });
  }
}
