/**
 * Motion out of the box on footage like a real camera's: a burnt-in date/time OSD drawn by
 * ffmpeg's drawtext from the stream clock (top-left, ticking every second, rolling over
 * midnight), 11 scripted crossings among light steps, slow ramps, IR switches and noise
 * bursts, encoded H.264 by libx264 and fed through Hearth's real motion pipeline (ffmpeg
 * decoding via frameSource, detector, events, SQLite rows) with no mask drawn. Decoded
 * faster than real time: frames are stamped with stream time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { upsertCamera } from '../../src/cameras/cameraRows.ts';
import { createLogger } from '../../src/log.ts';
import { startMotion, type MotionEventNotice, type Rect } from '../../src/motion/service.ts';
import { listCameraEvents } from '../../src/motion/eventRows.ts';
import { getLearnedRegions } from '../../src/motion/learnedRegionRows.ts';
import { covers } from '../../src/motion/suggestedMasks.ts';
import { scoreEvents } from '../helpers/eventScore.ts';
import { renderScene, sceneHeight, sceneTruth, sceneWidth, standardScript, type OsdSceneScript } from '../helpers/osdScene.ts';
import { cameraObjectDefaults } from '../../src/config/schema.ts';

/** Seconds of the OSD line 'YYYY-MM-DD HH:MM:SS' drawn at (x, y): its last ~50 px at fontsize 22. */
function secondsDigits(x: number, y: number, fontSize = 22): Rect {
  const k = fontSize / 22;
  return { x: (x + 200 * k) / sceneWidth, y: (y + 2 * k) / sceneHeight, w: (50 * k) / sceneWidth, h: (16 * k) / sceneHeight };
}

interface Run {
  db: Db;
  notices: MotionEventNotice[];
  /** Stream time (ms from the first frame) and regions of each change the learner reported. */
  learned: Array<{ atMs: number; regions: Rect[] }>;
  frames: number;
}

