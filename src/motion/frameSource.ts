/**
 * One long-running ffmpeg per camera that decodes a stream into small frames for motion
 * detection. Spawned directly and stopped with SIGINT (docs/DESIGN.md, "Recorders spawn ffmpeg directly"); when it
 * exits for any reason (exit code 0 included: that is how ffmpeg 5.1 reports a dropped
 * RTSP connection) it is restarted after a capped, fully jittered backoff. A stream that
 * stays open but sends nothing is restarted by a watchdog. Frames carry the wall time
 * they arrived, which is what events are stamped with.
 */
import { ffmpegPathSync } from '../ffmpeg/locate.ts';
import { discardedOutputGraceMs, spawnChild, type Child } from '../ffmpeg/child.ts';
import { motionFrameArgs } from '../ffmpeg/args.ts';
import { Backoff, type BackoffPolicy, defaultBackoff } from '../util/backoff.ts';
import type { Logger } from '../log.ts';
import { defaultStallMs } from '../config/schema.ts';
import { Y4mReader, type Y4mFormat } from './y4mReader.ts';

export interface FrameSourceOptions {
  cameraId: string;
  inputUrl: string;
  fps: number;
  width: number;
  log: Logger;
  /** Receives each frame (a reused buffer: copy what you keep) and its arrival time. */
  onFrame(frame: Uint8Array, format: Y4mFormat, wallMs: number): void;
  ioTimeoutSeconds?: number;
  /** No frame for this long restarts ffmpeg (a camera that froze without closing). */
  stallMs?: number;
  /** Non-RTSP inputs: read at native rate, as a camera would send. */
  realtime?: boolean;
  /**
   * Tests and the bench: decode a file or lavfi input once, as fast as ffmpeg can, and
   * stamp frame n with start + n/fps (its stream time) instead of its arrival. When the
   * input ends the decoder is not restarted and `ended` resolves.
   */
  offline?: boolean;
  /** Offline: the time frame 0 is stamped with (default: its arrival). */
  offlineOriginMs?: number;
  backoff?: BackoffPolicy;
}

export interface FrameSource {
  stop(): Promise<void>;
  /** Restarts so far (a test and `hearth doctor` figure). */
  restarts(): number;
  /** Offline inputs: resolves with the frame count once the input has been decoded to its end. */
  ended: Promise<number>;
}

const maxErrorLines = 10;

export function startFrameSource(options: FrameSourceOptions): FrameSource {
  const log = options.log.child({ camera: options.cameraId });
  const backoff = new Backoff(options.backoff ?? defaultBackoff);
  const stallMs = options.stallMs ?? defaultStallMs;
  const args = motionFrameArgs({
    inputUrl: options.inputUrl,
    fps: options.fps,
    width: options.width,
    ioTimeoutSeconds: options.ioTimeoutSeconds ?? 10,
    realtime: options.realtime ?? false,
    offline: options.offline ?? false,
  });
  const offline = options.offline ?? false;
  let frames = 0;
  let offlineStartMs = 0;
  let endedResolve: (frames: number) => void = () => undefined;
  const ended = new Promise<number>((resolve) => (endedResolve = resolve));
  let child: Child | null = null;
  let closed: Promise<void> = Promise.resolve();
  let stopping = false;
  let restartTimer: NodeJS.Timeout | null = null;
  let lastFrameMs = 0;
  let restarts = 0;

  const run = (): void => {
    restartTimer = null;
    if (stopping) return;
    const startedAtMs = Date.now();
    lastFrameMs = startedAtMs;
    const proc = spawnChild(ffmpegPathSync(), args, { stdio: ['ignore', 'pipe', 'pipe'] }, { lines: maxErrorLines, lineChars: 300 });
    child = proc;
    let failure: string | null = null;
    const reader = new Y4mReader(
      (format) => log.info('motion decoder streaming', { event: 'motion.decoder_started', width: format.width, height: format.height, pid: proc.pid }),
      (frame, format) => {
        lastFrameMs = Date.now();
        if (frames === 0) offlineStartMs = options.offlineOriginMs ?? lastFrameMs;
        const stampMs = offline ? offlineStartMs + Math.round((frames * 1000) / options.fps) : lastFrameMs;
        frames++;
        options.onFrame(frame, format, stampMs);
      },
    );
    proc.process.stdout?.on('data', (chunk: Buffer) => {
      if (failure !== null) return;
      try {
        reader.push(chunk);
      } catch (error) {
        // A garbled stream or a throwing consumer: restart the decoder rather than die.
        failure = (error as Error).message;
        log.error('motion frame handling failed', { event: 'motion.frame_failed', error: failure });
        proc.process.kill('SIGINT');
      }
    });
    closed = proc.exited.then(({ code, signal, spawnError }) => {
      child = null;
      if (offline && code === 0 && failure === null) {
        endedResolve(frames);
        return;
      }
      if (stopping) return;
      const ranMs = Date.now() - startedAtMs;
      const delayMs = backoff.next(ranMs);
      restarts++;
      const lastError = spawnError ? `cannot run ffmpeg: ${spawnError.message}` : (proc.stderrTail().at(-1) ?? failure ?? null);
      log.warn('motion decoder exited; restarting', { event: 'motion.decoder_exited', code, signal, ranMs, retryInMs: delayMs, lastError });
      restartTimer = setTimeout(run, delayMs);
    });
  };

  const watchdog = setInterval(() => {
    if (child && Date.now() - lastFrameMs > stallMs) {
      log.warn('no motion frames; restarting the decoder', { event: 'motion.decoder_stalled', stalledMs: Date.now() - lastFrameMs });
      lastFrameMs = Date.now();
      void child.stop(discardedOutputGraceMs);
    }
  }, Math.min(stallMs, 5_000));
  watchdog.unref();

  run();
  return {
    ended,
    restarts: () => restarts,
    stop: async () => {
      stopping = true;
      clearInterval(watchdog);
      if (restartTimer) clearTimeout(restartTimer);
      if (child) await child.stop(discardedOutputGraceMs);
      await closed;
    },
  };
}
