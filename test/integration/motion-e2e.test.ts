/**
 * Motion end to end, with real ffmpeg, SQLite and sharp: a simulated camera's person
 * crossing becomes an event with a thumbnail that shows the person; a camera whose only
 * change is light and IR switching gets none; a kill -9 or a stop mid-event leaves no
 * event open and loses none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { upsertCamera } from '../../src/cameras/cameraRows.ts';
import { createLogger } from '../../src/log.ts';
import { startMotion, type MotionEventNotice, type Rect } from '../../src/motion/service.ts';
import { eventById, listCameraEvents } from '../../src/motion/eventRows.ts';
import { decodeRgb, imageInfo } from '../../src/motion/thumbnail.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { simulatorOsdMask } from '../../bench/motionLive.ts';
import { ffmpegPidsWith } from '../helpers/processCpu.ts';
import { startOneCameraMotion } from '../helpers/oneCameraMotion.ts';
import { cameraObjectDefaults } from '../../src/config/schema.ts';

function tempDataDir(t: { after(fn: () => void): void }): { dataDir: string; db: Db } {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-motion-e2e-'));
  const db = openDatabase(path.join(dataDir, 'hearth.db'));
  t.after(() => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  for (const id of ['porch', 'yard', 'drive', 'gate']) {
    upsertCamera(db, { id, name: id, source: 'config', enabled: true, onvif: null, streams: { main: `rtsp://127.0.0.1/${id}`, sub: null }, retentionDays: null, motionEnabled: true, nowMs: 1 });
  }
  return { dataDir, db };
}

function waitFor<T>(what: string, timeoutMs: number, poll: () => T | null | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const value = poll();
      if (value !== null && value !== undefined) return resolve(value);
      if (Date.now() > deadline) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

/** Pixels of a 0..1 rectangle of an image that satisfy `match`. */
async function countPixels(file: string, rect: Rect, match: (r: number, g: number, b: number) => boolean): Promise<{ inside: number; outside: number }> {
  const { data, width, height } = await decodeRgb(file);
  let inside = 0;
  let outside = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (!match(data[o]!, data[o + 1]!, data[o + 2]!)) continue;
      const within = x >= rect.x * width && x < (rect.x + rect.w) * width && y >= rect.y * height && y < (rect.y + rect.h) * height;
      if (within) inside++;
      else outside++;
    }
  }
  return { inside, outside };
}

/** Light only: brightness steps every 3 s and an IR-style greyscale switch every 4 s, nothing moves. */
const lightOnlyScene =
  'lavfi:color=c=0x4a5a68:s=640x360:r=10,drawgrid=w=48:h=48:t=2:c=0xc8c8b4@0.6,' +
  'drawbox=x=40:y=200:w=180:h=120:c=0x2c3a20:t=fill,drawbox=x=420:y=60:w=160:h=90:c=0xd0c090:t=fill,noise=alls=4:allf=t,' +
  "eq=brightness='0.15*(mod(floor(t/3),3)-1)':eval=frame,hue=s=0:enable='lt(mod(t,8),4)'";

/** A box bouncing left and right forever: an event that is always in progress. */
const endlessMotionScene =
  'lavfi:color=c=0x4a5a68:s=640x360:r=10,drawgrid=w=48:h=48:t=2:c=0xc8c8b4@0.6[bg];' +
  "color=c=0x20c040:s=40x100:r=10[box];[bg][box]overlay=x='300+250*sin(t)':y=150";

const redish = (r: number, g: number, b: number): boolean => r > 140 && g < 100 && b < 100;

