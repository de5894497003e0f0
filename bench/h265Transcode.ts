/**
 * CPU of the on-demand H.265 → H.264 playback copy (src/playback/h264Transcode.ts), the
 * one place playback spends real CPU: a fixed span of recorded H.265 (10 s segments as the
 * recorder writes them, libx265) is converted through the real H264Transcoder, and the CPU
 * time of its ffmpeg children (reaped: /proc/self/stat cutime+cstime) is divided by the
 * seconds of video. That is the share of one core a viewer costs while watching in real
 * time. Floor: decoding the same H.265 alone (software; a Pi's hardware decoder would take
 * most of that away, its missing H.264 encoder cannot be). Two viewers of the same range
 * share one job, so their row shows the cost per viewer halving.
 *   node --import tsx bench/h265Transcode.ts [--quick]
 * Exports run(options) for bench/run.ts (add 'h265Transcode' to its plug-in list).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { h265Segments } from '../test/helpers/h265Recording.ts';
import { H264Transcoder } from '../src/playback/h264Transcode.ts';
import { ffmpegPathSync } from '../src/ffmpeg/locate.ts';
import { createLogger } from '../src/log.ts';
import { readProcStat } from '../src/system/procFs.ts';
import { round, type BenchOptions, type BenchRow, type BenchSection } from './report.ts';

const runFile = promisify(execFile);

/** CPU ms of this process's reaped children (every ffmpeg the bench started and waited for). */
function reapedChildrenCpuMs(): number {
  return readProcStat('self')?.reapedCpuMs ?? 0;
}

interface Case {
  label: string;
  width: number;
  height: number;
  fps: number;
}

interface CaseResult extends Case {
  videoSeconds: number;
  cpuMsPerViewer: number;
  cpuPercentOfCorePerViewer: number;
  sharedTwoViewersCpuPercentPerViewer: number;
  decodeOnlyCpuPercent: number;
  realtimeFactor: number;
}

async function measure(c: Case, segments: number, log: (line: string) => void): Promise<CaseResult> {
  const segmentSeconds = 10;
  const files = h265Segments({ width: c.width, height: c.height, fps: c.fps, segmentSeconds, segments });
  const videoSeconds = segmentSeconds * segments;
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-h264-'));
  const transcoder = new H264Transcoder({ ffmpegPath: ffmpegPathSync(), cacheDir, log: createLogger({ level: 'warn' }), cacheTtlMs: 600_000 });
  try {
    // One viewer, the span in order, as the timeline asks for it.
    const cpu0 = reapedChildrenCpuMs();
    const wall0 = Date.now();
    for (const [i, file] of files.entries()) {
      const lease = transcoder.lease('bench', i + 1, file);
      await lease.file;
      lease.release();
    }
    const cpuMs = reapedChildrenCpuMs() - cpu0;
    const wallMs = Date.now() - wall0;
    // Two viewers of the same (new) segments at once: one job each.
    const cpu1 = reapedChildrenCpuMs();
    for (const [i, file] of files.entries()) {
      const a = transcoder.lease('bench', 1000 + i, file);
      const b = transcoder.lease('bench', 1000 + i, file);
      await Promise.all([a.file, b.file]);
      a.release();
      b.release();
    }
    const sharedMs = reapedChildrenCpuMs() - cpu1;
    // Floor: the software decode alone.
    const cpu2 = reapedChildrenCpuMs();
    for (const file of files) await runFile(ffmpegPathSync(), ['-hide_banner', '-loglevel', 'error', '-i', file, '-map', '0:v:0', '-f', 'null', '-']);
    const decodeMs = reapedChildrenCpuMs() - cpu2;
    const result: CaseResult = {
      ...c,
      videoSeconds,
      cpuMsPerViewer: round(cpuMs, 0),
      cpuPercentOfCorePerViewer: round((cpuMs / (videoSeconds * 1000)) * 100, 1),
      sharedTwoViewersCpuPercentPerViewer: round((sharedMs / 2 / (videoSeconds * 1000)) * 100, 1),
      decodeOnlyCpuPercent: round((decodeMs / (videoSeconds * 1000)) * 100, 1),
      realtimeFactor: round((videoSeconds * 1000) / wallMs, 1),
    };
    log(`h265Transcode ${c.label}: ${result.cpuPercentOfCorePerViewer} % of a core per viewer (${result.cpuMsPerViewer} ms CPU for ${videoSeconds} s), decode alone ${result.decodeOnlyCpuPercent} %, ${result.realtimeFactor}x real time`);
    return result;
  } finally {
    transcoder.stopAll();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

export async function runH265TranscodeBench(options: BenchOptions): Promise<BenchSection> {
  const cases: Case[] = [
    { label: '720p 15 fps', width: 1280, height: 720, fps: 15 },
    { label: '720p 25 fps', width: 1280, height: 720, fps: 25 },
    ...(options.quick ? [] : [{ label: '1080p 15 fps (shrunk to 720p)', width: 1920, height: 1080, fps: 15 }]),
  ];
  const segments = options.quick ? 2 : 3;
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await measure(c, segments, options.log));
  const rows: BenchRow[] = results.flatMap((r) => [
    {
      section: 'h265Transcode',
      metric: `CPU per viewer, H.265 ${r.label} → H.264 ≤720p (${r.videoSeconds} s)`,
      value: r.cpuPercentOfCorePerViewer,
      unit: '% core',
      floor: r.decodeOnlyCpuPercent,
      ratio: r.decodeOnlyCpuPercent > 0 ? round(r.cpuPercentOfCorePerViewer / r.decodeOnlyCpuPercent, 2) : undefined,
      target: '< 50 % core',
      met: r.cpuPercentOfCorePerViewer < 50,
      note: `floor = software H.265 decode alone; ${r.realtimeFactor}x real time on this box`,
    },
    {
      section: 'h265Transcode',
      metric: `CPU per viewer, two viewers sharing, ${r.label}`,
      value: r.sharedTwoViewersCpuPercentPerViewer,
      unit: '% core',
      target: '≈ half of one viewer',
      met: r.sharedTwoViewersCpuPercentPerViewer < r.cpuPercentOfCorePerViewer * 0.75,
    },
  ]);
  return { section: 'h265Transcode', rows, details: results };
}

export const run = runH265TranscodeBench;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const section = await runH265TranscodeBench({ quick, log: (line) => process.stderr.write(`${line}\n`) });
  for (const row of section.rows) process.stdout.write(`${row.metric}: ${row.value} ${row.unit}${row.floor !== undefined ? ` (floor ${row.floor})` : ''}${row.note ? `; ${row.note}` : ''}\n`);
  process.stdout.write(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
}
