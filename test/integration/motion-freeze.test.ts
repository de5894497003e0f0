/**
 * A stalled stream must not teach the learner a person: the simulator's scene (its burnt-in
 * binary clock top-left, a person walking in from the left edge at 10 s), encoded H.264,
 * decoded as Hearth's motion decoder does; the picture freezes for 14 s (the same frame
 * again and again, as a decoder repeats one across a timestamp jump) just as the person
 * steps in, then runs on. Seen live in web-settings-suggestions on a loaded box: the edge
 * of the person was learned, seconds before the clock. The clock must be learned; the
 * place the person stood frozen must not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ffmpegPathSync } from '../../src/ffmpeg/locate.ts';
import { motionFrameArgs } from '../../src/ffmpeg/args.ts';
import { MotionDetector, type Rect } from '../../src/motion/detector.ts';
import { Y4mReader } from '../../src/motion/y4mReader.ts';
import { simulatorClipArgs } from '../../src/simulator/ffmpegArgs.ts';
import { sceneFilterGraph, sceneRender, sceneScript } from '../../src/simulator/scene.ts';

const fps = 5;

test('a picture frozen as a person steps in at the edge is not learned; the clock is', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-motion-freeze-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'person.mp4');
  // 40 s of the 'person' scene from 9.8 s on: the first person enters at 10 s.
  const args = simulatorClipArgs({
    renderWidth: sceneRender.width, renderHeight: sceneRender.height, fps: sceneRender.fps, gopFrames: sceneRender.gopFrames,
    background: '0x507090',
    filterGraph: sceneFilterGraph({ script: sceneScript('person'), serial: 'HRTH-SIM-0001', cameraCode: 4242, phaseSec: 9.8, clockAtZeroSec: 1_000_000.3 }),
    keep: 'sub', discard: ['main'], bitrateKbps: 400, seconds: 40, file,
  });
  await new Promise<void>((resolve, reject) => {
    execFile(ffmpegPathSync(), args, { timeout: 120_000 }, (error, _out, stderr) => (error ? reject(new Error(`render failed: ${stderr || error.message}`)) : resolve()));
  });

  let detector: MotionDetector | null = null;
  let frames = 0;
  const learned: Array<{ atS: number; regions: Rect[] }> = [];
  let version = -1;
  const step = (frame: Uint8Array): void => {
    detector!.process(frame);
    frames++;
    if (detector!.nuisance.version === version) return;
    version = detector!.nuisance.version;
    learned.push({ atS: frames / fps, regions: detector!.nuisance.regions() });
  };
  let decoded = 0;
  const reader = new Y4mReader(
    (format) => (detector = new MotionDetector({ width: format.width, height: format.height, fps, sensitivity: 50 })),
    (frame) => {
      step(frame);
      // The third frame (the person's edge in view) is repeated for 14 s.
      if (++decoded === 3) {
        const frozen = frame.slice();
        for (let i = 0; i < 14 * fps; i++) step(frozen);
      }
    },
  );
  const child = spawn(ffmpegPathSync(), motionFrameArgs({ inputUrl: file, fps, width: 320, ioTimeoutSeconds: 10, offline: true }), { stdio: ['ignore', 'pipe', 'ignore'] });
  child.stdout.on('data', (chunk: Buffer) => reader.push(chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  clearTimeout(timer);
  assert.equal(code, 0, 'the clip decoded');
  assert.ok(frames >= 40 * fps + 14 * fps - 5, `${frames} frames`);

  console.log(`motion-freeze: learned ${learned.map((l) => `${l.atS}s:${JSON.stringify(l.regions)}`).join(' ')}`);
  // The person: 80 px tall at y 230 of 360, entering at the left edge.
  const person = learned.find((l) => l.regions.some((r) => r.y + r.h > 0.5));
  assert.equal(person, undefined, `the frozen person was learned at ${person?.atS} s: ${JSON.stringify(person?.regions)}`);
  // The simulator's clock strip is at the top of the picture (as web-settings-suggestions checks it).
  const clockAt = learned.find((l) => l.regions.some((r) => r.y < 0.15 && r.w * r.h <= 0.06))?.atS;
  assert.ok(clockAt !== undefined && clockAt <= 45, `the clock was learned at ${clockAt} s`);
});