async function runScene(t: { after(fn: () => void): void }, script: OsdSceneScript, name: string): Promise<Run> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `hearth-motion-osd-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const scene = await renderScene(script, dir, name);
  const db = openDatabase(path.join(dir, 'hearth.db'));
  t.after(() => db.close());
  upsertCamera(db, { id: 'yard', name: 'Yard', source: 'config', enabled: true, onvif: null, streams: { main: 'rtsp://127.0.0.1/yard', sub: null }, retentionDays: null, motionEnabled: true, nowMs: 1 });
  const originMs = Date.UTC(2026, 0, 1);
  const learned: Run['learned'] = [];
  const log = createLogger({
    level: 'info',
    sink: {
      write: (line) => {
        if (!line.includes('event=motion.nuisance_learned')) return;
        const at = /atMs=(\d+)/.exec(line);
        const regions = /regions=("(?:[^"\\]|\\.)*"|\S+)/.exec(line);
        if (!at || !regions) return;
        const text = regions[1]!.startsWith('"') ? (JSON.parse(regions[1]!) as string) : regions[1]!;
        learned.push({ atMs: Number(at[1]) - originMs, regions: JSON.parse(text) as Rect[] });
      },
    },
  });
  const motion = startMotion({
    db,
    log,
    dataDir: dir,
    offlineInputs: true,
    offlineOriginMs: originMs,
    cameras: () => [{ id: 'yard', subUrl: scene.file, mainUrl: null, motion: { enabled: true, sensitivity: 50 }, objects: cameraObjectDefaults() }],
  });
  t.after(() => motion.stop());
  const notices: MotionEventNotice[] = [];
  motion.onEvent((n) => notices.push({ ...n, firstMotionMs: n.firstMotionMs - originMs, lastMotionMs: n.lastMotionMs - originMs, detectedAtMs: n.detectedAtMs - originMs }));
  const ended = motion.inputEnded('yard');
  assert.ok(ended, 'the camera has a motion worker');
  let timer: NodeJS.Timeout | undefined;
  const frames = await Promise.race([
    ended,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the scene was not decoded within 120 s')), 120_000);
    }),
  ]);
  clearTimeout(timer);
  await motion.stop();
  return { db, notices, learned, frames };
}

test('a camera with a burnt-in clock and no masks: every event ends, recall and precision ≥ 0.95, the clock learned within a minute', { timeout: 240_000 }, async (t) => {
  const script = standardScript();
  const run = await runScene(t, script, 'clock');
  assert.ok(run.frames >= script.seconds * 5 - 5, `decoded ${run.frames} frames`);

  const rows = listCameraEvents(run.db, 'yard', 0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  assert.ok(rows.every((r) => r.endMs !== null), 'every event row is closed');
  const ends = run.notices.filter((n) => n.type === 'end');
  assert.equal(ends.length, rows.length, 'each event was heard to end');
  const longestMs = Math.max(0, ...ends.map((n) => n.lastMotionMs - n.firstMotionMs));
  // A crossing takes 5 s; a stray frame within the 8 s quiet time may stretch its event a little.
  assert.ok(longestMs <= 15_000, `the longest event had ${longestMs} ms of motion`);

  const score = scoreEvents(ends, sceneTruth(script), script.seconds * 1000, 1_000);
  console.log(`motion-osd: ${ends.length} events, ${score.found}/${score.motionIntervals} crossings, recall ${score.recall}, precision ${score.precision}, latency ${score.meanLatencyMs}/${score.maxLatencyMs} ms, longest ${longestMs} ms`);
  console.log(`motion-osd: events ${ends.map((n) => `${(n.firstMotionMs / 1000).toFixed(1)}-${(n.lastMotionMs / 1000).toFixed(1)}`).join(' ')}`);
  assert.ok(score.recall >= 0.95, `recall ${score.recall}`);
  assert.ok(score.precision >= 0.95, `precision ${score.precision} (${score.falseEvents} false events)`);

  const clock = secondsDigits(12, 10);
  const firstClock = run.learned.find((l) => l.regions.some((r) => covers(r, clock)));
  console.log(`motion-osd: clock learned at ${firstClock?.atMs} ms; final regions ${JSON.stringify(getLearnedRegions(run.db, 'yard')?.regions)}`);
  assert.ok(firstClock && firstClock.atMs <= 60_000, `the clock's seconds were learned at ${firstClock?.atMs} ms`);
  const stored = getLearnedRegions(run.db, 'yard');
  assert.ok(stored && stored.regions.some((r) => covers(r, clock)), 'and stored as a suggestion');
  const area = stored.regions.reduce((sum, r) => sum + r.w * r.h, 0);
  assert.ok(area <= 0.15, `learned area ${area}`);
});

test('when the OSD moves, the suggestion moves: the new place is learned, the old one released', { timeout: 240_000 }, async (t) => {
  const script: OsdSceneScript = {
    seconds: 110,
    crossings: [20, 75].map((startS, i) => ({ startS, durationS: 5, w: 50, h: 130, y: 160, colour: i ? 'white' : 'red' })),
    nuisances: [{ kind: 'light', startS: 35, endS: 35 }],
    osd: [
      { fromS: 0, x: 12, y: 10 },
      { fromS: 45, x: 370, y: 325 },
    ],
  };
  const run = await runScene(t, script, 'moved');
  const oldPlace = secondsDigits(12, 10);
  const newPlace = secondsDigits(370, 325);
  const before = run.learned.filter((l) => l.atMs < 45_000).at(-1);
  assert.ok(before?.regions.some((r) => covers(r, oldPlace)), `learned at the first place: ${JSON.stringify(before)}`);
  const final = getLearnedRegions(run.db, 'yard');
  console.log(`motion-osd: moved OSD, final regions ${JSON.stringify(final?.regions)}; history ${run.learned.map((l) => `${l.atMs}:${l.regions.length}`).join(' ')}`);
  assert.ok(final && final.regions.some((r) => covers(r, newPlace)), 'the new place is learned');
  assert.ok(!final.regions.some((r) => covers(r, oldPlace)), 'the old place is released');
  const movedAt = run.learned.find((l) => l.atMs >= 45_000 && l.regions.some((r) => covers(r, newPlace)));
  assert.ok(movedAt && movedAt.atMs <= 45_000 + 60_000, `the new place was learned at ${movedAt?.atMs} ms`);
  const ends = run.notices.filter((n) => n.type === 'end');
  const score = scoreEvents(ends, script.crossings.map((c) => ({ kind: 'person', startMs: c.startS * 1000, endMs: (c.startS + c.durationS) * 1000 })), script.seconds * 1000, 1_000);
  console.log(`motion-osd: moved OSD, ${ends.length} events, recall ${score.recall}, precision ${score.precision}`);
  assert.equal(score.recall, 1);
  assert.equal(score.falseEvents, 0, 'the OSD at its new place opened no event');
});

