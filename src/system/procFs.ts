/**
 * Linux /proc, read and parsed in one place: a process's stat line (state, CPU ticks,
 * start time, resident pages), its VmRSS, its children, its command. Used by the system
 * page's CPU figures, the orphan-recorder reaper, the benches and the tests. Readers give
 * null (or empty) once the process is gone and throw on anything else.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: fixed at 100 by the kernel ABI on every architecture Hearth runs on. */
export const clockTicksPerSecond = 100;
/** Page size of x86-64 and the Raspberry Pi's arm64 kernels. */
export const pageBytes = 4096;

export interface ProcStat {
  /** One letter: R, S, D, Z (zombie), T… */
  state: string;
  /** utime + stime, ms. */
  ownCpuMs: number;
  /** cutime + cstime: children this process has already reaped, ms. */
  reapedCpuMs: number;
  /** Start time in clock ticks since boot, as written (a pid-reuse guard compares it as text). */
  startTicks: string;
  rssBytes: number;
}

/** Parses /proc/PID/stat. The command (field 2) may hold spaces and ')', so fields are counted from the last ')'. */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/PID/stat line: ${text.slice(0, 80)}`);
  // From field 3 (state) on: index i here is field i + 3.
  const fields = text.slice(close + 2).trim().split(' ');
  const ticksMs = (i: number): number => (Number(fields[i]) * 1000) / clockTicksPerSecond;
  return {
    state: fields[0] ?? '',
    ownCpuMs: ticksMs(11) + ticksMs(12),
    reapedCpuMs: ticksMs(13) + ticksMs(14),
    startTicks: fields[19] ?? '',
    rssBytes: Number(fields[21]) * pageBytes,
  };
}

/** A `Name:  123 kB` line of /proc/PID/status text (VmRSS, VmHWM…), kB; null when missing (a kernel thread, a zombie). */
export function parseStatusKb(statusText: string, name: string): number | null {
  const kb = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(statusText)?.[1];
  return kb === undefined ? null : Number(kb);
}

/** The pids listed in /proc/PID/task/TID/children text. */
export function parseChildPids(text: string): number[] {
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

export function readProcStat(pid: number | 'self'): ProcStat | null {
  const text = readIfAlive(`/proc/${pid}/stat`);
  return text === null ? null : parseProcStat(text);
}

/** VmRSS in bytes; null once the process is gone (or has none). */
export function readRssBytes(pid: number): number | null {
  const kb = readMemoryKb(pid)?.rssKb ?? null;
  return kb === null ? null : kb * 1024;
}

/** Resident and peak resident memory (VmRSS, VmHWM), kB; null once the process is gone. */
export function readMemoryKb(pid: number): { rssKb: number | null; peakKb: number | null } | null {
  const text = readIfAlive(`/proc/${pid}/status`);
  return text === null ? null : { rssKb: parseStatusKb(text, 'VmRSS'), peakKb: parseStatusKb(text, 'VmHWM') };
}

/** Direct children of `pid` (those of its main thread, where Node spawns); null once it is gone, or off Linux. */
export function readChildPids(pid: number): number[] | null {
  const text = readIfAlive(`/proc/${pid}/task/${pid}/children`);
  return text === null ? null : parseChildPids(text);
}

/** argv of a process; null once it is gone. */
export function readCommandLine(pid: number | string): string[] | null {
  const text = readIfAlive(`/proc/${pid}/cmdline`);
  if (text === null) return null;
  const args = text.split('\0');
  if (args.at(-1) === '') args.pop(); // each argument ends with NUL
  return args;
}

/** The kernel's short command name (comm); '' once the process is gone. */
export function readCommandName(pid: number): string {
  return readIfAlive(`/proc/${pid}/comm`)?.trim() ?? '';
}

function readIfAlive(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return null;
    throw error;
  }
}
