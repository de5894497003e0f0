/**
 * The simulator's cheap 'loop' media mode (bench/storm.ts): each camera sends its own
 * pre-rendered clip by stream copy, so frames still name their camera by the burnt-in code;
 * and the connection gauge sees each RTSP attempt from accept to PLAY.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { ffmpegPathSync } from '../../src/ffmpeg/locate.ts';
import { cameraCodeForSerial, readFrameCode, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { loopClipDir } from '../../src/simulator/loopClip.ts';

const run = promisify(execFile);
let simulator: Simulator;
const serialPrefix = `LP${process.pid}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-sim-loop-'));

before(async () => {
  simulator = await startSimulator({ cameras: 2, media: 'loop', serialPrefix });
});
after(async () => {
  await simulator.stop();
  rmSync(dir, { recursive: true, force: true });
  // This run's clips are named by its own serials: leave no cache behind.
  for (const name of readdirSync(loopClipDir)) if (name.startsWith(`${serialPrefix}-`)) rmSync(path.join(loopClipDir, name), { force: true });
});

test('each looping camera serves its own picture, and the gauge counts the attempts', { timeout: 120_000 }, async () => {
  for (const camera of simulator.cameras) {
    const file = path.join(dir, `${camera.index}.mp4`);
    await run(ffmpegPathSync(), ['-v', 'error', '-rtsp_transport', 'tcp', '-timeout', '10000000', '-i', camera.rtspUrl('main', true), '-t', '3', '-c', 'copy', '-y', file], { timeout: 60_000 });
    const { stdout } = await run(ffmpegPathSync(), ['-v', 'error', '-i', file, '-vf', 'fps=2', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    const size = 640 * 360;
    const codes = new Set<number | undefined>();
    for (let offset = 0; offset + size <= stdout.length; offset += size) codes.add(readFrameCode(stdout.subarray(offset, offset + size), 640, 360)?.cameraCode);
    assert.deepEqual([...codes], [cameraCodeForSerial(camera.serial)], `frames of ${camera.serial} carry its code only`);
  }
  const gauge = simulator.connections.rtspAttempts;
  assert.equal(gauge.total, 2, 'one RTSP connection per pull');
  assert.equal(gauge.peak, 1, 'the pulls ran one after the other');
  assert.equal(gauge.current, 0, 'both attempts ended (PLAY, then close)');
  assert.equal(simulator.connections.any.total, 2);
});
