/**
 * `npm run bench`: every benchmark, each figure beside its floor measured in the same run
 * and its target, printed as one table and written to bench/results.json (+ results.md).
 * Never part of `npm test`. Sections, in order, with their time budgets on a 2-core box:
 *   motion (≤ 4 min) · recording overhead, memory on shared simulators (≤ 6 min) · storage (≤ 1.5 min) ·
 *   index, playback, storm (bench/index.ts, playback.ts, storm.ts, if present; ≤ 4.5 min).
 * A section that throws is reported in the table and the others still run.
 * Usage: npm run bench [-- --quick] [-- --only motion,recording,storage,index,playback,storm,objects]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ffmpegPathSync } from '../src/ffmpeg/locate.ts';
import { formatMotionTable, runMotionQualityBench, type MotionBenchOptions, type MotionBenchResult } from './motion-quality.ts';
import { recordingRows, runAllRecordingPlans } from './recording.ts';
import { memoryRowsOf, runMemoryBenches, type MemoryBenchResult } from './memory.ts';
import { runStorageBench } from './storage.ts';
import { formatMarkdown, formatTable, round, type BenchOptions, type BenchRow, type BenchRunner, type BenchSection } from './report.ts';

const quick = process.argv.includes('--quick');
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex > 0 ? new Set((process.argv[onlyIndex + 1] ?? '').split(',')) : null;
const wanted = (name: string): boolean => only === null || only.has(name);
const log = (line: string): void => void process.stderr.write(`[bench ${elapsed()}] ${line}\n`);
const options: BenchOptions = { quick, log };
const started = Date.now();
const startedAt = new Date(started).toISOString();
const loadAverageAtStart = loadavg();
const sections: BenchSection[] = [];
let failures = 0;

/** Runs one section, timing it; a throw becomes a row saying so, and the bench goes on. */
async function section(name: string, body: () => Promise<BenchSection | BenchSection[]>): Promise<void> {
  if (!wanted(name)) return;
  const t0 = Date.now();
  log(`${name}: start`);
  try {
    const result = await body();
    for (const s of Array.isArray(result) ? result : [result]) {
      s.wallSeconds ??= round((Date.now() - t0) / 1000, 1);
      sections.push(s);
    }
  } catch (error) {
    failures++;
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    log(`${name}: FAILED: ${error instanceof Error ? (error.stack ?? message) : message}`);
    sections.push({ section: name, rows: [{ section: name, metric: 'section failed', value: 0, unit: '', met: false, note: message.slice(0, 200) }], wallSeconds: round((Date.now() - t0) / 1000, 1) });
  }
  log(`${name}: done in ${round((Date.now() - t0) / 1000, 1)} s`);
}

await section('motion', async () => {
  const motion = await runMotionQualityBench({ quick, log, ...motionBudget() });
  process.stderr.write(`${formatMotionTable(motion)}\n`);
  return { section: 'motion', rows: motionRows(motion), details: motion };
});

await section('recording', async () => {
  // Memory runs on the recording bench's default-scene simulator while it is up: its 16 cameras start once.
  let memory: MemoryBenchResult[] | null = null;
  let memorySeconds = 0;
  const recording = await runAllRecordingPlans(options, async (streams) => {
    const t0 = Date.now();
    memory = await runMemoryBenches(options, streams);
    memorySeconds = round((Date.now() - t0) / 1000, 1);
  });
  const out: BenchSection[] = [{ section: 'recording', rows: recordingRows(recording), details: recording }];
  if (memory) out.push({ section: 'memory', rows: memoryRowsOf(memory), details: memory, wallSeconds: memorySeconds });
  return out;
});

// Its own recordings at several bitrates: whole segments weighed against their own packets.
await section('storage', () => runStorageBench(options));

// Part 2 (index at scale, playback latency, reconnect storm): plugged in when present.
for (const name of ['index', 'playback', 'storm', 'objects']) {
  if (!wanted(name)) continue;
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  if (!existsSync(file)) {
    log(`${name}: bench/${name}.ts not present; skipped`);
    continue;
  }
  await section(name, async () => {
    const mod = (await import(pathToFileURL(file).href)) as { run?: BenchRunner; default?: BenchRunner };
    const runner = mod.run ?? mod.default;
    if (typeof runner !== 'function') throw new Error(`bench/${name}.ts exports no run(options) function`);
    return runner(options);
  });
}

