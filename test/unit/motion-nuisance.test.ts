/**
 * The nuisance learner on block activity fed directly (5 fps, an 80x45 block grid as at
 * 320x180): a blinking LED is learned and released when it stops; a crossing never is;
 * a scene flickering everywhere does not mask itself away; seeded regions count at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NuisanceRegions, maxLearnedArea, releaseSeconds } from '../../src/motion/nuisanceRegions.ts';

const blocksX = 80;
const blocksY = 45;
const fps = 5;

type ActiveAt = (bx: number, by: number, f: number) => boolean;

/** `frame(activeAt, countAt)`: an active block's changed-pixel count is `countAt`'s when given, else it ticks. */
function learner(): { regions: NuisanceRegions; frame: (activeAt: ActiveAt, countAt?: (bx: number, by: number, f: number) => number) => void } {
  const regions = new NuisanceRegions({ blocksX, blocksY, fps });
  const active = new Uint8Array(blocksX * blocksY);
  const changed = new Uint16Array(blocksX * blocksY);
  const need = new Uint16Array(blocksX * blocksY).fill(3);
  let f = 0;
  return {
    regions,
    frame: (activeAt, countAt) => {
      for (let by = 0; by < blocksY; by++) {
        for (let bx = 0; bx < blocksX; bx++) {
          const on = activeAt(bx, by, f);
          active[by * blocksX + bx] = on ? 1 : 0;
          // A ticking thing's changed-pixel count jumps every second; a steady one does not.
          changed[by * blocksX + bx] = !on ? 0 : (countAt?.(bx, by, f) ?? 4 + ((Math.floor(f / fps) + bx) % 2) * 4);
        }
      }
      regions.observe(active, changed, need);
      f++;
    },
  };
}

const ledAt = (bx: number, by: number): boolean => bx >= 70 && bx <= 72 && by >= 40 && by <= 41;

test('a blinking LED is learned within seconds, left out, and released after it stops', () => {
  const { regions, frame } = learner();
  for (let i = 0; i < 15 * fps; i++) frame((bx, by) => ledAt(bx, by));
  const learned = regions.regions();
  assert.equal(learned.length, 1, JSON.stringify(learned));
  const [r] = learned;
  assert.ok(r!.x <= 70 / blocksX && r!.x + r!.w >= 73 / blocksX && r!.y <= 40 / blocksY && r!.y + r!.h >= 42 / blocksY, JSON.stringify(r));
  assert.equal(regions.suppressed[40 * blocksX + 71], 1);
  for (let i = 0; i < (releaseSeconds + 2) * fps; i++) frame(() => false);
  assert.deepEqual(regions.regions(), [], 'released once it stopped changing');
  assert.equal(regions.suppressed[40 * blocksX + 71], 0);
});

test('an LED blinking (one second on, one off) is learned too', () => {
  const { regions, frame } = learner();
  for (let i = 0; i < 15 * fps; i++) frame((bx, by, f) => ledAt(bx, by) && Math.floor(f / fps) % 2 === 0);
  assert.equal(regions.regions().length, 1, JSON.stringify(regions.regions()));
});

test('people crossing, again and again, are never learned', () => {
  const { regions, frame } = learner();
  // A 6x16-block person crossing in 5 s every 7 s for two minutes, along the same path.
  for (let i = 0; i < 120 * fps; i++) {
    const t = (i % (7 * fps)) / fps;
    const x = Math.floor(-6 + (86 * t) / 5);
    frame((bx, by) => t < 5 && by >= 20 && by < 36 && bx >= x && bx < x + 6);
  }
  assert.deepEqual(regions.regions(), []);
});

