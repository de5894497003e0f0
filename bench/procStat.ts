/**
 * CPU time and memory of a process tree from /proc, for the recording and memory benches.
 * CPU counts the children a process has already reaped (cutime/cstime), so a short-lived
 * ffprobe or a restarted ffmpeg inside the window is not lost.
 */
import { readFileSync } from 'node:fs';

const ticksPerSecond = 100;

interface Stat {
  /** utime + stime, ms. */
  ownMs: number;
  /** cutime + cstime (reaped children), ms. */
  reapedMs: number;
}

function readStat(pid: number): Stat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (i: number): number => (Number(f[i]) * 1000) / ticksPerSecond;
    return { ownMs: ms(11) + ms(12), reapedMs: ms(13) + ms(14) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') return null;
    throw error;
  }
}

export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') return [];
    throw error;
  }
}

/** The pid and every descendant (bounded depth: Hearth's tree is node → ffmpeg/ffprobe). */
export function treePids(root: number, maxDepth = 4): number[] {
  const out: number[] = [];
  let level = [root];
  for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
    out.push(...level);
    level = level.flatMap(childPids);
  }
  return out;
}

/** CPU ms of one process, its own only (no reaped children). */
export function ownCpuMs(pid: number): number {
  return readStat(pid)?.ownMs ?? 0;
}

/** CPU ms of a whole tree, including children already reaped by their parent. */
export function treeCpuMs(root: number): number {
  return treePids(root).reduce((sum, pid) => {
    const s = readStat(pid);
    return s ? sum + s.ownMs + s.reapedMs : sum;
  }, 0);
}

/** Resident set size in bytes (VmRSS), 0 once the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') return 0;
    throw error;
  }
}

export function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') return '';
    throw error;
  }
}

/** CPU ms per command name over a tree (node, ffmpeg, ffprobe, ...), own time only. */
export function cpuByCommand(root: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of treePids(root)) {
    const name = commandName(pid);
    out.set(name, (out.get(name) ?? 0) + ownCpuMs(pid));
  }
  return out;
}
