/** CPU time, children and command lines of processes, from src/system/procFs.ts (the one /proc parser). */
import { readdirSync } from 'node:fs';
import { readChildPids, readCommandLine, readProcStat } from '../../src/system/procFs.ts';

/** utime + stime of a process, in ms; null once it is gone. */
export function processCpuMs(pid: number): number | null {
  return readProcStat(pid)?.ownCpuMs ?? null;
}

/** Children of a pid (from /proc/PID/task/PID/children). */
export function childPids(pid: number): number[] {
  return readChildPids(pid) ?? [];
}

/** Pids of every running ffmpeg whose command line contains `needle`. */
export function ffmpegPidsWith(needle: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const args = readCommandLine(name);
    if (args?.[0]?.endsWith('ffmpeg') && args.join('\0').includes(needle)) pids.push(Number(name));
  }
  return pids;
}

export function commandLine(pid: number): string {
  return (readCommandLine(pid) ?? []).join(' ');
}
