/**
 * Runs the motion pipeline (decoder args, Y4M reader, detector, hysteresis) over one input
 * as fast as ffmpeg can produce frames, stamping frames with their stream time. Used by the
 * quality bench and the detector tests; the live path (frameSource) stamps wall time instead.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { ffmpegPathSync } from '../src/ffmpeg/locate.ts';
import { motionFrameArgs } from '../src/ffmpeg/args.ts';
import { MotionDetector, type Rect } from '../src/motion/detector.ts';
import { EventTracker, defaultEventPolicy, type EventPolicy } from '../src/motion/events.ts';
import { Y4mReader } from '../src/motion/y4mReader.ts';
import type { ScoredEvent } from '../test/helpers/eventScore.ts';

export interface OfflineRunOptions {
  inputUrl: string;
  fps?: number;
  width?: number;
  sensitivity?: number;
  masks?: Rect[];
  policy?: EventPolicy;
  /** Bound on the run: ffmpeg is stopped after this long (wall time). */
  timeoutMs?: number;
}

export interface OfflineRun {
  events: ScoredEvent[];
  frames: number;
  motionFrames: number;
  globalChanges: number;
  detectorMs: number;
}

export class OfflineRunError extends Error {
  override name = 'OfflineRunError';
}

export async function runOffline(options: OfflineRunOptions): Promise<OfflineRun> {
  const fps = options.fps ?? 5;
  const args = motionFrameArgs({ inputUrl: options.inputUrl, fps, width: options.width ?? 320, ioTimeoutSeconds: 10 });
  const tracker = new EventTracker(options.policy ?? defaultEventPolicy);
  const events: ScoredEvent[] = [];
  let detector: MotionDetector | null = null;
  let frames = 0;
  let motionFrames = 0;
  let globalChanges = 0;
  let detectorMs = 0;
  const frameMs = 1000 / fps;
  const reader = new Y4mReader(
    (format) => {
      detector = new MotionDetector({ width: format.width, height: format.height, fps, sensitivity: options.sensitivity ?? 50, masks: options.masks ?? [] });
    },
    (frame) => {
      const t = frames * frameMs;
      frames++;
      const before = performance.now();
      const verdict = detector!.process(frame);
      detectorMs += performance.now() - before;
      if (verdict.motion) motionFrames++;
      if (verdict.globalChange) globalChanges++;
      const step = tracker.observe(t, verdict);
      if (step === 'ended') events.push({ firstMotionMs: tracker.event.firstMotionMs, lastMotionMs: tracker.event.lastMotionMs, detectedAtMs: tracker.event.detectedAtMs });
    },
  );
  const child = spawn(ffmpegPathSync(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 20) stderr.shift();
  });
  child.stdout.on('data', (chunk: Buffer) => reader.push(chunk));
  const timer = setTimeout(() => child.kill('SIGINT'), options.timeoutMs ?? 120_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  clearTimeout(timer);
  if (code !== 0) throw new OfflineRunError(`ffmpeg exited with ${code}: ${stderr.join('').slice(-500)}`);
  if (tracker.finish()) events.push({ firstMotionMs: tracker.event.firstMotionMs, lastMotionMs: tracker.event.lastMotionMs, detectedAtMs: tracker.event.detectedAtMs });
  return { events, frames, motionFrames, globalChanges, detectorMs };
}
