/**
 * Motion CPU per camera against its floor: ffmpeg decoding the same input at the same
 * rate and size with the frames thrown away. The input is an H.264 640×360 15 fps file
 * read at native rate, standing in for a camera's sub stream.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ffmpegPathSync } from '../src/ffmpeg/locate.ts';
import { motionDecodeFloorArgs, motionFrameArgs } from '../src/ffmpeg/args.ts';
import { MotionDetector } from '../src/motion/detector.ts';
import { EventTracker } from '../src/motion/events.ts';
import { Y4mReader } from '../src/motion/y4mReader.ts';
import { lavfiScenes } from './motionScenes.ts';
import { readProcStat } from '../src/system/procFs.ts';

export interface MotionCpuFigures {
  seconds: number;
  /** Percent of one core. */
  floorFfmpegPercent: number;
  motionFfmpegPercent: number;
  /** The whole Node side: pipe reads, Y4M parsing, detector, hysteresis. */
  motionNodePercent: number;
  detectorOnlyPercent: number;
  /** (motion ffmpeg + Node) / floor − 1: what motion costs on top of decoding. */
  addedOverFloor: number;
  /** Detector time / floor: the detector's own share (target < 0.25). */
  detectorOverFloor: number;
  detectorMsPerFrame: number;
}

export class MotionCpuError extends Error {
  override name = 'MotionCpuError';
}

export async function measureMotionCpu(seconds = 15): Promise<MotionCpuFigures> {
  const input = await substreamFixture();
  const common = { inputUrl: input, fps: 5, width: 320, ioTimeoutSeconds: 10, realtime: true };

  const floor = spawn(ffmpegPathSync(), motionDecodeFloorArgs(common), { stdio: ['ignore', 'ignore', 'ignore'] });
  const floorMs = await cpuOver(floor, seconds);

  let detector: MotionDetector | null = null;
  const tracker = new EventTracker();
  let detectorMs = 0;
  let frames = 0;
  const reader = new Y4mReader(
    (f) => {
      detector = new MotionDetector({ width: f.width, height: f.height, fps: 5, sensitivity: 50 });
    },
    (frame) => {
      const before = performance.now();
      tracker.observe(Date.now(), detector!.process(frame));
      detectorMs += performance.now() - before;
      frames++;
    },
  );
  const motion = spawn(ffmpegPathSync(), motionFrameArgs(common), { stdio: ['ignore', 'pipe', 'ignore'] });
  motion.stdout?.on('data', (chunk: Buffer) => reader.push(chunk));
  const nodeBefore = process.cpuUsage();
  const motionMs = await cpuOver(motion, seconds);
  const nodeUsage = process.cpuUsage(nodeBefore);
  const nodeMs = (nodeUsage.user + nodeUsage.system) / 1000;

  const pct = (ms: number): number => Math.round((ms / (seconds * 1000)) * 1000) / 10;
  return {
    seconds,
    floorFfmpegPercent: pct(floorMs),
    motionFfmpegPercent: pct(motionMs),
    motionNodePercent: pct(nodeMs),
    detectorOnlyPercent: pct(detectorMs),
    addedOverFloor: Math.round(((motionMs + nodeMs) / floorMs - 1) * 100) / 100,
    detectorOverFloor: Math.round((detectorMs / floorMs) * 100) / 100,
    detectorMsPerFrame: Math.round((detectorMs / Math.max(1, frames)) * 1000) / 1000,
  };
}

/** CPU ms a child used during `seconds` of running (measured just before it is stopped). */
async function cpuOver(child: ChildProcess, seconds: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 1_000));
  const start = processCpuMs(child.pid ?? -1);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const end = processCpuMs(child.pid ?? -1);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.kill('SIGINT');
  await closed;
  if (start === null || end === null) throw new MotionCpuError('ffmpeg exited during the CPU measurement');
  // The first second (start-up, probing) is left out of both runs alike.
  return ((end - start) * seconds) / seconds;
}

function processCpuMs(pid: number): number | null {
  return readProcStat(pid)?.ownCpuMs ?? null;
}

/** 20 s of the person scene as H.264 640×360 at 15 fps with a 2 s GOP, made once per machine. */
async function substreamFixture(): Promise<string> {
  const dir = path.join(os.tmpdir(), 'hearth-motion-bench');
  const file = path.join(dir, 'substream-640x360-15fps.mp4');
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const scene = lavfiScenes().find((s) => s.name === 'person');
  if (!scene) throw new MotionCpuError('person scene missing');
  const result = spawnSync(
    ffmpegPathSync(),
    ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', scene.inputUrl.slice('lavfi:'.length), '-t', '20', '-r', '15',
      '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-pix_fmt', 'yuv420p', file],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0) throw new MotionCpuError(`cannot make the CPU fixture: ${result.stderr}`);
  return file;
}
