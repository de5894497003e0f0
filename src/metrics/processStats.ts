/**
 * CPU and memory of Hearth and its ffmpeg children, for the system page. CPU is a
 * percentage of one core since the previous reading (or since start on the first),
 * because that is what a homeowner compares against "the Pi feels slow".
 */
import os from 'node:os';
import type { ProcessStats } from '../wire/system.ts';
import { readChildPids, readProcStat } from '../system/procFs.ts';

export type { ProcessStats } from '../wire/system.ts';

interface Sample {
  atMs: number;
  selfMicros: number;
  childMs: Map<number, number>;
}

let previous: Sample | null = null;

function childPids(): number[] | null {
  try {
    return readChildPids(process.pid);
  } catch {
    return null; // not Linux, or /proc hidden (hardened unit): the page says "unknown"
  }
}

/** utime+stime (ms) and RSS (bytes) of a pid; null once it has exited. */
function procStat(pid: number): { cpuMs: number; rssBytes: number } | null {
  try {
    const stat = readProcStat(pid);
    return stat && { cpuMs: stat.ownCpuMs, rssBytes: stat.rssBytes };
  } catch {
    return null;
  }
}

export function readProcessStats(nowMs = Date.now()): ProcessStats {
  const usage = process.cpuUsage();
  const selfMicros = usage.user + usage.system;
  const uptimeMs = process.uptime() * 1000;
  const pids = childPids();
  const childMs = new Map<number, number>();
  let childrenRss: number | null = null;
  if (pids) {
    childrenRss = 0;
    for (const pid of pids) {
      const stat = procStat(pid);
      if (!stat) continue;
      childMs.set(pid, stat.cpuMs);
      childrenRss += stat.rssBytes;
    }
  }
  const base = previous && nowMs - previous.atMs >= 500 ? previous : null;
  const wallMs = base ? nowMs - base.atMs : Math.max(1, uptimeMs);
  const cpuPercent = ((selfMicros - (base?.selfMicros ?? 0)) / 1000 / wallMs) * 100;
  let childrenCpuPercent: number | null = null;
  if (pids && base) {
    let spentMs = 0;
    for (const [pid, ms] of childMs) spentMs += ms - (base.childMs.get(pid) ?? 0); // a child born since the base spent all its CPU inside the window
    childrenCpuPercent = (spentMs / wallMs) * 100;
  }
  if (!base || nowMs - (previous?.atMs ?? 0) >= 500) previous = { atMs: nowMs, selfMicros, childMs };
  const memory = process.memoryUsage();
  const load = os.loadavg();
  return {
    cpuPercent: Math.max(0, cpuPercent),
    childrenCpuPercent: childrenCpuPercent === null ? null : Math.max(0, childrenCpuPercent),
    children: pids ? childMs.size : null,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    childrenRssBytes: childrenRss,
    loadAverage: [load[0] ?? 0, load[1] ?? 0, load[2] ?? 0],
    cpuCores: os.cpus().length,
    totalMemoryBytes: os.totalmem(),
    freeMemoryBytes: os.freemem(),
    uptimeMs,
  };
}
