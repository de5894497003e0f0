/**
 * The learner must never take a door for a clock: on H.264 footage with a burnt-in clock,
 * a person walks in from the left edge every 2 s and goes in at a door 1.2 s later, so the
 * entry area is active in most seconds and re-changes there, as a blinking LED would. Fed
 * through Hearth's real motion pipeline (ffmpeg decoding, detector, learner, SQLite rows),
 * decoded faster than real time. The clock must be learned; no region may touch the entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/connection.ts';
import { upsertCamera } from '../../src/cameras/cameraRows.ts';
import { createLogger } from '../../src/log.ts';
import { startMotion, type Rect } from '../../src/motion/service.ts';
import { getLearnedRegions } from '../../src/motion/learnedRegionRows.ts';
import { covers } from '../../src/motion/suggestedMasks.ts';
import { renderScene, sceneHeight, sceneWidth, type OsdSceneScript } from '../helpers/osdScene.ts';
import { cameraObjectDefaults } from '../../src/config/schema.ts';

test('people coming in at the same door every 2 s are never learned as a nuisance; the clock is', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-motion-door-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const seconds = 80;
  const person = { w: 40, h: 110, y: 200 };
  const script: OsdSceneScript = {
    seconds,
    crossings: Array.from({ length: seconds / 2 - 1 }, (_v, i) => ({ startS: 1 + 2 * i, durationS: 5, goesInAfterS: 1.2, ...person, colour: i % 2 ? 'white' : 'red' })),
    nuisances: [],
    osd: [{ fromS: 0, x: 360, y: 10 }],
  };
  const scene = await renderScene(script, dir, 'door');
  const db = openDatabase(path.join(dir, 'hearth.db'));
  t.after(() => db.close());
  upsertCamera(db, { id: 'door', name: 'Door', source: 'config', enabled: true, onvif: null, streams: { main: 'rtsp://127.0.0.1/door', sub: null }, retentionDays: null, motionEnabled: true, nowMs: 1 });
  const originMs = Date.UTC(2026, 0, 1);
  const learned: Array<{ atMs: number; regions: Rect[] }> = [];
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
    cameras: () => [{ id: 'door', subUrl: scene.file, mainUrl: null, motion: { enabled: true, sensitivity: 50 }, objects: cameraObjectDefaults() }],
  });
  t.after(() => motion.stop());
  const ended = motion.inputEnded('door');
  assert.ok(ended, 'the camera has a motion worker');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    ended,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the scene was not decoded within 120 s')), 120_000);
    }),
  ]);
  clearTimeout(timer);
  await motion.stop();

  // Where people walk in: from the left edge to the door (1.2 s at 690/5 px a second, plus their width).
  const entry: Rect = { x: 0, y: person.y / sceneHeight, w: 170 / sceneWidth, h: person.h / sceneHeight };
  const touches = (r: Rect): boolean => r.x < entry.x + entry.w && r.x + r.w > entry.x && r.y < entry.y + entry.h && r.y + r.h > entry.y;
  const clockSeconds = { x: (360 + 200) / sceneWidth, y: 12 / sceneHeight, w: 50 / sceneWidth, h: 16 / sceneHeight };
  console.log(`motion-door: learned ${learned.map((l) => `${l.atMs}:${JSON.stringify(l.regions)}`).join(' ')}`);
  const door = learned.find((l) => l.regions.some(touches));
  assert.equal(door, undefined, `the entry area was learned at ${door?.atMs} ms: ${JSON.stringify(door?.regions)}`);
  const clockAt = learned.find((l) => l.regions.some((r) => covers(r, clockSeconds)))?.atMs;
  assert.ok(clockAt !== undefined && clockAt <= 60_000, `the clock's seconds were learned at ${clockAt} ms`);
  assert.ok(getLearnedRegions(db, 'door')?.regions.some((r) => covers(r, clockSeconds)), 'and stored as a suggestion');
});
