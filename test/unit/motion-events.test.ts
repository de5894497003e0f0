import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventTracker, defaultEventPolicy, EventPolicyError, type EventStep } from '../../src/motion/events.ts';
import type { FrameVerdict } from '../../src/motion/detector.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { upsertCamera } from '../../src/cameras/cameraRows.ts';
import { closeEvent, closeOpenEvents, eventById, eventsOf, insertOpenEvent, listCameraEvents, updateEventPeak } from '../../src/motion/eventRows.ts';
import { scoreEvents } from '../helpers/eventScore.ts';
import { startMotion } from '../../src/motion/service.ts';
import { createLogger } from '../../src/log.ts';
import { cameraObjectDefaults } from '../../src/config/schema.ts';

// Hysteresis alone; holding back motion that stays in place is tested on its own below.
const policy = { ...defaultEventPolicy, startFrames: 3, startWindowFrames: 5, endQuietMs: 2_000, preRollMs: 1_000, postRollMs: 500, maxEventMs: 60_000, stationaryDeferMs: 0 };

function verdict(motion: boolean, score = 0.05): FrameVerdict {
  return { motion, score: motion ? score : 0, regionX: 0.1, regionY: 0.2, regionW: 0.3, regionH: 0.4, globalChange: false };
}

/** Feeds one frame per 200 ms from `pattern` ('x' motion, '.' quiet); returns the steps with their times. */
function feed(tracker: EventTracker, pattern: string, startMs = 0): Array<[number, EventStep]> {
  const steps: Array<[number, EventStep]> = [];
  [...pattern].forEach((c, i) => {
    const t = startMs + i * 200;
    const step = tracker.observe(t, verdict(c === 'x', 0.01 * (i + 1)));
    if (step !== 'none') steps.push([t, step]);
  });
  return steps;
}

test('a single noisy frame or two do not start an event', () => {
  const tracker = new EventTracker(policy);
  assert.deepEqual(feed(tracker, '..x....x.x....x..'), []);
});

test('motion persisting 3 of 5 frames starts an event; quiet for endQuietMs ends it, with roll', () => {
  const tracker = new EventTracker(policy);
  const steps = feed(tracker, '..x.xx' + 'xxxx' + '.'.repeat(12));
  assert.deepEqual(steps[0], [1000, 'started']);
  assert.equal(tracker.event.firstMotionMs, 400, 'the event starts at its first motion frame, not at confirmation');
  assert.ok(steps.some(([, s]) => s === 'peak'));
  const ended = steps.find(([, s]) => s === 'ended');
  assert.ok(ended, 'ended');
  assert.equal(tracker.event.lastMotionMs, 1800);
  assert.equal(ended[0], 1800 + 2000);
  assert.equal(tracker.startMs(), 400 - 1000);
  assert.equal(tracker.endMs(), 1800 + 500);
});

test('a pause shorter than endQuietMs keeps one event', () => {
  const tracker = new EventTracker(policy);
  const steps = feed(tracker, 'xxxxx' + '.'.repeat(8) + 'xxxxx' + '.'.repeat(11));
  assert.deepEqual(steps.filter(([, s]) => s !== 'peak').map(([, s]) => s), ['started', 'ended']);
});

test('an endless event is cut at maxEventMs', () => {
  const tracker = new EventTracker({ ...policy, maxEventMs: 3_000 });
  const steps = feed(tracker, 'x'.repeat(40)).filter(([, s]) => s !== 'peak').map(([, s]) => s);
  // 8 s of motion cut every 3 s: three events, the last still open.
  assert.deepEqual(steps, ['started', 'ended', 'started', 'ended', 'started']);
  assert.ok(tracker.isOpen);
  assert.throws(() => new EventTracker({ ...policy, startFrames: 6 }), EventPolicyError);
});

/** One frame per 200 ms; `at(i)` gives the motion region's x (null: no motion) at frame i. */
function feedMoving(tracker: EventTracker, frames: number, at: (i: number) => number | null, width = 0.05): Array<[number, EventStep]> {
  const steps: Array<[number, EventStep]> = [];
  for (let i = 0; i < frames; i++) {
    const x = at(i);
    const v: FrameVerdict = { motion: x !== null, score: x === null ? 0 : 0.01, regionX: x ?? 0, regionY: 0.02, regionW: width, regionH: 0.05, globalChange: false };
    const step = tracker.observe(i * 200, v);
    if (step !== 'none' && step !== 'peak') steps.push([i * 200, step]);
  }
  return steps;
}

test('motion that changes in place is held back: it never was an event if it stops or is learned, an event once it moves', () => {
  const held = { ...policy, stationaryDeferMs: 20_000, stationaryMargin: 0.03 };
  // An unlearned clock digit ticking for 10 s, then left out (learned): no event.
  assert.deepEqual(feedMoving(new EventTracker(held), 150, (i) => (i < 50 ? 0.4 : null)), []);
  // One jump of the box (the OSD line lighting up when the light changes) is still in place.
  assert.deepEqual(feedMoving(new EventTracker(held), 80, (i) => (i < 10 ? 0.4 : i < 14 ? 0.3 : null)), []);
  // Someone walking: an event within a few frames, starting at their first frames.
  const walker = new EventTracker(held);
  const steps = feedMoving(walker, 60, (i) => (i < 25 ? 0.04 * i : null));
  assert.equal(steps[0]?.[1], 'started');
  assert.ok(steps[0]![0] <= 6 * 200, `started at ${steps[0]![0]} ms`);
  assert.ok(walker.event.firstMotionMs <= 400);
  assert.equal(steps.at(-1)?.[1], 'ended');
  // Changing in place for longer than the deferral: an event after all, from its first frame.
  const lasting = new EventTracker(held);
  const late = feedMoving(lasting, 120, (i) => (i < 110 ? 0.4 : null));
  assert.deepEqual(late[0], [20_000, 'started']);
  assert.equal(lasting.event.firstMotionMs, 0);
});