test('a large OSD (fontsize 40 of 360) is learned as well, and no event comes of it', { timeout: 240_000 }, async (t) => {
  const base = standardScript();
  const script: OsdSceneScript = {
    seconds: 120,
    crossings: base.crossings.slice(0, 5),
    nuisances: base.nuisances.filter((n) => n.endS < 118),
    osd: [{ fromS: 0, x: 16, y: 14, fontSize: 40 }],
  };
  const run = await runScene(t, script, 'large');
  const ends = run.notices.filter((n) => n.type === 'end');
  const score = scoreEvents(ends, sceneTruth(script), script.seconds * 1000, 1_000);
  const seconds = secondsDigits(16, 14, 40);
  const learnedAt = run.learned.find((l) => l.regions.some((r) => covers(r, seconds)))?.atMs;
  console.log(`motion-osd: large OSD, ${ends.length} events, recall ${score.recall}, precision ${score.precision}, seconds learned at ${learnedAt} ms`);
  assert.equal(score.recall, 1);
  assert.equal(score.falseEvents, 0);
  assert.ok(learnedAt !== undefined && learnedAt <= 60_000, `the large clock's seconds were learned at ${learnedAt} ms`);
});

test('a news ticker scrolling along the bottom is learned; crossings after it are found and nothing else', { timeout: 240_000 }, async (t) => {
  const script: OsdSceneScript = {
    seconds: 90,
    crossings: [45, 70].map((startS, i) => ({ startS, durationS: 5, w: 50, h: 130, y: 150, colour: i ? 'white' : 'red' })),
    nuisances: [],
    osd: [{ fromS: 0, x: 12, y: 10 }],
    ticker: { y: 330, speedPxPerS: 90 },
  };
  const run = await runScene(t, script, 'ticker');
  const band: Rect = { x: 0.1, y: 332 / sceneHeight, w: 0.8, h: 16 / sceneHeight };
  const learnedAt = run.learned.find((l) => l.regions.some((r) => covers(r, band)))?.atMs;
  const ends = run.notices.filter((n) => n.type === 'end');
  // The ticker moves, so until it is learned it is motion: the first watch of such a camera
  // has one event at its start (later runs start from the stored regions).
  const afterLearning = ends.filter((n) => learnedAt !== undefined && n.firstMotionMs > learnedAt);
  const score = scoreEvents(afterLearning, sceneTruth(script), script.seconds * 1000, 1_000);
  console.log(`motion-osd: ticker regions ${JSON.stringify(getLearnedRegions(run.db, "yard")?.regions)}`);
  console.log(`motion-osd: ticker learned at ${learnedAt} ms; ${ends.length} events (${ends.map((n) => `${(n.firstMotionMs / 1000).toFixed(1)}-${(n.lastMotionMs / 1000).toFixed(1)}`).join(' ')}), after learning recall ${score.recall} precision ${score.precision}`);
  assert.ok(learnedAt !== undefined && learnedAt <= 60_000, `the ticker was learned at ${learnedAt} ms`);
  assert.equal(score.recall, 1);
  assert.equal(score.falseEvents, 0);
  assert.ok(ends.every((n) => n.lastMotionMs - n.firstMotionMs <= 40_000), 'every event ended');
});
