/**
 * CPU time and memory of a process tree from /proc, for the recording and memory benches.
 * CPU counts the children a process has already reaped (cutime/cstime), so a short-lived
 * ffprobe or a restarted ffmpeg inside the window is not lost. Parsing is src/system/procFs.ts.
 */
import { readFileSync } from 'node:fs';
import { readChildPids, readCommandName, readProcStat, readRssBytes } from '../src/system/procFs.ts';

export function childPids(pid: number): number[] {
  return readChildPids(pid) ?? [];
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
  return readProcStat(pid)?.ownCpuMs ?? 0;
}

/** CPU ms of a whole tree, including children already reaped by their parent. */
export function treeCpuMs(root: number): number {
  return treePids(root).reduce((sum, pid) => {
    const s = readProcStat(pid);
    return s ? sum + s.ownCpuMs + s.reapedCpuMs : sum;
  }, 0);
}

/** Resident set size in bytes (VmRSS), 0 once the process is gone. */
export function rssBytes(pid: number): number {
  return readRssBytes(pid) ?? 0;
}

export function commandName(pid: number): string {
  return readCommandName(pid);
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

/**
 * Proportional set size in bytes from /proc/<pid>/smaps_rollup (shared pages divided among
 * the processes that map them, so a tree's PSS sums without counting libraries twice);
 * 0 once the process is gone or when the kernel lacks smaps_rollup.
 */
export function pssBytes(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return 0;
  }
  const m = /^Pss:\s+(\d+) kB$/m.exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

/** PSS of a process tree (Node and every ffmpeg child), bytes. */
export function treePssBytes(root: number): number {
  return treePids(root).reduce((sum, pid) => sum + pssBytes(pid), 0);
}

/** PSS per command name over a tree (node, ffmpeg, ...), bytes. */
export function pssByCommand(root: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of treePids(root)) {
    const name = commandName(pid);
    out.set(name, (out.get(name) ?? 0) + pssBytes(pid));
  }
  return out;
}