test('a scene changing everywhere does not mask itself away; seeded regions count from the first frame', () => {
  const { regions, frame } = learner();
  // Flickering patches all over (leaves in wind): each small, together far over the cap.
  const patch = (bx: number, by: number): boolean => bx % 10 < 3 && by % 8 < 2;
  for (let i = 0; i < 20 * fps; i++) frame(patch);
  const area = regions.regions().reduce((sum, r) => sum + r.w * r.h, 0);
  assert.ok(area > 0 && area <= maxLearnedArea + 1e-9, `learned ${area} of the frame`);

  const seeded = new NuisanceRegions({ blocksX, blocksY, fps });
  seeded.seed([{ x: 0, y: 0, w: 0.5, h: 0.09 }]);
  assert.equal(seeded.suppressed[1 * blocksX + 10], 1);
  assert.equal(seeded.suppressed[10 * blocksX + 10], 0);
});

test('people entering at the same door every few seconds are never learned; the clock beside them is', () => {
  const { regions, frame } = learner();
  // The clock's seconds ticking in place (top left); a 4x10-block person walks in from the left
  // edge every 2 s, 2 blocks a frame, and goes in at a door 12 blocks in: the entry area is
  // active in half the seconds and re-changes, as a blinking LED does, but it travels.
  const clockAt = (bx: number, by: number): boolean => bx >= 2 && bx <= 12 && by >= 0 && by <= 2;
  const entryArea = { x0: 0, x1: 16, y0: 20, y1: 29 };
  for (let i = 0; i < 90 * fps; i++) {
    const step = i % (2 * fps);
    const x = -4 + 2 * step;
    frame((bx, by) => clockAt(bx, by) || (step < 8 && by >= 20 && by < 30 && bx >= x && bx < x + 4));
    for (const r of regions.regions()) {
      const x0 = r.x * blocksX;
      const x1 = (r.x + r.w) * blocksX;
      const y0 = r.y * blocksY;
      const y1 = (r.y + r.h) * blocksY;
      const overlaps = x0 < entryArea.x1 && x1 > entryArea.x0 && y0 < entryArea.y1 && y1 > entryArea.y0;
      assert.ok(!overlaps, `at ${(i / fps).toFixed(1)} s the entry area was learned: ${JSON.stringify(regions.regions())}`);
    }
  }
  const learned = regions.regions();
  assert.ok(learned.some((r) => r.y < 0.1 && r.x <= 2 / blocksX && r.x + r.w >= 13 / blocksX), `the clock is learned: ${JSON.stringify(learned)}`);
});

test('a picture frozen with a person at the edge (a stalled stream) is not learned; the clock is, once it ticks again', () => {
  const { regions, frame } = learner();
  // Seen live in web-settings-suggestions on a loaded box: the stream froze for over 12 s just
  // as a person stepped in at the left edge; their two visible columns were active in every
  // bin, with 3 count jumps, all in the second they arrived. The clock is frozen too.
  const clockAt = (bx: number, by: number): boolean => bx >= 44 && bx <= 58 && by >= 0 && by <= 2;
  const person = (bx: number, by: number, columns: number): boolean => by >= 29 && by <= 38 && bx < columns;
  // Stepping in: the counts of the edge blocks jump as the person covers more of them (3
  // jumps in that second), then stay put: the picture froze.
  for (const count of [4, 8, 12]) frame((bx, by) => person(bx, by, 2), () => count);
  for (let i = 0; i < 15 * fps; i++) {
    frame((bx, by) => person(bx, by, 2), () => 12);
    assert.ok(!regions.regions().some((r) => r.y > 0.5), `at ${(i / fps).toFixed(1)} s of the freeze the person was learned: ${JSON.stringify(regions.regions())}`);
  }
  // The stream resumes: the person walks on, the clock ticks.
  for (let i = 0; i < 20 * fps; i++) frame((bx, by, f) => clockAt(bx, by) && Math.floor(f / fps) % 2 === 0);
  const learned = regions.regions();
  assert.ok(!learned.some((r) => r.y > 0.5), JSON.stringify(learned));
  assert.ok(learned.some((r) => r.y < 0.1), `the clock is learned: ${JSON.stringify(learned)}`);
});
