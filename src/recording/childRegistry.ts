/**
 * Node has no prctl(PR_SET_PDEATHSIG): an ffmpeg outlives a kill -9 of Hearth. So every
 * recorder pid is written to `<dataDir>/run/ffmpeg-<pid>.json` with its kernel start time,
 * and the next start reaps those still alive (the start time guards against pid reuse).
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.ts';

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
      process.kill(record.pid, 'SIGINT');
      // SIGINT lets it finish its segment; bounded wait, then SIGKILL.
      if (!(await waitForExit(record.pid, 5_000))) {
        process.kill(record.pid, 'SIGKILL');
        await waitForExit(record.pid, 2_000);
      }
      reaped += 1;
    }
    removeIfPresent(file);
  }
  return reaped;
}

/** Field 22 of /proc/PID/stat: start time in clock ticks since boot; null when the process is gone. */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function isFfmpeg(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]?.includes('ffmpeg') ?? false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = processState(pid);
    if (state === null || state === 'Z') return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function removeIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
