/** Small timing helpers shared by the index, playback and storm benches: medians and p95 of bounded samples. */
import { performance } from 'node:perf_hooks';

export interface Summary {
  count: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
}

/** Nearest-rank percentile of samples (ms); `p` in 0..100. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    count: samples.length,
    medianMs: percentile(samples, 50),
    p95Ms: percentile(samples, 95),
    minMs: Math.min(...samples),
    maxMs: Math.max(...samples),
  };
}

/** Runs `fn(i)` `warmup` times untimed, then `count` times timed; returns each duration in ms. */
export function timeSync(count: number, warmup: number, fn: (i: number) => unknown): number[] {
  for (let i = 0; i < warmup; i += 1) fn(i);
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    fn(i);
    samples.push(performance.now() - t0);
  }
  return samples;
}

/**
 * Like timeSync, but also returns the process CPU time of each call (user + system, ms).
 * On a shared, overloaded box wall time mostly measures waiting for a core; CPU time is
 * what the same call would take on an idle one.
 */
export function timeSyncWithCpu(count: number, warmup: number, fn: (i: number) => unknown): { wall: number[]; cpu: number[] } {
  for (let i = 0; i < warmup; i += 1) fn(i);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn(i);
    wall.push(performance.now() - t0);
    const used = process.cpuUsage(c0);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall, cpu };
}

/** The async twin of timeSync; `fn` reports its own duration (it may time only part of what it does). */
export async function timeAsync(count: number, warmup: number, fn: (i: number) => Promise<number>): Promise<number[]> {
  for (let i = 0; i < warmup; i += 1) await fn(i);
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) samples.push(await fn(i));
  return samples;
}

/** A seeded PRNG (mulberry32), so generated data and query picks are the same every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` every `everyMs` until it is true or `timeoutMs` passed; returns whether it became true. */
export async function pollUntil(predicate: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}
