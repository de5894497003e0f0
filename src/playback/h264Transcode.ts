/**
 * On-demand H.264 copies of recorded H.265 segments, for browsers that cannot decode
 * HEVC (Chromium and Firefox on most machines). A copy is made only when a viewer asks for
 * it, one segment at a time, and is kept a little while so a second viewer, a seek back or
 * a reload reuses it. Bounds, because this is the one place Hearth spends real CPU on
 * playback:
 *  - at most one ffmpeg per camera: viewers of the same segment share its job, requests
 *    for other segments of that camera queue behind it (a few at most);
 *  - at most `maxConcurrent` cameras converting at once on the whole box, beyond which
 *    callers get TranscodeBusyError (the route answers 503 with Retry-After);
 *  - a job nobody waits for any more (every viewer left) is stopped after `idleStopMs`
 *    (SIGINT, then SIGKILL after a grace period), and its partial file removed;
 *  - every job has a wall-clock limit; copies expire `cacheTtlMs` after their last use.
 * Input files come from segment rows the route resolved inside the recording root; the
 * cache file names are made here from row ids, never from anything in a request.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.ts';
import { playbackH264Args } from '../ffmpeg/args.ts';
import { discardedOutputGraceMs, spawnChild, type Child } from '../ffmpeg/child.ts';

export interface H264TranscoderOptions {
  ffmpegPath: string;
  /** Private folder for the copies; emptied at start (copies are only a cache). */
  cacheDir: string;
  log: Logger;
  /** Cameras converting at once on the box. A Pi 4/5 has 4 cores; one 720p transcode takes about a fifth of one. */
  maxConcurrent?: number;
  /** Segments queued per camera behind the running one. */
  maxQueuedPerCamera?: number;
  /** How long a job outlives its last waiting viewer (a reload or the next segment request comes within it). */
  idleStopMs?: number;
  /** How long a finished copy is kept after it was last served. */
  cacheTtlMs?: number;
  /** One segment taking longer than this to convert means the box cannot keep up: stop it. */
  jobTimeoutMs?: number;
  /** Decoder options before `-i` (see playbackH264Args): [] here, ['-hwaccel', 'drm'] on a Pi with the HEVC block. */
  hwDecode?: readonly string[];
}

/** Beyond the box-wide bound: the caller answers 503 with this reason and Retry-After. */
export class TranscodeBusyError extends Error {
  override name = 'TranscodeBusyError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class TranscodeFailedError extends Error {
  override name = 'TranscodeFailedError';
}

/** A viewer's interest in one copy; `release()` when its response ends, served or not. */
export interface TranscodeLease {
  /** Resolves with the absolute path of the finished H.264 copy. */
  file: Promise<string>;
  release(): void;
}

interface Job {
  segmentId: number;
  inputFile: string;
  waiters: number;
  state: 'queued' | 'running';
  child: Child | null;
  idleTimer: NodeJS.Timeout | null;
  resolve(file: string): void;
  reject(error: Error): void;
  promise: Promise<string>;
}

interface CameraLane {
  running: Job | null;
  queue: Job[];
}

interface CachedCopy {
  cameraId: string;
  file: string;
  lastUsedMs: number;
}

export class H264Transcoder {
  private readonly lanes = new Map<string, CameraLane>();
  private readonly jobs = new Map<number, Job>();
  private readonly cached = new Map<number, CachedCopy>();
  /** Runs only while copies or jobs exist: an idle Hearth keeps no timer for this. */
  private sweeper: NodeJS.Timeout | null = null;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly idleStopMs: number;
  private readonly cacheTtlMs: number;
  private readonly jobTimeoutMs: number;
  private startedCount = 0;

  constructor(private readonly o: H264TranscoderOptions) {
    this.maxConcurrent = o.maxConcurrent ?? 2;
    this.maxQueued = o.maxQueuedPerCamera ?? 3;
    this.idleStopMs = o.idleStopMs ?? 3_000;
    this.cacheTtlMs = o.cacheTtlMs ?? 120_000;
    this.jobTimeoutMs = o.jobTimeoutMs ?? 120_000;
    // Copies are only a cache: a previous run's are dropped; the folder is made by the first job.
    rmSync(o.cacheDir, { recursive: true, force: true });
  }

