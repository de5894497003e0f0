/**
 * Stream time to index time (src/recording/segmentClock.ts): one late segment-list line (a
 * starved box) keeps the anchor, so the index has no false gap; a drift that holds for two
 * lines, or stream time running ahead, re-anchors; times never go backwards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SegmentClock } from '../../src/recording/segmentClock.ts';

const t0 = 1_800_000_000_000;

test('one late list line keeps the anchor: contiguous times, no re-anchor', () => {
  const clock = new SegmentClock(0);
  const a = clock.place(0, 2, t0 + 2_000);
  const late = clock.place(2, 4, t0 + 4_000 + 2_900); // arrived 2.9 s late
  const c = clock.place(4, 6, t0 + 6_000);
  assert.deepEqual([a.startMs, a.endMs, late.startMs, late.endMs, c.startMs, c.endMs], [t0, t0 + 2_000, t0 + 2_000, t0 + 4_000, t0 + 4_000, t0 + 6_000]);
  assert.deepEqual([a.reanchored, late.reanchored, c.reanchored], [false, false, false]);
});

test('a drift that holds for two lines re-anchors, to the smaller offset, and leaves a gap of the drift', () => {
  const clock = new SegmentClock(0);
  clock.place(0, 2, t0 + 2_000);
  const first = clock.place(2, 4, t0 + 4_000 + 5_000);
  const second = clock.place(4, 6, t0 + 6_000 + 5_100);
  assert.equal(first.reanchored, false);
  assert.equal(second.reanchored, true);
  assert.equal(second.startMs, t0 + 4_000 + 5_000);
});

test('stream time ahead of the anchor re-anchors at once; times never go backwards', () => {
  const clock = new SegmentClock(0);
  clock.place(0, 2, t0 + 2_000);
  const ahead = clock.place(2, 4, t0 + 4_000 - 3_000);
  assert.equal(ahead.reanchored, true);
  assert.ok(ahead.startMs >= t0 + 2_000, 'not before the previous segment ended');
});
