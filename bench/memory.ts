/**
 * Memory (README, "Performance"): RSS of Hearth's Node process with N cameras recording and
 * motion on (main stream recorded, sub stream decoded for motion), sampled every 2 s, and the
 * PSS of all of Hearth's processes per camera, for N = 1, 4 and 16 with object detection on
 * (the default) and 16 with it off. Targets (issue #16): Node under 100 MiB and ≤ 30 MiB PSS
 * per camera at 16 cameras. The ffmpeg children are reported beside it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { commandName, pssByCommand, rssBytes, treePids } from './procStat.ts';
import { startHearthRecording, type CameraStreams } from './recordingRig.ts';
import { round, type BenchOptions, type BenchRow } from './report.ts';

export interface MemoryBenchResult {
  cameras: number;
  /** Object detection on (the default: the detector loads with the first camera's motion). */
  objects: boolean;
  camerasRecording: number;
  observedSeconds: number;
  nodeRssPeakBytes: number;
  nodeRssLastBytes: number;
  /** ffmpeg children at the last sample: recorders and motion decoders. */
  ffmpegCount: number;
  ffmpegRssBytes: number;
  /** PSS (shared pages split among the processes that map them) at the last sample, by command. */
  pssByCommandBytes: Record<string, number>;
  loadAverage: number[];
}

export const memoryTargetBytes = 100 * 1024 * 1024;

export async function runMemoryBench(options: BenchOptions, streams: CameraStreams[], objects = true): Promise<MemoryBenchResult> {
  const observedSeconds = options.quick ? 20 : 30;
  const root = mkdtempSync(path.join(tmpdir(), 'hearth-bench-mem-'));
  try {
    const hearth = await startHearthRecording(streams, root, { motion: true, segmentSeconds: 10, objects });
    try {
      const recording = await hearth.waitRecording(60_000);
      let peak = 0;
      let last = 0;
      // Bounded: one sample every 2 s for the observation window.
      for (let i = 0; i < observedSeconds / 2; i++) {
        await new Promise((r) => setTimeout(r, 2_000));
        last = rssBytes(hearth.pid);
        peak = Math.max(peak, last);
      }
      const ffmpegs = treePids(hearth.pid).filter((p) => p !== hearth.pid && commandName(p) === 'ffmpeg');
      const result: MemoryBenchResult = {
        cameras: streams.length,
        objects,
        camerasRecording: recording,
        observedSeconds,
        nodeRssPeakBytes: peak,
        nodeRssLastBytes: last,
        ffmpegCount: ffmpegs.length,
        ffmpegRssBytes: ffmpegs.reduce((s, p) => s + rssBytes(p), 0),
        pssByCommandBytes: Object.fromEntries(pssByCommand(hearth.pid)),
        loadAverage: loadavg(),
      };
      options.log(`memory N=${streams.length}${objects ? '' : ' objects off'}: node RSS peak ${round(peak / 1048576, 1)} MiB, ${ffmpegs.length} ffmpeg children ${round(result.ffmpegRssBytes / 1048576, 1)} MiB, ${recording} recording`);
      return result;
    } finally {
      await hearth.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The goal for all of Hearth's processes per camera (PSS): what decides how many cameras a Pi holds. */
export const pssPerCameraTargetBytes = 30 * 1024 * 1024;

/** N = 1, 4 and 16 with objects on (the default), and 16 with objects off: what the detector costs. */
export async function runMemoryBenches(options: BenchOptions, streams: CameraStreams[]): Promise<MemoryBenchResult[]> {
  const results: MemoryBenchResult[] = [];
  for (const n of [1, 4, streams.length]) results.push(await runMemoryBench(options, streams.slice(0, n)));
  results.push(await runMemoryBench(options, streams, false));
  return results;
}

export function memoryRowsOf(results: readonly MemoryBenchResult[]): BenchRow[] {
  const full = results.filter((r) => r.objects).at(-1);
  return results.flatMap((r) => {
    const rows = memoryRows(r);
    // The ffmpeg children's row once, for the largest run with objects on.
    return r === full ? rows : rows.slice(0, 2);
  });
}

export function memoryRows(r: MemoryBenchResult): BenchRow[] {
  const short = r.camerasRecording < r.cameras ? `; only ${r.camerasRecording}/${r.cameras} reached recording` : '';
  const pssTotal = Object.values(r.pssByCommandBytes).reduce((a, b) => a + b, 0);
  const mib = (bytes: number): number => round(bytes / 1048576, 1);
  const byCommand = Object.entries(r.pssByCommandBytes).map(([name, bytes]) => `${name} ${mib(bytes)} MiB`).join(', ');
  return [
    {
      section: 'memory',
      metric: `PSS per camera, all of Hearth's processes, ${r.cameras} camera${r.cameras === 1 ? '' : 's'} + motion${r.objects ? ' + objects' : ', objects off'}`,
      value: mib(pssTotal / Math.max(1, r.cameras)),
      unit: 'MiB',
      target: '≤ 30 MiB',
      met: pssTotal / Math.max(1, r.cameras) <= pssPerCameraTargetBytes,
      note: `total ${mib(pssTotal)} MiB at the last sample (${byCommand}); no bare-ffmpeg floor measured yet${short}`,
    },
    {
      section: 'memory',
      metric: `Hearth node RSS (peak), ${r.cameras} camera${r.cameras === 1 ? '' : 's'} + motion${r.objects ? ' + objects' : ', objects off'}`,
      value: round(r.nodeRssPeakBytes / 1048576, 1),
      unit: 'MiB',
      target: '< 100 MiB',
      met: r.nodeRssPeakBytes < memoryTargetBytes,
      note: `${r.observedSeconds} s, sampled every 2 s${short}`,
    },
    {
      section: 'memory',
      metric: `ffmpeg children RSS (${r.ffmpegCount} processes)`,
      value: round(r.ffmpegRssBytes / 1048576, 1),
      unit: 'MiB',
      note: `${round(r.ffmpegRssBytes / 1048576 / Math.max(1, r.ffmpegCount), 1)} MiB each; recorders + motion decoders (shared pages counted in each)`,
    },
  ];
}