test('a person crossing a simulated camera is one event with a thumbnail showing them; light and IR changes are none', { timeout: 90_000 }, async (t) => {
  const { dataDir, db } = tempDataDir(t);
  const simulator = await startSimulator({ cameras: 1, scene: 'person', serialPrefix: 'MOTE2E' });
  t.after(() => simulator.stop());
  const camera = simulator.cameras[0]!;
  const gateLog: string[] = [];
  const motion = startMotion({
    db,
    log: createLogger({ level: 'info', sink: { write: (line) => void (line.includes('camera=gate') && gateLog.push(line.slice(11, 400))) } }),
    dataDir,
    realtimeInputs: true,
    policy: { endQuietMs: 2_000, preRollMs: 2_000, postRollMs: 1_000 },
    cameras: () => [
      { id: 'porch', subUrl: camera.rtspUrl('sub', true), mainUrl: camera.rtspUrl('main', true), motion: { enabled: true, sensitivity: 50, masks: [simulatorOsdMask] }, objects: cameraObjectDefaults() },
      { id: 'yard', subUrl: null, mainUrl: lightOnlyScene, motion: { enabled: true, sensitivity: 50 }, objects: cameraObjectDefaults() },
      { id: 'drive', subUrl: lightOnlyScene, mainUrl: null, motion: { enabled: false, sensitivity: 50 }, objects: cameraObjectDefaults() },
      // The same camera with no mask over its burnt-in clock: learned and left out.
      { id: 'gate', subUrl: camera.rtspUrl('sub', true), mainUrl: null, motion: { enabled: true, sensitivity: 50 }, objects: cameraObjectDefaults() },
    ],
  });
  t.after(() => motion.stop());
  const notices: MotionEventNotice[] = [];
  motion.onEvent((n) => notices.push(n));

  const snapshot = await motion.snapshot('porch', 10_000);
  assert.ok(snapshot, 'the snapshot comes from the running decoder');
  assert.deepEqual(await imageInfo(snapshot), { width: 320, height: 180, format: 'jpeg' });
  assert.equal(await motion.snapshot('drive', 500), null, 'no decoder for a camera with motion off');

  // The 'person' scene's first crossing: scene seconds 10..18.
  const truth = camera.groundTruth().intervals.find((i) => i.kind === 'person');
  assert.ok(truth);
  const ended = await waitFor('the end of the first event', Math.max(10_000, truth.endMs - Date.now() + 15_000), () => notices.find((n) => n.cameraId === 'porch' && n.type === 'end'));
  const started = notices.find((n) => n.type === 'start' && n.eventId === ended.eventId);
  assert.ok(started, 'a start notice came first');
  assert.ok(ended.firstMotionMs < truth.endMs && ended.lastMotionMs > truth.startMs, 'the event overlaps the true crossing');
  assert.ok(ended.detectedAtMs - truth.startMs < 3_000, `detected ${ended.detectedAtMs - truth.startMs} ms after the person appeared`);

  const row = eventById(db, ended.eventId);
  assert.ok(row && row.endMs !== null);
  assert.equal(row.cameraId, 'porch');
  assert.equal(row.startMs, ended.firstMotionMs - 2_000, 'pre-roll');
  assert.equal(row.endMs, ended.lastMotionMs + 1_000, 'post-roll');
  assert.ok(row.score > 0 && row.region);
  assert.match(row.thumbnailPath ?? '', /^thumbnails\/porch\/\d{4}-\d{2}-\d{2}\/\d+\.jpg$/);
  const file = path.join(dataDir, row.thumbnailPath!);
  assert.ok(existsSync(file));
  assert.deepEqual(await imageInfo(file), { width: 320, height: 180, format: 'jpeg' });
  // The person is a red box: it must be inside the outlined region, and (nearly) nowhere else.
  const red = await countPixels(file, row.region, redish);
  assert.ok(red.inside >= 150, `red person pixels inside the region: ${red.inside}`);
  assert.ok(red.outside < red.inside / 5, `red pixels outside the region: ${red.outside}`);

  assert.deepEqual(listCameraEvents(db, 'yard', 0, Date.now() + 1, 600_000), [], 'no event from light or IR changes');
  assert.equal(notices.filter((n) => n.cameraId === 'yard' || n.cameraId === 'drive').length, 0);

  // Unmasked, the clock is learned while the first crossing is found, and the event ends.
  const gate = await waitFor('the end of the unmasked camera\'s first event', 30_000, () => notices.find((n) => n.cameraId === 'gate' && n.type === 'end')).catch((error: Error) => {
    throw new Error(`${error.message}; notices: ${JSON.stringify(notices.map((n) => [n.cameraId, n.type, n.firstMotionMs - truth.startMs, n.lastMotionMs - truth.startMs]))}; gate said:\n${gateLog.join('\n')}`);
  });
  assert.ok(gate.firstMotionMs < truth.endMs + 1_000 && gate.lastMotionMs > truth.startMs, `the unmasked event ${gate.firstMotionMs - truth.startMs}..${gate.lastMotionMs - truth.startMs} ms overlaps the crossing`);
  assert.ok(gate.lastMotionMs - gate.firstMotionMs < 15_000, 'and ends with the crossing, not with the clock');
  const gateRows = listCameraEvents(db, 'gate', 0, Date.now() + 1, 600_000);
  assert.ok(gateRows.length >= 1 && gateRows.every((r) => r.endMs !== null || r.id !== gate.eventId));
});

test('kill -9 mid-event closes the event at the next start; a stop mid-event closes it too', { timeout: 60_000 }, async (t) => {
  const { dataDir, db } = tempDataDir(t);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', 'helpers', 'motionChild.ts'), dataDir, 'porch', endlessMotionScene], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines: MotionEventNotice[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line) as MotionEventNotice));
  const first = await waitFor('an event in the child', 20_000, () => lines.find((n) => n.type === 'start'));
  assert.equal(eventById(db, first.eventId)?.endMs, null, 'open while in progress');
  await waitFor('the first thumbnail', 5_000, () => eventById(db, first.eventId)?.thumbnailPath ?? null);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('close', resolve));
  const crashedAtMs = Date.now();
  // Its decoder is not orphaned: the next write to the dead pipe ends it.
  await waitFor('the dead run\'s ffmpeg to exit', 5_000, () => (ffmpegPidsWith("overlay=x='300+250*sin(t)'").length === 0 ? true : null));

  const motion = startOneCameraMotion(db, dataDir, 'porch', endlessMotionScene);
  t.after(() => motion.stop());
  const recovered = eventById(db, first.eventId);
  assert.ok(recovered && recovered.endMs !== null, 'the crashed run\'s event is closed at start');
  assert.ok(recovered.endMs >= recovered.startMs && recovered.endMs <= crashedAtMs + 1_000);
  assert.ok(recovered.thumbnailPath && existsSync(path.join(dataDir, recovered.thumbnailPath)), 'and keeps its thumbnail');

  const notices: MotionEventNotice[] = [];
  motion.onEvent((n) => notices.push(n));
  const second = await waitFor('the motion to be picked up again', 20_000, () => notices.find((n) => n.type === 'start'));
  assert.notEqual(second.eventId, first.eventId);
  await motion.stop();
  const stopped = eventById(db, second.eventId);
  assert.ok(stopped && stopped.endMs !== null, 'a stop mid-event closes the event');
  assert.ok(stopped.endMs <= Date.now() && stopped.endMs >= second.firstMotionMs);
  assert.ok(stopped.thumbnailPath && existsSync(path.join(dataDir, stopped.thumbnailPath)));
  assert.equal(notices.filter((n) => n.type === 'end' && n.eventId === second.eventId).length, 1, 'subscribers hear the end');
});
