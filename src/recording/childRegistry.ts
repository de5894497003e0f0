/**
 * Node has no prctl(PR_SET_PDEATHSIG): an ffmpeg outlives a kill -9 of Hearth. So every
 * recorder pid is written to `<dataDir>/run/ffmpeg-<pid>.json` with its kernel start time,
 * and the next start reaps those still alive (the start time guards against pid reuse).
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.ts';
import { keptOutputGraceMs, stopPid } from '../ffmpeg/child.ts';
import { readCommandLine, readProcStat } from '../system/procFs.ts';

interface PidRecord {
  pid: number;
  cameraId: string;
  startTicks: string;
}

export class ChildRegistry {
  private readonly live = new Map<number, string>();
  private readonly onExit = (): void => this.signalAll('SIGINT');

  constructor(private readonly runDir: string) {
    mkdirSync(runDir, { recursive: true, mode: 0o750 });
    // Last resort when Hearth exits without stop(): ffmpeg finalises its segment on SIGINT by itself.
    process.on('exit', this.onExit);
  }

  track(pid: number, cameraId: string): void {
    this.live.set(pid, cameraId);
    const record: PidRecord = { pid, cameraId, startTicks: processStartTicks(pid) ?? '' };
    writeFileSync(this.fileOf(pid), JSON.stringify(record), { mode: 0o640 });
  }

  untrack(pid: number): void {
    this.live.delete(pid);
    removeIfPresent(this.fileOf(pid));
  }

  signalAll(signal: NodeJS.Signals): void {
    for (const pid of this.live.keys()) {
      try {
        process.kill(pid, signal);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
  }

  close(): void {
    process.off('exit', this.onExit);
  }

  private fileOf(pid: number): string {
    return path.join(this.runDir, `ffmpeg-${pid}.json`);
  }
}

/** Kills recorders left by a previous Hearth that died without stopping them; returns how many. */
export async function reapOrphanRecorders(runDir: string, log: Logger): Promise<number> {
  let names: string[];
  try {
    names = readdirSync(runDir).filter((n) => /^ffmpeg-\d+\.json$/.test(n));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let reaped = 0;
  for (const name of names) {
    const file = path.join(runDir, name);
    const record = JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
    if (processStartTicks(record.pid) === record.startTicks && record.startTicks !== '' && isFfmpeg(record.pid)) {
      log.warn('stopping ffmpeg left running by a previous Hearth', { event: 'recorder.orphan_reaped', camera: record.cameraId, pid: record.pid });
      // SIGINT lets it finish its segment; bounded wait, then SIGKILL.
      await stopPid(record.pid, keptOutputGraceMs, hasExited);
      reaped += 1;
    }
    removeIfPresent(file);
  }
  return reaped;
}

/** Field 22 of /proc/PID/stat: start time in clock ticks since boot; null when the process is gone. */
export function processStartTicks(pid: number): string | null {
  return readProcStat(pid)?.startTicks ?? null;
}

function isFfmpeg(pid: number): boolean {
  return readCommandLine(pid)?.[0]?.includes('ffmpeg') ?? false;
}

function hasExited(pid: number): boolean {
  const state = readProcStat(pid)?.state ?? null;
  return state === null || state === 'Z';
}

function removeIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
