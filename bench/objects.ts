/**
 * The object detector on this box (README, "What works today", Objects): frames a second it
 * classifies through Hearth's whole path (queue, worker thread, crop and letterbox, decode)
 * against the bare runtime on the same model and input in the same run (the floor); load time;
 * memory it adds to Hearth's process; and the box-wide queue under overload (8 cameras moving at
 * once at 2 fps for 10 s): frames served and dropped, and that the queue never grew past its bound.
 * Frames are OpenCV's sample footage of people walking (opencv-doc), 320 px wide as the motion
 * decoder delivers them; a grey gradient where that package is absent.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ffmpegPathSync } from '../src/ffmpeg/locate.ts';
import { createLogger } from '../src/log.ts';
import { letterboxInput } from '../src/objects/cropInput.ts';
import { detectorModel, detectorModelPath } from '../src/objects/modelFiles.ts';
import { startObjectDetector } from '../src/objects/objectDetector.ts';
import { openInferenceSession } from '../src/objects/onnxSession.ts';
import { readTfjsGraph } from '../src/objects/tfjsGraph.ts';
import { convertTfjsToOnnx } from '../src/objects/tfjsToOnnx.ts';
import { ratioOf, round, type BenchOptions, type BenchRow, type BenchSection } from './report.ts';
import { percentile, pollUntil, sleep } from './lib/timing.ts';

const width = 320;
const height = 240;
const footage = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';

function frames(count: number): { frames: Uint8Array[]; source: string } {
  const frameBytes = (width * height * 3) / 2;
  if (existsSync(footage)) {
    const raw = execFileSync(ffmpegPathSync(), ['-v', 'error', '-i', footage, '-vf', `fps=2,scale=${width}:${height}`, '-frames:v', String(count), '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 });
    const out: Uint8Array[] = [];
    for (let o = 0; o + frameBytes <= raw.length; o += frameBytes) out.push(new Uint8Array(raw.subarray(o, o + frameBytes)));
    return { frames: out, source: 'opencv-doc vtest.avi' };
  }
  return { frames: Array.from({ length: count }, (_, i) => new Uint8Array(frameBytes).map((_, k) => 16 + ((k * 7 + i) % 200))), source: 'grey gradient (opencv-doc not installed)' };
}

const whole = { x: 0, y: 0, w: 1, h: 1 };

export async function run(options: BenchOptions): Promise<BenchSection> {
  const count = options.quick ? 12 : 40;
  const { frames: pictures, source } = frames(count);
  const rows: BenchRow[] = [];
  const size = detectorModel.inputSize;

  // The floor: the bare runtime on the converted model, input prepared beforehand.
  const converted = convertTfjsToOnnx(readTfjsGraph(detectorModelPath()), 'hearth-bench');
  const bare = await openInferenceSession(converted.onnx, 1);
  const input = new Float32Array(3 * size * size);
  const bareMs: number[] = [];
  for (let i = 0; i < pictures.length + 2; i++) {
    letterboxInput({ data: pictures[i % pictures.length]!, width, height }, { x: 0, y: 0, w: width, h: height }, size, input);
    const t0 = performance.now();
    await bare.run(input, [1, 3, size, size]);
    if (i >= 2) bareMs.push(performance.now() - t0);
  }
  await bare.release();

  const log = createLogger({ level: 'error', sink: { write: () => undefined } });
  for (const threads of [1, 2]) {
    const detector = startObjectDetector({ log, queueSize: 4, threads });
    const loadStarted = performance.now();
    await detector.ready;
    const loadMs = performance.now() - loadStarted;
    const pathMs: number[] = [];
    for (let i = 0; i < pictures.length + 2; i++) {
      const t0 = performance.now();
      const result = await detector.detect({ cameraId: 'bench', frame: pictures[i % pictures.length]!, width, height, crop: whole, minScore: 0.5 });
      if (!result) throw new Error('a lone frame was dropped');
      if (i >= 2) pathMs.push(performance.now() - t0);
    }
    const median = percentile(pathMs, 50);
    if (threads === 1) {
      const floor = percentile(bareMs, 50);
      rows.push({ section: 'objects', metric: 'ms a frame through Hearth (queue, worker, crop, decode), 1 thread, median', value: round(median, 1), unit: 'ms', floor: round(floor, 1), ratio: ratioOf(median, floor), target: '≤ 1.2x the bare runtime', met: median <= floor * 1.2, note: `${source}; p90 ${round(percentile(pathMs, 90), 1)} ms; ${round(1000 / median, 1)} frames/s = ${Math.floor(1000 / median / 2)} cameras moving at once at 2 fps` });
      rows.push({ section: 'objects', metric: 'detector load (convert TF.js → ONNX, open the session), 1 thread', value: round(loadMs, 0), unit: 'ms', target: '< 3000 ms', met: loadMs < 3000 });
      const rss = detectorRss();
      const addedMiB = (rss.afterBytes - rss.beforeBytes) / 2 ** 20;
      rows.push({ section: 'objects', metric: 'RSS the loaded detector adds to a Node process (20 frames classified)', value: round(addedMiB, 1), unit: 'MiB', floor: round(rss.beforeBytes / 2 ** 20, 1), target: '< 120 MiB', met: addedMiB < 120, note: 'floor: the same fresh process before the detector loaded; measured 2026-12-03 compiled: conversion ≈53 MiB kept after GC, session ≈24, activations ≈33, the worker isolate ≈20' });
      rows.push(await overload(detector, pictures));
    } else {
      rows.push({ section: 'objects', metric: 'ms a frame through Hearth, 2 threads, median', value: round(median, 1), unit: 'ms', note: `load ${round(loadMs, 0)} ms; on a 4-core Pi, objects.threads: 2 halves the time and takes a second core while moving` });
    }
    await detector.close();
  }
  return { section: 'objects', rows, details: { source, bareMs, model: detectorModel } };
}

function detectorRss(): { beforeBytes: number; afterBytes: number } {
  const script = fileURLToPath(new URL('./lib/detectorRss.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { beforeBytes: number; afterBytes: number };
}

/** 8 cameras, each offering a frame every 500 ms for 10 s, as ObjectWatch would (one in flight per camera). */
async function overload(detector: ReturnType<typeof startObjectDetector>, pictures: Uint8Array[]): Promise<BenchRow> {
  const cameras = 8;
  const seconds = 10;
  // stats() hands out live maps: sum them now.
  const droppedBefore = [...detector.stats().drops.values()].reduce((a, b) => a + b, 0);
  const servedBefore = detector.stats().inferenceCount;
  let offered = 0;
  let skippedBusy = 0;
  let maxQueued = 0;
  const busy = new Set<string>();
  const started = performance.now();
  for (let tick = 0; tick < seconds * 2; tick++) {
    for (let c = 0; c < cameras; c++) {
      const cameraId = `cam${c}`;
      if (busy.has(cameraId)) {
        skippedBusy++;
        continue;
      }
      offered++;
      busy.add(cameraId);
      void detector.detect({ cameraId, frame: pictures[(tick + c) % pictures.length]!, width, height, crop: whole, minScore: 0.5 }).finally(() => busy.delete(cameraId));
      maxQueued = Math.max(maxQueued, detector.stats().queued);
    }
    await sleep(Math.max(0, started + (tick + 1) * 500 - performance.now()));
  }
  await pollUntil(() => busy.size === 0, 10_000, 50);
  const after = detector.stats();
  const served = after.inferenceCount - servedBefore;
  const dropped = [...after.drops.values()].reduce((a, b) => a + b, 0) - droppedBefore;
  return {
    section: 'objects',
    metric: '8 cameras moving at once at 2 fps for 10 s: largest queue (bound 4)',
    value: maxQueued,
    unit: 'frames',
    target: '≤ 4',
    met: maxQueued <= 4,
    note: `offered ${offered} (${skippedBusy} more not offered: that camera's frame was still in hand), served ${served}, dropped ${dropped} and counted`,
  };
}
