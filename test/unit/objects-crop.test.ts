/**
 * The detector's crop: the moved region with a margin, inside the frame; letterboxed into the
 * model's square; a box found there maps back onto the frame where the object is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxToFrame, cropAround, letterboxInput } from '../../src/objects/cropInput.ts';

test('the crop holds the region with a margin, at least half the shorter side, inside the frame', () => {
  const small = cropAround({ x: 0.5, y: 0.5, w: 0.05, h: 0.1 }, 320, 180);
  assert.equal(small.w, 90, 'half of 180');
  assert.equal(small.h, 90);
  assert.ok(small.x <= 160 && small.x + small.w >= 176, 'the region is inside horizontally');
  const corner = cropAround({ x: 0.9, y: 0.85, w: 0.1, h: 0.15 }, 320, 180);
  assert.ok(corner.x >= 0 && corner.y >= 0 && corner.x + corner.w <= 320 && corner.y + corner.h <= 180, JSON.stringify(corner));
  const big = cropAround({ x: 0.1, y: 0.1, w: 0.8, h: 0.8 }, 320, 180);
  assert.deepEqual(big, { x: 0, y: 0, w: 320, h: 180 }, 'a region that fills the frame gives the frame');
});

test('letterbox then back: a box drawn on the model input lands where it was in the frame', () => {
  const width = 320;
  const height = 180;
  const frame = new Uint8Array((width * height * 3) / 2).fill(128);
  // A white square at frame pixels (200..240, 100..140).
  for (let y = 100; y < 140; y++) for (let x = 200; x < 240; x++) frame[y * width + x] = 235;
  const crop = cropAround({ x: 200 / width, y: 100 / height, w: 40 / width, h: 40 / height }, width, height);
  const size = 416;
  const input = new Float32Array(3 * size * size);
  const placement = letterboxInput({ data: frame, width, height }, crop, size, input);
  // Find the white square in the model input's first plane (blue, normalised): the brightest pixels.
  let x0 = size;
  let y0 = size;
  let x1 = 0;
  let y1 = 0;
  const bright = (235 - 16) * 1.164 - 103.53;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      if (input[y * size + x]! * 57.375 > bright * 0.9) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x + 1);
        y1 = Math.max(y1, y + 1);
      }
  assert.ok(x1 > x0, 'the square is in the model input');
  const back = boxToFrame({ x0, y0, x1, y1 }, placement, width, height);
  assert.ok(Math.abs(back.x * width - 200) <= 2 && Math.abs(back.y * height - 100) <= 2, JSON.stringify(back));
  assert.ok(Math.abs(back.w * width - 40) <= 3 && Math.abs(back.h * height - 40) <= 3, JSON.stringify(back));
});