test('event rows: open, peak, close, stale recovery and the two indexed queries', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-motion-rows-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(path.join(dir, 'hearth.db'));
  t.after(() => db.close());
  for (const id of ['porch', 'garden']) {
    upsertCamera(db, { id, name: id, source: 'config', enabled: true, onvif: null, streams: { main: `rtsp://127.0.0.1/${id}`, sub: null }, retentionDays: null, motionEnabled: true, nowMs: 1 });
  }
  const region = { x: 0.1, y: 0.2, w: 0.3, h: 0.4 };
  const a = insertOpenEvent(db, { cameraId: 'porch', startMs: 10_000, score: 0.01, region });
  updateEventPeak(db, a, { score: 0.2, region: { ...region, w: 0.5 } });
  closeEvent(db, a, 19_000);
  assert.deepEqual(eventById(db, a), { id: a, cameraId: 'porch', startMs: 10_000, endMs: 19_000, score: 0.2, region: { ...region, w: 0.5 }, thumbnailPath: null, alert: false });
  closeEvent(db, a, 50_000);
  assert.equal(eventById(db, a)?.endMs, 19_000, 'closing twice does not move the end');

  // A crash leaves two open rows; the next start closes them, bounded by the cap and by now.
  const b = insertOpenEvent(db, { cameraId: 'porch', startMs: 100_000, score: 0.1, region });
  const c = insertOpenEvent(db, { cameraId: 'porch', startMs: 119_000, score: 0.1, region });
  const g = insertOpenEvent(db, { cameraId: 'garden', startMs: 105_000, score: 0.1, region });
  assert.deepEqual(closeOpenEvents(db, 'porch', 120_000, 12_000).sort(), [b, c].sort());
  assert.equal(eventById(db, b)?.endMs, 112_000);
  assert.equal(eventById(db, c)?.endMs, 120_000);
  assert.equal(eventById(db, g)?.endMs, null, 'other cameras are untouched');

  assert.deepEqual(listCameraEvents(db, 'porch', 15_000, 105_000, 600_000).map((e) => e.id), [a, b]);
  assert.deepEqual(listCameraEvents(db, 'porch', 20_000, 99_000, 600_000).map((e) => e.id), []);
  assert.deepEqual(eventsOf(db, ['porch', 'garden'], 0, Number.MAX_SAFE_INTEGER, 2).map((e) => e.id), [c, g]);
  assert.deepEqual(eventsOf(db, [], 0, Number.MAX_SAFE_INTEGER, 5), []);
  const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id FROM events WHERE camera_id = 'porch' AND start_ms >= 0 AND start_ms < 5 AND (end_ms IS NULL OR end_ms >= 0)").all() as Array<{ detail: string }>;
  assert.match(plan.map((p) => p.detail).join(' '), /events_by_camera_start/);
});

test('scoring: overlap matching, false events per hour, latency', () => {
  const truth = [{ kind: 'person', startMs: 10_000, endMs: 15_000 }, { kind: 'light', startMs: 30_000, endMs: 30_200 }, { kind: 'small', startMs: 50_000, endMs: 55_000 }];
  const events = [
    { firstMotionMs: 10_200, lastMotionMs: 14_800, detectedAtMs: 10_600 },
    { firstMotionMs: 30_000, lastMotionMs: 31_000, detectedAtMs: 30_400 },
  ];
  const s = scoreEvents(events, truth, 3_600_000, 500);
  assert.equal(s.recall, 0.5);
  assert.equal(s.precision, 0.5);
  assert.equal(s.falseEvents, 1);
  assert.equal(s.falseEventsPerHour, 1);
  assert.equal(s.meanLatencyMs, 600);
});

test('the service skips a camera whose motion settings cannot work, and keeps the others', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-motion-service-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(path.join(dir, 'hearth.db'));
  t.after(() => db.close());
  const lines: string[] = [];
  const log = createLogger({ sink: { write: (line) => lines.push(line) }, level: 'debug' });
  const motion = startMotion({
    db,
    log,
    dataDir: dir,
    cameras: () => [
      { id: 'blind', subUrl: 'lavfi:color=c=gray:s=640x360:r=10', mainUrl: null, motion: { enabled: true, sensitivity: 50, masks: [{ x: 0, y: 0, w: 1, h: 1 }] }, objects: cameraObjectDefaults() },
      { id: 'off', subUrl: 'lavfi:color=c=gray:s=640x360:r=10', mainUrl: null, motion: { enabled: false, sensitivity: 50 }, objects: cameraObjectDefaults() },
      { id: 'nostream', subUrl: null, mainUrl: null, motion: { enabled: true, sensitivity: 50 }, objects: cameraObjectDefaults() },
    ],
  });
  assert.equal(await motion.snapshot('blind', 200), null);
  await motion.stop();
  assert.ok(lines.some((l) => l.includes('event=motion.camera_invalid') && l.includes('camera=blind')), lines.join('\n'));
  assert.ok(!lines.some((l) => l.includes('event=motion.camera_started')));
});
