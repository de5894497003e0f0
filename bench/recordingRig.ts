/**
 * The two sides of the recording bench, pointed at the same simulated cameras:
 *  - bare: N plain `ffmpeg -c copy -f segment` recorders, the floor;
 *  - Hearth: the real `hearth start` in a child process (discovery off) with a config
 *    listing the same N streams.
 * Both write into a temp dir; the caller samples their process trees from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ffmpegPathSync } from '../src/ffmpeg/locate.ts';
import { startHearthProcess, type RunningHearthProcess } from '../test/helpers/hearthProcess.ts';

export interface CameraStreams {
  main: string;
  sub: string;
}

export interface BareRecorders {
  pids: number[];
  /** Finished segments from each recorder's CSV list: bytes and seconds of media. */
  finished(): { bytes: number; seconds: number; count: number };
  /** Bytes of every file written so far (finished and open). */
  bytesOnDisk(): number;
  stop(): Promise<void>;
}

/** The floor: what anyone would type to record a camera with ffmpeg, one per camera. */
export function bareRecorderArgs(url: string, dir: string, segmentSeconds: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-rtsp_transport', 'tcp', '-i', url,
    '-c', 'copy',
    '-f', 'segment', '-segment_time', String(segmentSeconds), '-segment_format', 'mp4',
    '-segment_list', path.join(dir, 'list.csv'), '-segment_list_type', 'csv',
    path.join(dir, '%05d.mp4'),
  ];
}

export function startBareRecorders(urls: string[], root: string, segmentSeconds: number): BareRecorders {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  urls.forEach((url, i) => {
    const dir = path.join(root, `bare-${String(i + 1).padStart(2, '0')}`);
    mkdirSync(dir, { recursive: true });
    dirs.push(dir);
    children.push(spawn(ffmpegPathSync(), bareRecorderArgs(url, dir, segmentSeconds), { stdio: ['ignore', 'ignore', 'ignore'] }));
  });
  return {
    pids: children.map((c) => c.pid ?? -1),
    finished: () => {
      let bytes = 0;
      let seconds = 0;
      let count = 0;
      for (const dir of dirs) {
        for (const line of readLines(path.join(dir, 'list.csv'))) {
          const m = /^"?([^",]+)"?,([\d.]+),([\d.]+)$/.exec(line.trim());
          if (!m) continue;
          bytes += statSync(path.join(dir, m[1]!)).size;
          seconds += Number(m[3]) - Number(m[2]);
          count++;
        }
      }
      return { bytes, seconds, count };
    },
    bytesOnDisk: () => dirs.reduce((sum, dir) => sum + bytesUnder(dir), 0),
    stop: () => Promise.all(children.map((c) => stopChild(c, 5_000))).then(() => undefined),
  };
}

export interface HearthRecording {
  hearth: RunningHearthProcess;
  pid: number;
  dataDir: string;
  /** Waits (bounded) until every camera reports `recording` in /metrics. */
  waitRecording(timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

/** `hearth start` with N cameras from a config file; motion off unless asked (the bare side does no motion). */
export async function startHearthRecording(
  streams: CameraStreams[],
  root: string,
  options: { motion: boolean; segmentSeconds: number; objects?: boolean },
): Promise<HearthRecording> {
  const dataDir = path.join(root, 'hearth-data');
  mkdirSync(dataDir, { recursive: true });
  const configFile = path.join(root, 'hearth.yaml');
  writeFileSync(configFile, hearthConfigYaml(streams, options));
  // HEARTH_BENCH_NODE_OPTIONS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") reaches only Hearth's node, not the bench's.
  const nodeOptions = process.env.HEARTH_BENCH_NODE_OPTIONS;
  const hearth = await startHearthProcess(['--config', configFile, '--data', dataDir, '--port', '0', '--host', '127.0.0.1'], {
    timeoutMs: 60_000,
    ...(nodeOptions ? { env: { NODE_OPTIONS: nodeOptions } } : {}),
  });
  const pid = hearth.child.pid ?? -1;
  return {
    hearth,
    pid,
    dataDir,
    waitRecording: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      let recording = 0;
      // Bounded: one /metrics read a second until all are recording or the deadline passes.
      while (Date.now() < deadline) {
        recording = await countRecording(hearth.url);
        if (recording >= streams.length) break;
        await new Promise((r) => setTimeout(r, 1_000));
      }
      return recording;
    },
    stop: async () => {
      await hearth.stop('SIGTERM');
    },
  };
}

function hearthConfigYaml(streams: CameraStreams[], options: { motion: boolean; segmentSeconds: number; objects?: boolean }): string {
  const cameras = streams.map((s, i) => {
    const id = `cam-${String(i + 1).padStart(2, '0')}`;
    return [
      `  - id: ${id}`,
      `    name: Bench ${i + 1}`,
      '    streams:',
      `      main: ${JSON.stringify(s.main)}`,
      `      sub: ${JSON.stringify(s.sub)}`,
      '    motion:',
      `      enabled: ${options.motion}`,
    ].join('\n');
  });
  // Object detection is on by default (as in hearth start); the memory bench also measures it off.
  const objects = options.objects === false ? ['objects:', '  enabled: false'] : [];
  return ['discovery:', '  enabled: false', ...objects, 'recording:', `  segmentSeconds: ${options.segmentSeconds}`, 'cameras:', ...cameras, ''].join('\n');
}

async function countRecording(baseUrl: string): Promise<number> {
  try {
    const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const text = await response.text();
    return text.split('\n').filter((l) => /^hearth_camera_state\{.*state="recording".*\} 1$/.test(l)).length;
  } catch (error) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'TypeError')) return 0;
    throw error;
  }
}

/** SIGINT (ffmpeg finishes its segment), SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await closed;
  clearTimeout(timer);
}

export function bytesUnder(dir: string, depth = 4): number {
  let sum = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sum += depth > 0 ? bytesUnder(p, depth - 1) : 0;
    else if (e.isFile() && e.name.endsWith('.mp4')) sum += statSync(p).size;
  }
  return sum;
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
