/**
 * Stream time to index time (src/recording/segmentClock.ts). Within one ffmpeg run, segments
 * contiguous in stream time stay contiguous in the index: a latency that grows after the first
 * line (CI: the GStreamer `clock` camera, gaps of 2.9–5.9 s after its first segment), one late
 * line or a starved minute opens no gap; a slow camera-clock drift is followed in steps of at
 * most slewMsPerLine; stream time ahead, or a clock stepped forward, re-anchors; times never go
 * backwards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SegmentClock, clockStepMs, slewMsPerLine, type Placed } from '../../src/recording/segmentClock.ts';

const t0 = 1_800_000_000_000;
const segmentSeconds = 6;

interface Line {
  startSeconds: number;
  endSeconds: number;
  arrivedAtMs: number;
}

/** `count` list lines of one run: the first segment short (cut at a clock boundary), then segmentSeconds each; `arrival` maps the end to wall ms. */
function lines(count: number, arrival: (endSeconds: number, index: number) => number, firstEndSeconds = 2.8): Line[] {
  const out: Line[] = [];
  for (let i = 0, start = 0; i < count; i++) {
    const end = i === 0 ? firstEndSeconds : start + segmentSeconds;
    out.push({ startSeconds: start, endSeconds: end, arrivedAtMs: arrival(end, i) });
    start = end;
  }
  return out;
}

function placeAll(clock: SegmentClock, all: Line[]): Placed[] {
  return all.map((l) => clock.place(l.startSeconds, l.endSeconds, l.arrivedAtMs));
}

const gapsOf = (placed: Placed[]): number[] => placed.slice(1).map((p, i) => p.startMs - placed[i]!.endMs);

/** Deterministic 0..1 (a line's latency jitter), so a failure reproduces. */
function jitter(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
}

test('a latency step after the first line (the CI clock camera) opens no gap and does not re-anchor', () => {
  const clock = new SegmentClock(0);
  // Line 1 came with the least latency; from line 2 on every line comes 5.9 s later.
  const placed = placeAll(clock, lines(11, (end, i) => t0 + end * 1000 + (i === 0 ? 0 : 5_900)));
  assert.deepEqual(gapsOf(placed), Array(10).fill(0), 'contiguous in stream time, contiguous in the index');
  assert.deepEqual(placed.map((p) => p.reanchored), Array(11).fill(false));
  assert.equal(placed[0]!.startMs, t0, 'anchored on the least latency');
  assert.deepEqual(placed.slice(1).map((p) => p.lateMs), Array(10).fill(5_900), 'each line says how late it came');
});

test('a latency step that holds for 10 minutes is followed in small slews only, never a gap over slewMsPerLine', () => {
  const clock = new SegmentClock(0);
  const placed = placeAll(clock, lines(100, (end, i) => t0 + end * 1000 + (i === 0 ? 0 : 5_900)));
  const gaps = gapsOf(placed);
  assert.ok(gaps.every((g) => g >= 0 && g <= slewMsPerLine), `gaps ${gaps.join(', ')}`);
  assert.deepEqual(gaps.slice(0, 10), Array(10).fill(0), 'nothing moves in the first minute');
  assert.ok(placed.every((p) => !p.reanchored));
});

test('one late line, and a starved half minute of late lines, keep the anchor: contiguous times', () => {
  const one = placeAll(new SegmentClock(0), lines(5, (end, i) => t0 + end * 1000 + (i === 2 ? 2_900 : 0)));
  assert.deepEqual(gapsOf(one), [0, 0, 0, 0]);
  assert.deepEqual(one.map((p) => p.reanchored), Array(5).fill(false));
  // Lines 2..6 (30 s) each 3–5 s late, then back to normal.
  const starved = placeAll(new SegmentClock(0), lines(12, (end, i) => t0 + end * 1000 + (i >= 2 && i <= 6 ? 3_000 + i * 400 : 0)));
  assert.deepEqual(gapsOf(starved), Array(11).fill(0));
  assert.ok(starved.every((p) => !p.reanchored));
});

test('a camera clock 100 ppm slow, over 12 hours with latency jitter: followed within 1.5 s, no gap over slewMsPerLine', () => {
  const clock = new SegmentClock(0);
  const random = jitter(7);
  // The camera's second lasts 1.0001 host seconds; each line comes 0–300 ms after its keyframe.
  const count = (12 * 3600) / segmentSeconds;
  const trueEndMs = (end: number): number => t0 + end * 1000 * 1.0001;
  const all = lines(count, (end) => trueEndMs(end) + random() * 300);
  const placed = placeAll(clock, all);
  const gaps = gapsOf(placed);
  assert.ok(gaps.every((g) => g >= 0 && g <= slewMsPerLine), `largest gap ${Math.max(...gaps)} ms, smallest ${Math.min(...gaps)} ms`);
  const errors = placed.map((p, i) => Math.abs(p.endMs - trueEndMs(all[i]!.endSeconds)));
  assert.ok(Math.max(...errors) <= 1_500, `index time off by up to ${Math.round(Math.max(...errors))} ms (4.3 s unfollowed)`);
  assert.ok(placed.every((p) => !p.reanchored));
});

test('stream time ahead of the anchor (a clock stepped back) re-anchors at once; times never go backwards', () => {
  const clock = new SegmentClock(0);
  const placed = placeAll(clock, lines(6, (end, i) => t0 + end * 1000 - (i >= 3 ? 3_600_000 : 0)));
  assert.deepEqual(placed.map((p) => p.reanchored), [false, false, false, true, false, false]);
  assert.deepEqual(gapsOf(placed), [0, 0, 0, 0, 0], 'new segments continue after the last one, none overlaps');
});

test('a clock stepped forward (two lines beyond clockStepMs) re-anchors at once, to the smaller offset', () => {
  const clock = new SegmentClock(0);
  const dayMs = 86_400_000;
  const placed = placeAll(clock, lines(6, (end, i) => t0 + end * 1000 + (i >= 3 ? dayMs : 0) + (i === 4 ? 500 : 0)));
  assert.deepEqual(placed.map((p) => p.reanchored), [false, false, false, false, true, false]);
  assert.ok(placed[3]!.lateMs > clockStepMs);
  assert.equal(placed[4]!.startMs, t0 + dayMs + 20_800, 'the step, not the step plus the second line\'s latency');
  assert.deepEqual(gapsOf(placed).map((g) => g > 0), [false, false, false, true, false], 'one gap: the step');
});

test('a new run anchors on its own first line and continues after the last one; a partial starts where the run\'s last listed segment ended', () => {
  const clock = new SegmentClock(0);
  const first = placeAll(clock, lines(3, (end, i) => t0 + end * 1000 + (i === 0 ? 0 : 5_000)));
  clock.newRun();
  // ffmpeg reconnected 40 s after the last list line; its stream time restarts at zero.
  const runStartMs = first.at(-1)!.endMs + 40_000;
  const second = placeAll(clock, lines(3, (end) => runStartMs + end * 1000 + 200));
  assert.equal(second[0]!.startMs, runStartMs + 200, 'the new run anchors at once, the real 40 s gap stays');
  assert.deepEqual(gapsOf(second), [0, 0]);
  const partial = clock.placePartial(1_500, runStartMs + 30_000);
  assert.deepEqual(partial, { startMs: second.at(-1)!.endMs, endMs: second.at(-1)!.endMs + 1_500 });
});
