/**
 * Motion quality and cost, against ground truth (README, "Performance"):
 *  - the simulator's scenes, live over RTSP (one 120 s period each, two at a time by default),
 *    side by side with the lavfi scenes;
 *  - long lavfi scenes decoded faster than real time (10 min of light steps, IR switches,
 *    heavy noise) for false events per hour, plus object scenes with other colours/sizes;
 *  - motion CPU per camera beside ffmpeg decoding alone (the floor).
 * Prints a table; `runMotionQualityBench()` returns the JSON for `npm run bench`.
 * Usage: node --import tsx bench/motion-quality.ts [--quick] [--long-seconds 600] [--json]
 */
import { pathToFileURL } from 'node:url';
import type { ScenePreset } from '../src/simulator/index.ts';
import { scoreEvents, type SceneScore } from '../test/helpers/eventScore.ts';
import { lavfiScenes } from './motionScenes.ts';
import { runOffline } from './motionRun.ts';
import { runLiveScene } from './motionLive.ts';
import { measureMotionCpu, type MotionCpuFigures } from './motionCpu.ts';

export interface SceneRow extends SceneScore {
  source: 'simulator' | 'lavfi';
  scene: string;
  observedMinutes: number;
}

export interface MotionBenchResult {
  scenes: SceneRow[];
  cpu: MotionCpuFigures;
  /** Across scenes with objects / across scenes without (light, IR, noise, still). */
  summary: { recall: number; precision: number; falseEventsPerHourQuiet: number; quietMinutes: number };
  pass: boolean;
}

export interface MotionBenchOptions {
  /** Skip the live simulator scenes (about 9 minutes); lavfi scenes and CPU only. */
  quick?: boolean;
  simulatorScenes?: ScenePreset[];
  /** Seconds of each long lavfi light/noise scene. */
  longSeconds?: number;
  /** Live simulator scenes run this many at a time (default 2). */
  liveConcurrency?: number;
  log?: (line: string) => void;
}

const liveScenes: ScenePreset[] = ['person', 'small', 'slow', 'brightness', 'ir', 'noise', 'still'];

export async function runMotionQualityBench(options: MotionBenchOptions = {}): Promise<MotionBenchResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const rows: SceneRow[] = [];

  // The lavfi scenes are CPU-bound and the live ones wall-clock-bound: run them side by side.
  const offline = async (): Promise<void> => {
    for (const scene of lavfiScenes(options.longSeconds ?? 600)) {
      const run = await runOffline({ inputUrl: scene.inputUrl, timeoutMs: 300_000 });
      rows.push({ source: 'lavfi', scene: scene.name, observedMinutes: scene.durationMs / 60_000, ...scoreEvents(run.events, scene.truth, scene.durationMs, 1_000) });
      log(`lavfi ${scene.name}: ${run.events.length} events`);
    }
  };

  const live = async (): Promise<void> => {
    if (options.quick) return;
    const pending = [...(options.simulatorScenes ?? liveScenes)];
    // Each simulated camera encodes two H.264 streams in real time: a few at a time.
    const worker = async (): Promise<void> => {
      for (let scene = pending.shift(); scene; scene = pending.shift()) {
        const result = await runLiveScene(scene, 125_000);
        rows.push({ source: 'simulator', scene: result.scene, observedMinutes: result.observedMs / 60_000, ...result.score });
        log(`simulator ${scene}: ${result.events.length} events, ${result.truth.length} truth intervals`);
      }
    };
    await Promise.all(Array.from({ length: options.liveConcurrency ?? 2 }, worker));
  };
  await Promise.all([offline(), live()]);
  rows.sort((a, b) => a.source.localeCompare(b.source));

  const cpu = await measureMotionCpu(15);
  const withObjects = rows.filter((r) => r.motionIntervals > 0);
  const quiet = rows.filter((r) => r.motionIntervals === 0);
  const sum = (list: SceneRow[], f: (r: SceneRow) => number): number => list.reduce((a, r) => a + f(r), 0);
  const found = sum(withObjects, (r) => r.found);
  const intervals = sum(withObjects, (r) => r.motionIntervals);
  const events = sum(rows, (r) => r.events);
  const matched = sum(rows, (r) => r.matchedEvents);
  const quietMinutes = sum(quiet, (r) => r.observedMinutes);
  const summary = {
    recall: intervals === 0 ? 1 : round(found / intervals),
    precision: events === 0 ? 1 : round(matched / events),
    falseEventsPerHourQuiet: quietMinutes === 0 ? 0 : round((sum(quiet, (r) => r.falseEvents) * 60) / quietMinutes),
    quietMinutes: round(quietMinutes),
  };
  const pass = summary.recall >= 0.95 && summary.precision >= 0.95 && summary.falseEventsPerHourQuiet <= 1;
  return { scenes: rows, cpu, summary, pass };
}

export function formatMotionTable(result: MotionBenchResult): string {
  const header = ['source', 'scene', 'min', 'truth', 'found', 'events', 'recall', 'precision', 'false/h', 'latency ms (mean/max)'];
  const lines = result.scenes.map((r) => [
    r.source, r.scene, r.observedMinutes.toFixed(1), String(r.motionIntervals), String(r.found), String(r.events),
    r.recall.toFixed(2), r.precision.toFixed(2), r.falseEventsPerHour.toFixed(1),
    r.meanLatencyMs === null ? '-' : `${r.meanLatencyMs}/${r.maxLatencyMs}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const s = result.summary;
  const c = result.cpu;
  return [
    row(header),
    row(widths.map((w) => '-'.repeat(w))),
    ...lines.map(row),
    '',
    `overall: recall ${s.recall}  precision ${s.precision}  false events/hour in light/IR/noise/still scenes ${s.falseEventsPerHourQuiet} (over ${s.quietMinutes} min)  ${result.pass ? 'PASS' : 'FAIL'}`,
    `cpu per camera (% of one core, ${c.seconds} s, 640x360 15 fps H.264 → 5 fps 320 px): decode floor ${c.floorFfmpegPercent}%  ` +
      `motion ffmpeg ${c.motionFfmpegPercent}% + node ${c.motionNodePercent}% (detector ${c.detectorOnlyPercent}%, ${c.detectorMsPerFrame} ms/frame)  ` +
      `detector/floor ${c.detectorOverFloor}  all motion/floor +${c.addedOverFloor}`,
  ].join('\n');
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const longIndex = process.argv.indexOf('--long-seconds');
  const longSeconds = longIndex > 0 ? Number(process.argv[longIndex + 1]) : undefined;
  const result = await runMotionQualityBench({ quick: process.argv.includes('--quick'), longSeconds });
  process.stdout.write(`${formatMotionTable(result)}\n`);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exitCode = result.pass ? 0 : 1;
}