  /**
   * The H.264 copy of one segment: a cached one, the job already making it, or a new job.
   * Throws TranscodeBusyError past the box-wide or per-camera bound.
   */
  lease(cameraId: string, segmentId: number, inputFile: string): TranscodeLease {
    const copy = this.cached.get(segmentId);
    if (copy && fileExists(copy.file)) {
      copy.lastUsedMs = Date.now();
      return { file: Promise.resolve(copy.file), release: () => undefined };
    }
    this.cached.delete(segmentId);
    let job = this.jobs.get(segmentId);
    if (!job) job = this.enqueue(cameraId, segmentId, inputFile);
    const joined = job;
    joined.waiters += 1;
    if (joined.idleTimer) clearTimeout(joined.idleTimer);
    joined.idleTimer = null;
    let released = false;
    return {
      file: joined.promise,
      release: () => {
        if (released) return;
        released = true;
        joined.waiters -= 1;
        if (joined.waiters === 0 && this.jobs.get(joined.segmentId) === joined) this.scheduleIdleStop(cameraId, joined);
      },
    };
  }

  /** Running and queued jobs per camera, and how many ffmpeg were ever started: for /metrics and tests. */
  stats(): { cameras: Array<{ cameraId: string; running: number | null; pid: number | undefined; queued: number; viewers: number }>; started: number; cachedCopies: number } {
    return {
      cameras: [...this.lanes].map(([cameraId, lane]) => ({
        cameraId,
        running: lane.running?.segmentId ?? null,
        pid: lane.running?.child?.pid,
        queued: lane.queue.length,
        viewers: (lane.running?.waiters ?? 0) + lane.queue.reduce((n, j) => n + j.waiters, 0),
      })),
      started: this.startedCount,
      cachedCopies: this.cached.size,
    };
  }

