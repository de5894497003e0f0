/**
 * The recordings bench/storage.ts weighs: Hearth's own recorder argv (recorderArgs, both
 * outputs, the live pipe thrown away) pointed at streams of known bitrate, for a window of
 * whole 10 s segments. Streams: the simulator's scenes over RTSP (default ~100 kbit/s, the
 * same with its AAC tone, noise ~1.5 Mbit/s) and libx264 clips at set bitrates encoded the
 * way the simulator encodes (fixed 2 s GOP, 15 fps, SPS/PPS before each IDR), read as MPEG-TS.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { recorderArgs } from '../src/ffmpeg/args.ts';
import { ffmpegPathSync, ffprobePathSync } from '../src/ffmpeg/locate.ts';
import { accountSegment, type BoxBytes } from './storageBoxes.ts';

export const storageSegmentSeconds = 10;

export interface StorageStream {
  label: string;
  /** rtsp://… (simulator) or an MPEG-TS clip path, as recorderArgs takes either. */
  input: string;
}

export interface StorageRun {
  label: string;
  /** Segments measured: the recorder's listed segments less the first (short, cut at the clock) and the last (cut by the stop). */
  segments: number;
  mediaSeconds: number;
  fileBytes: number;
  /** The stream itself: the sum of every packet's size (video and audio) as ffprobe reports them, in the same segments. */
  packetBytes: number;
  fragments: number;
  samples: number;
  /** Overhead by box category (bench/storageBoxes.ts), bytes per second of media. */
  overheadPerSecond: Record<string, number>;
}

/** A clip at `kbps` like the simulator's main stream (libx264 ultrafast baseline, 2 s GOP), with noise so the rate is reached. */
export function encodeClip(file: string, kbps: number, seconds = 20): void {
  execFileSync(ffmpegPathSync(), [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=s=640x360:r=15,noise=alls=${Math.max(1, Math.round(kbps / 25))}:allf=t`,
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
    '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-bf', '0',
    '-b:v', `${kbps}k`, '-maxrate', `${Math.round(kbps * 1.5)}k`, '-bufsize', `${kbps * 2}k`,
    '-flags:v', '+global_header', '-bsf:v', 'dump_extra=freq=keyframe',
    '-f', 'mpegts', file,
  ], { timeout: 120_000 });
}

interface Recorder {
  stream: StorageStream;
  dir: string;
  child: ChildProcess;
}

function startRecorder(stream: StorageStream, root: string): Recorder {
  const dir = path.join(root, stream.label.replace(/[^A-Za-z0-9]+/g, '-'));
  mkdirSync(dir, { recursive: true });
  const list = openSync(path.join(dir, 'list.csv'), 'w');
  const args = recorderArgs({
    inputUrl: stream.input,
    segmentPattern: path.join(dir, '%Y%m%dT%H%M%SZ.mp4'),
    segmentSeconds: storageSegmentSeconds,
    rotationOffsetSeconds: 0,
    audio: 'copy',
    ioTimeoutSeconds: 10,
    segmentListFd: 3,
  });
  const child = spawn(ffmpegPathSync(), args, { stdio: ['ignore', 'ignore', 'ignore', list] });
  closeSync(list);
  return { stream, dir, child };
}

async function stop(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function probe(file: string): { seconds: number; packetBytes: number } {
  const out = execFileSync(ffprobePathSync(), ['-v', 'error', '-show_entries', 'packet=size:format=duration', '-of', 'json', file], {
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const parsed = JSON.parse(out.toString()) as { packets?: { size?: string }[]; format?: { duration?: string } };
  return {
    seconds: Number(parsed.format?.duration ?? 0),
    packetBytes: (parsed.packets ?? []).reduce((sum, p) => sum + Number(p.size ?? 0), 0),
  };
}

function measure(recorder: Recorder): StorageRun {
  const listed = readFileSync(path.join(recorder.dir, 'list.csv'), 'utf8')
    .split('\n')
    .map((line) => /^"?([^",]+)"?,/.exec(line.trim())?.[1])
    .filter((name): name is string => name !== undefined);
  const measured = listed.slice(1, -1);
  const boxes: BoxBytes = {};
  let mediaSeconds = 0;
  let fileBytes = 0;
  let packetBytes = 0;
  let fragments = 0;
  let samples = 0;
  for (const name of measured) {
    const file = path.join(recorder.dir, name);
    const bytes = new Uint8Array(readFileSync(file));
    const counted = accountSegment(bytes, boxes);
    const p = probe(file);
    fileBytes += bytes.length;
    packetBytes += p.packetBytes;
    mediaSeconds += p.seconds;
    fragments += counted.fragments;
    samples += counted.samples;
  }
  const overheadPerSecond: Record<string, number> = {};
  for (const [key, n] of Object.entries(boxes)) {
    if (key !== 'mdat payload' && mediaSeconds > 0) overheadPerSecond[key] = Math.round((n / mediaSeconds) * 10) / 10;
  }
  // The mdat payload must be the packets exactly; anything else would be overhead this table misses.
  const unexplained = (boxes['mdat payload'] ?? 0) - packetBytes;
  if (unexplained !== 0 && mediaSeconds > 0) overheadPerSecond['mdat payload beyond packets'] = Math.round((unexplained / mediaSeconds) * 10) / 10;
  return { label: recorder.stream.label, segments: measured.length, mediaSeconds, fileBytes, packetBytes, fragments, samples, overheadPerSecond };
}

/** Records every stream at once for `windowSeconds`, then weighs the whole segments. */
export async function recordStreams(streams: StorageStream[], root: string, windowSeconds: number): Promise<StorageRun[]> {
  const recorders = streams.map((s) => startRecorder(s, root));
  try {
    await new Promise((resolve) => setTimeout(resolve, windowSeconds * 1000));
  } finally {
    await Promise.all(recorders.map((r) => stop(r.child, 5_000)));
  }
  return recorders.map(measure);
}
