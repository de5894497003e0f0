/**
 * One run of the recorder's ffmpeg: spawned directly (never fluent-ffmpeg, whose kill()
 * is SIGKILL and corrupts the open segment), stopped with SIGINT so the last segment is
 * finalised. Finished segments arrive as CSV lines on fd 3; live fMP4 on stdout.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { ffmpegPathSync } from '../ffmpeg/locate.ts';
import { recorderArgs, type RecorderArgsInput } from '../ffmpeg/args.ts';
import { keptOutputGraceMs, spawnChild } from '../ffmpeg/child.ts';
import type { LiveFeed } from '../live/liveFeed.ts';

export interface FinishedSegmentLine {
  basename: string;
  /** Stream time of the segment's first and next-segment keyframe, seconds. */
  startSeconds: number;
  endSeconds: number;
  /** Wall time the line arrived: ffmpeg writes it as the next segment's keyframe comes in. */
  arrivedAtMs: number;
}

export interface RecorderExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ffmpeg's [error]/[fatal] lines, most recent last (bounded). */
  errorLines: string[];
  ranMs: number;
}

export interface RecorderRun {
  pid: number;
  exited: Promise<RecorderExit>;
  /** SIGINT, then SIGKILL after `graceMs` if it has not finished its segment by then. */
  stop(graceMs?: number): Promise<RecorderExit>;
  kill(): void;
}

const segmentListFd = 3;
const maxErrorLines = 20;

export function startRecorderProcess(
  input: Omit<RecorderArgsInput, 'segmentListFd'>,
  hooks: { onSegment(line: FinishedSegmentLine): void; live: LiveFeed; onSpawn(pid: number): void },
): RecorderRun {
  const args = recorderArgs({ ...input, segmentListFd });
  // TZ=UTC: the strftime segment names and day directories are UTC dates.
  // `-loglevel level` tags each line, after the component's own prefix when it has one:
  // "[mp4 @ 0x55…] [error] Could not find tag for codec pcm_mulaw…" is the reason G.711 fails.
  const keep = (line: string): boolean =>
    /^(\[[^\]]* @ [^\]]*\] )?\[(error|fatal|panic)\]/.test(line) || /^(\[[^\]]* @ [^\]]*\] )?\[warning\].*(401|403|No space)/.test(line);
  const run = spawnChild(ffmpegPathSync(), args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } }, { lines: maxErrorLines, lineChars: 500, keep });
  const child = run.process;
  const exited = run.exited.then(({ code, signal, spawnError, ranMs }): RecorderExit => {
    const errorLines = run.stderrTail();
    if (spawnError) errorLines.push(`[fatal] cannot run ffmpeg: ${spawnError.message}`);
    return { code, signal, errorLines, ranMs };
  });
  if (child.pid !== undefined) hooks.onSpawn(child.pid);

  // Always drain stdout, viewers or not: a full pipe would stall ffmpeg and so the recording.
  child.stdout?.on('data', (chunk: Buffer) => hooks.live.push(chunk));
  const list = createInterface({ input: child.stdio[segmentListFd] as Readable });
  list.on('line', (line) => {
    const parsed = parseSegmentListLine(line, Date.now());
    if (parsed) hooks.onSegment(parsed);
  });

  return {
    pid: child.pid ?? -1,
    exited,
    kill: run.kill,
    stop: async (graceMs = keptOutputGraceMs) => {
      await run.stop(graceMs);
      return exited;
    },
  };
}

/** `name,start,end` as the segment muxer's CSV list writes it (names with commas are quoted). */
export function parseSegmentListLine(line: string, arrivedAtMs: number): FinishedSegmentLine | null {
  const match = /^"?([^",]+)"?,([\d.]+),([\d.]+)$/.exec(line.trim());
  if (!match) return null;
  const startSeconds = Number(match[2]);
  const endSeconds = Number(match[3]);
  if (!Number.isFinite(startSeconds) || !Number.isFinite(endSeconds) || endSeconds < startSeconds) return null;
  return { basename: match[1] ?? '', startSeconds, endSeconds, arrivedAtMs };
}
