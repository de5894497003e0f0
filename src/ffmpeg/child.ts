/**
 * The one child-process module: every process Hearth runs is an ffmpeg (or ffprobe), so it
 * lives here beside the binaries' locator and argument lists. It spawns with a bounded
 * stderr tail and stops with ONE sequence: SIGINT (ffmpeg finishes the file it writes and
 * exits; it treats SIGTERM the same way), then SIGKILL if it has not exited within a grace
 * period, resolving once the process is gone. Children a library spawns (node-rtsp-stream)
 * are adopted; recorders a previous Hearth left behind are stopped by pid (stopPid).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/**
 * Grace for a recorder: its open segment is a recording the homeowner keeps, and closing
 * it means flushing the last fragment to a (possibly slow SD) disk.
 */
export const keptOutputGraceMs = 5_000;
/**
 * Grace for every other ffmpeg (motion frames, the MPEG-1 live view, H.264 playback copies,
 * a cancelled export, simulator encoders): what it writes is thrown away or already cut
 * off, so a wedged one only needs to be gone soon.
 */
export const discardedOutputGraceMs = 2_000;
/** After SIGKILL the kernel frees the process at once; this bounds the wait for a pid we do not own. */
const afterKillWaitMs = 2_000;
const pidPollMs = 100;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (not installed, not executable). */
  spawnError: Error | null;
  ranMs: number;
}

export interface StderrTailOptions {
  /** Lines kept, most recent last. */
  lines: number;
  /** Each kept line is cut to this many characters. */
  lineChars: number;
  /** Only lines this accepts are kept (the recorder keeps ffmpeg's error lines only). */
  keep?: (line: string) => boolean;
}

export interface Child<P extends ChildProcess = ChildProcess> {
  readonly process: P;
  readonly pid: number | undefined;
  /** Resolves once the process has exited and its pipes are closed, or could not be started. */
  readonly exited: Promise<ChildExit>;
  /** The stderr lines kept so far (bounded), most recent last. */
  stderrTail(): string[];
  running(): boolean;
  /** SIGINT, then SIGKILL after `graceMs`; resolves once it has exited. Safe to call again. */
  stop(graceMs: number): Promise<ChildExit>;
  /** SIGKILL now (no finalising). */
  kill(): void;
}

export function spawnChild(file: string, args: readonly string[], options: SpawnOptions, tail: StderrTailOptions): Child {
  return adoptChild(spawn(file, args, options), tail);
}

/** Watches a process spawned elsewhere (typed stdio, or a library's) like one spawned here. */
export function adoptChild<P extends ChildProcess>(proc: P, tail: StderrTailOptions): Child<P> {
  const startedAtMs = Date.now();
  const lines: string[] = [];
  let spawnError: Error | null = null;
  const exited = new Promise<ChildExit>((resolve) => {
    proc.once('error', (error) => {
      spawnError ??= error;
    });
    // 'close' also follows a failed spawn, after 'error'.
    proc.once('close', (code, signal) => resolve({ code, signal, spawnError, ranMs: Date.now() - startedAtMs }));
  });
  if (proc.stderr) {
    createInterface({ input: proc.stderr as Readable }).on('line', (line) => {
      if (tail.keep && !tail.keep(line)) return;
      lines.push(line.slice(0, tail.lineChars));
      if (lines.length > tail.lines) lines.shift();
    });
  }
  const running = (): boolean => proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined;
  const kill = (): void => {
    if (running()) proc.kill('SIGKILL');
  };
  let stopping: Promise<void> | null = null;
  return {
    process: proc,
    pid: proc.pid,
    exited,
    stderrTail: () => [...lines],
    running,
    kill,
    stop: async (graceMs) => {
      stopping ??= stopSequence(
        {
          running,
          signal: (signal) => proc.kill(signal),
          exitedWithin: (ms) => within(exited.then(() => true), ms),
        },
        graceMs,
      );
      await stopping;
      return exited;
    },
  };
}

/** The same stop for a process only seen as a ChildProcess (a library's, caught mid-run); resolves once it has exited. */
export async function stopChildProcess(proc: ChildProcess, graceMs: number): Promise<void> {
  const exited = (): boolean => proc.exitCode !== null || proc.signalCode !== null;
  const exitEvent = exited() ? Promise.resolve(true) : new Promise<boolean>((resolve) => proc.once('exit', () => resolve(true)));
  await stopSequence({ running: () => !exited(), signal: (signal) => proc.kill(signal), exitedWithin: (ms) => within(exitEvent, ms) }, graceMs);
}

/**
 * Stops a process by pid that is not our child (a recorder left by a previous Hearth):
 * the same sequence, with exit seen through `gone(pid)` (no such pid, or a zombie).
 * Resolves true when it is gone.
 */
export async function stopPid(pid: number, graceMs: number, gone: (pid: number) => boolean): Promise<boolean> {
  const exitedWithin = async (ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (gone(pid)) return true;
      await delay(pidPollMs);
    }
    return gone(pid);
  };
  await stopSequence(
    {
      running: () => !gone(pid),
      signal: (signal) => {
        try {
          process.kill(pid, signal);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      },
      exitedWithin,
    },
    graceMs,
  );
  return gone(pid);
}

interface StopTarget {
  running(): boolean;
  signal(signal: NodeJS.Signals): void;
  exitedWithin(ms: number): Promise<boolean>;
}

async function stopSequence(target: StopTarget, graceMs: number): Promise<void> {
  if (!target.running()) return;
  target.signal('SIGINT');
  if (await target.exitedWithin(graceMs)) return;
  if (target.running()) target.signal('SIGKILL');
  await target.exitedWithin(afterKillWaitMs);
}

async function within(settles: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([settles, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