  stopAll(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const [cameraId, lane] of this.lanes) {
      for (const job of [...lane.queue, ...(lane.running ? [lane.running] : [])]) this.cancel(cameraId, job, 'Hearth is stopping');
    }
  }

  private enqueue(cameraId: string, segmentId: number, inputFile: string): Job {
    let lane = this.lanes.get(cameraId);
    if (!lane && this.lanes.size >= this.maxConcurrent) {
      throw new TranscodeBusyError(
        `this box is already converting H.265 recordings of ${this.lanes.size} other camera(s) for browsers that cannot play H.265 (at most ${this.maxConcurrent} at once); try again in a few seconds, watch in Safari or Edge, or download the range`,
        10,
      );
    }
    if (lane && lane.queue.length >= this.maxQueued) {
      throw new TranscodeBusyError(`camera ${cameraId} already has ${lane.queue.length} recordings waiting to be converted for other viewers; try again in a few seconds`, 5);
    }
    if (!lane) {
      lane = { running: null, queue: [] };
      this.lanes.set(cameraId, lane);
    }
    let resolve!: (file: string) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<string>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // a job nobody waits for any more may still fail
    const job: Job = { segmentId, inputFile, waiters: 0, state: 'queued', child: null, idleTimer: null, resolve, reject, promise };
    this.jobs.set(segmentId, job);
    lane.queue.push(job);
    this.next(cameraId, lane);
    return job;
  }

  private next(cameraId: string, lane: CameraLane): void {
    if (lane.running) return;
    const job = lane.queue.shift();
    if (!job) {
      this.lanes.delete(cameraId);
      return;
    }
    lane.running = job;
    job.state = 'running';
    const finalFile = path.join(this.o.cacheDir, `${job.segmentId}.mp4`);
    const partial = path.join(this.o.cacheDir, `${job.segmentId}.partial.mp4`);
    mkdirSync(this.o.cacheDir, { recursive: true, mode: 0o750 });
    this.ensureSweeper();
    const args = playbackH264Args({ inputFile: job.inputFile, outputFile: partial, hwDecode: this.o.hwDecode ?? [] });
    const startedAt = Date.now();
    const child = spawnChild(this.o.ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] }, { lines: 20, lineChars: 300 });
    job.child = child;
    this.startedCount += 1;
    this.o.log.info('playback transcode started', { event: 'playback.h264_start', camera: cameraId, segment: job.segmentId, pid: child.pid });
    const timeout = setTimeout(() => {
      this.o.log.warn('playback transcode took too long; stopping it', { event: 'playback.h264_timeout', camera: cameraId, segment: job.segmentId });
      this.cancel(cameraId, job, `converting this recording took over ${Math.round(this.jobTimeoutMs / 1000)} s: this box is too busy to convert H.265 in time; download the range instead`);
    }, this.jobTimeoutMs);
    timeout.unref();
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError: Error | null): void => {
      const stderr = child.stderrTail().join('\n');
      clearTimeout(timeout);
      if (job.child !== child) return; // already cancelled and settled
      job.child = null;
      this.jobs.delete(job.segmentId);
      if (job.idleTimer) clearTimeout(job.idleTimer);
      let renameError: Error | undefined;
      if (code === 0 && !spawnError) {
        try {
          renameSync(partial, finalFile);
        } catch (error) {
          renameError = error as Error;
        }
      }
      if (code === 0 && !spawnError && !renameError) {
        this.cached.set(job.segmentId, { cameraId, file: finalFile, lastUsedMs: Date.now() });
        this.o.log.info('playback transcode finished', { event: 'playback.h264_done', camera: cameraId, segment: job.segmentId, ms: Date.now() - startedAt });
        job.resolve(finalFile);
      } else {
        rmSync(partial, { force: true });
        const reason = spawnError?.message ?? renameError?.message ?? (stderr.trim().split('\n').at(-1) || `ffmpeg exited with ${signal ?? `code ${code}`}`);
        this.o.log.error('playback transcode failed', { event: 'playback.h264_failed', camera: cameraId, segment: job.segmentId, code, signal, stderr: stderr.slice(-300) });
        job.reject(new TranscodeFailedError(`Hearth could not convert this recording to H.264 for this browser: ${reason}`));
      }
      if (lane.running === job) lane.running = null;
      this.next(cameraId, lane);
    };
    void child.exited.then(({ code, signal, spawnError }) => finish(code, signal, spawnError));
  }

  private scheduleIdleStop(cameraId: string, job: Job): void {
    if (job.idleTimer) clearTimeout(job.idleTimer);
    job.idleTimer = setTimeout(() => {
      job.idleTimer = null;
      if (job.waiters === 0) this.cancel(cameraId, job, 'every viewer left');
    }, this.idleStopMs);
    job.idleTimer.unref();
  }

  /** Drops a queued job or stops a running one (SIGINT, SIGKILL after a grace); its waiters get `why`. */
  private cancel(cameraId: string, job: Job, why: string): void {
    if (this.jobs.get(job.segmentId) !== job) return;
    this.jobs.delete(job.segmentId);
    if (job.idleTimer) clearTimeout(job.idleTimer);
    const lane = this.lanes.get(cameraId);
    job.reject(new TranscodeFailedError(`the conversion of this recording was stopped: ${why}`));
    if (job.state === 'queued') {
      if (lane) lane.queue = lane.queue.filter((j) => j !== job);
      if (lane && !lane.running && lane.queue.length === 0) this.lanes.delete(cameraId);
      return;
    }
    const child = job.child;
    job.child = null;
    if (child) {
      void child.stop(discardedOutputGraceMs).then(() => {
        rmSync(path.join(this.o.cacheDir, `${job.segmentId}.partial.mp4`), { force: true });
        // The camera's lane frees only once its ffmpeg is really gone: never two per camera.
        if (lane && lane.running === job) lane.running = null;
        if (lane) this.next(cameraId, lane);
      });
    }
    this.o.log.info('playback transcode stopped', { event: 'playback.h264_stop', camera: cameraId, segment: job.segmentId, why });
  }

  private ensureSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      try {
        this.sweep();
      } catch (error) {
        this.o.log.warn('could not clear old playback copies', { event: 'playback.h264_sweep_failed', error: (error as Error).message });
      }
      if (this.cached.size === 0 && this.jobs.size === 0 && this.sweeper) {
        clearInterval(this.sweeper);
        this.sweeper = null;
      }
    }, Math.min(10_000, this.cacheTtlMs));
    this.sweeper.unref();
  }

  private sweep(): void {
    const cutoff = Date.now() - this.cacheTtlMs;
    for (const [segmentId, copy] of this.cached) {
      if (copy.lastUsedMs >= cutoff) continue;
      this.cached.delete(segmentId);
      rmSync(copy.file, { force: true });
    }
    // Anything else in the folder (a copy of a job that failed to clean up) goes too.
    const keep = new Set([...this.cached.values()].map((c) => path.basename(c.file)));
    for (const job of this.jobs.values()) keep.add(`${job.segmentId}.partial.mp4`);
    let names: string[];
    try {
      names = readdirSync(this.o.cacheDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // made again by the next job
      throw error;
    }
    for (const name of names) if (!keep.has(name)) rmSync(path.join(this.o.cacheDir, name), { force: true });
  }
}

function fileExists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