const rows: BenchRow[] = sections.flatMap((s) => s.rows);
const wallSeconds = round((Date.now() - started) / 1000, 1);
const machine = machineInfo();
process.stdout.write(`\n${formatTable(rows)}\n\n`);
process.stdout.write(
  `machine: ${machine.cpuModel}, ${machine.cores} cores, ${round(machine.memoryBytes / 2 ** 30, 1)} GiB, node ${machine.node}, ${machine.ffmpeg}; ` +
    `load at start ${machine.loadAverageAtStart.map((l) => l.toFixed(1)).join(' ')}\n`,
);
process.stdout.write(`bench took ${Math.floor(wallSeconds / 60)} min ${Math.round(wallSeconds % 60)} s${quick ? ' (--quick)' : ''}; sections: ${sections.map((s) => `${s.section} ${s.wallSeconds} s`).join(', ')}\n`);

const results = {
  startedAt,
  finishedAt: new Date().toISOString(),
  wallSeconds,
  quick,
  machine,
  rows,
  sections: Object.fromEntries(sections.map((s) => [s.section, { wallSeconds: s.wallSeconds, details: s.details ?? null }])),
};
const file = fileURLToPath(new URL('./results.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
const markdown = fileURLToPath(new URL('./results.md', import.meta.url));
writeFileSync(
  markdown,
  `${formatMarkdown(rows)}\n\nMachine: ${machine.cpuModel}, ${machine.cores} cores, ${round(machine.memoryBytes / 2 ** 30, 1)} GiB RAM, ` +
    `Linux ${machine.kernel}, Node ${machine.node}, ${machine.ffmpeg}; ${startedAt.slice(0, 10)}; whole bench ${Math.round(wallSeconds)} s.\n`,
);
process.stdout.write(`wrote ${file} and ${markdown}\n`);
process.exitCode = failures > 0 ? 1 : 0;

function motionBudget(): Pick<MotionBenchOptions, 'simulatorScenes' | 'longSeconds' | 'liveConcurrency'> {
  // ≤ 4 min: four live scenes at once (one 125 s period) beside 4-min long lavfi scenes.
  return quick ? { longSeconds: 120 } : { simulatorScenes: ['person', 'small', 'ir', 'noise'], liveConcurrency: 4, longSeconds: 240 };
}

function motionRows(m: MotionBenchResult): BenchRow[] {
  const s = m.summary;
  const c = m.cpu;
  const cpuRatio = round(1 + c.addedOverFloor, 2);
  return [
    { section: 'motion', metric: 'recall (scenes with objects)', value: s.recall, unit: '', target: '≥ 0.95', met: s.recall >= 0.95 },
    { section: 'motion', metric: 'precision', value: s.precision, unit: '', target: '≥ 0.95', met: s.precision >= 0.95 },
    {
      section: 'motion',
      metric: 'false events per hour (light, IR, noise, still)',
      value: s.falseEventsPerHourQuiet,
      unit: '/h',
      target: '≤ 1',
      met: s.falseEventsPerHourQuiet <= 1,
      note: `over ${s.quietMinutes} min`,
    },
    {
      section: 'motion',
      metric: 'cpu per camera, motion vs decode-only',
      value: round(c.motionFfmpegPercent + c.motionNodePercent, 1),
      unit: '% core',
      floor: c.floorFfmpegPercent,
      ratio: cpuRatio,
      target: '≤ 1.25x',
      met: cpuRatio <= 1.25,
      note: `detector ${c.detectorMsPerFrame} ms/frame; ${c.seconds} s, 640x360 → 5 fps 320 px`,
    },
  ];
}

function machineInfo() {
  const version = spawnSync(ffmpegPathSync(), ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000 });
  const first = (version.stdout ?? '').split('\n')[0] ?? '';
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryBytes: totalmem(),
    kernel: release(),
    node: process.version,
    ffmpeg: /ffmpeg version (\S+)/.exec(first)?.[1] ? `ffmpeg ${/ffmpeg version (\S+)/.exec(first)![1]}` : 'ffmpeg unknown',
    loadAverageAtStart,
    date: startedAt,
  };
}

function elapsed(): string {
  const s = Math.round((Date.now() - started) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
