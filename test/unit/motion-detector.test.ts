import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MotionDetector, DetectorOptionsError, type FrameVerdict } from '../../src/motion/detector.ts';
import { frameHeight, frameWidth, sceneFrame, type SceneFrameOptions } from '../helpers/syntheticFrames.ts';

function detector(extra: Partial<ConstructorParameters<typeof MotionDetector>[0]> = {}): MotionDetector {
  return new MotionDetector({ width: frameWidth, height: frameHeight, fps: 5, sensitivity: 50, ...extra });
}

/** Feeds `frames` frames; returns how many reported motion and the verdicts' global-change count. */
function run(d: MotionDetector, frames: number, make: (i: number) => SceneFrameOptions): { motion: number; global: number; last: FrameVerdict } {
  let motion = 0;
  let global = 0;
  for (let i = 0; i < frames; i++) {
    const v = d.process(sceneFrame(make(i)));
    if (v.motion) motion++;
    if (v.globalChange) global++;
  }
  return { motion, global, last: d.verdict };
}

const person = (i: number): SceneFrameOptions['box'] => ({ x: 20 + i * 12, y: 60, w: 24, h: 60, luma: 230, u: 90, v: 200 });

test('a moving person-sized block is motion, with a region around it', () => {
  const d = detector();
  run(d, 10, () => ({}));
  let seen = 0;
  for (let i = 0; i < 10; i++) {
    const v = d.process(sceneFrame({ box: person(i) }));
    if (v.motion) {
      seen++;
      const boxX = (20 + i * 12) / frameWidth;
      assert.ok(v.regionX <= boxX + 0.01 && v.regionX + v.regionW >= boxX + 24 / frameWidth - 0.01, `region x covers the box at frame ${i}`);
      assert.ok(v.regionY <= 60 / frameHeight + 0.01 && v.regionY + v.regionH >= 120 / frameHeight - 0.01, 'region y covers the box');
      assert.ok(v.score > 0 && v.score < 0.2);
    }
  }
  assert.ok(seen >= 9, `motion in ${seen} of 10 frames`);
});

test('an object with the background brightness is still seen by its colour', () => {
  const d = detector();
  run(d, 10, () => ({}));
  const r = run(d, 8, (i) => ({ box: { x: 20 + i * 12, y: 60, w: 24, h: 60, luma: 100, u: 80, v: 210 } }));
  assert.ok(r.motion >= 6, `motion in ${r.motion} of 8 frames`);
});

test('a small object (10×10 px at 320) is motion', () => {
  const d = detector();
  run(d, 10, () => ({}));
  const r = run(d, 8, (i) => ({ box: { x: 150 + i * 8, y: 20, w: 10, h: 10, luma: 20, u: 128, v: 128 } }));
  assert.ok(r.motion >= 6, `motion in ${r.motion} of 8 frames`);
});

test('global brightness steps and exposure changes are not motion', () => {
  const d = detector();
  run(d, 10, () => ({}));
  const steps = [40, -30, 60, 0];
  let motion = 0;
  for (const brightness of steps) motion += run(d, 10, () => ({ brightness })).motion;
  motion += run(d, 10, () => ({ gain: 0.7, brightness: 20 })).motion;
  motion += run(d, 10, (i) => ({ brightness: i * 6 })).motion; // a cloud clearing over two seconds
  assert.equal(motion, 0);
});

test('the IR switch to greyscale (with its contrast jump) is not motion', () => {
  const d = detector();
  run(d, 10, () => ({}));
  const toIr = run(d, 15, () => ({ greyscale: true, gain: 1.3, brightness: 25 }));
  const back = run(d, 15, () => ({}));
  assert.equal(toIr.motion + back.motion, 0);
  assert.ok(toIr.global >= 1 && back.global >= 1, 'both switches re-seed the background');
});

test('heavy sensor noise is not motion, and motion is still seen through it', () => {
  const d = detector();
  const quiet = run(d, 60, () => ({ noise: 30 }));
  assert.equal(quiet.motion, 0);
  const r = run(d, 8, (i) => ({ noise: 30, box: { x: 20 + i * 12, y: 60, w: 24, h: 60, luma: 250, u: 60, v: 220 } }));
  assert.ok(r.motion >= 5, `motion in ${r.motion} of 8 noisy frames`);
});

test('a still scene stays quiet for a long time', () => {
  const d = detector();
  assert.equal(run(d, 300, () => ({})).motion, 0);
});

test('masks hide their area; zones limit detection to theirs', () => {
  const box = (i: number): SceneFrameOptions => ({ box: { x: 20 + i * 5, y: 60, w: 24, h: 60, luma: 230, u: 90, v: 200 } });
  const masked = detector({ masks: [{ x: 0, y: 0.2, w: 0.5, h: 0.6 }] });
  run(masked, 10, () => ({}));
  assert.equal(run(masked, 10, box).motion, 0, 'motion under a mask is ignored');

  const zoned = detector({ zones: [{ x: 0.6, y: 0, w: 0.4, h: 1 }] });
  run(zoned, 10, () => ({}));
  assert.equal(run(zoned, 10, box).motion, 0, 'motion outside every zone is ignored');
  const inZone = run(zoned, 8, (i) => ({ box: { x: 220 + i * 8, y: 60, w: 24, h: 60, luma: 230, u: 90, v: 200 } }));
  assert.ok(inZone.motion >= 6);

  assert.throws(() => detector({ masks: [{ x: 0, y: 0, w: 1, h: 1 }] }), DetectorOptionsError);
});

test('lower sensitivity ignores what higher sensitivity reports', () => {
  const faint = (i: number): SceneFrameOptions => ({ box: { x: 150 + i * 6, y: 20, w: 8, h: 8, luma: 45, u: 128, v: 128 } });
  const low = detector({ sensitivity: 1 });
  const high = detector({ sensitivity: 100 });
  run(low, 10, () => ({}));
  run(high, 10, () => ({}));
  assert.ok(run(high, 8, faint).motion >= 5);
  assert.equal(run(low, 8, faint).motion, 0);
});
