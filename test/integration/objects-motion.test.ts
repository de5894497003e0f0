/**
 * Motion events that say what they are, through Hearth's real pipeline (ffmpeg decoding the
 * footage, the motion detector, the box's object detector in its worker thread, SQLite rows,
 * thumbnails): OpenCV's sample footage of people walking gives events labelled "person" that
 * alert, with the person outlined in the thumbnail. Decoded faster than real time, so the
 * detector sees only some of the frames (as a busy box would). That a tree in the wind names
 * nothing is objects-detector.test.ts's: in this footage its motion events come only when an
 * animal walks in at the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/connection.ts';
import type { Db } from '../../src/db/sqlite.ts';
import { upsertCamera } from '../../src/cameras/cameraRows.ts';
import { createLogger } from '../../src/log.ts';
import { startMotion, type MotionEventNotice } from '../../src/motion/service.ts';
import { imageInfo } from '../../src/motion/thumbnail.ts';
import { startObjectDetector } from '../../src/objects/objectDetector.ts';
import { cameraObjectDefaults } from '../../src/config/schema.ts';

const footage = '/usr/share/doc/opencv-doc/examples/data';
const noFootage = existsSync(`${footage}/vtest.avi`) ? false : `needs OpenCV's sample footage (${footage}): run scripts/install-deps.sh --test`;

interface Run {
  db: Db;
  dir: string;
  notices: MotionEventNotice[];
  events: Array<{ id: number; alert: number; thumbnail_path: string | null }>;
  labels: Array<{ event_id: number; label: string; kind: string | null; score: number; box: string }>;
}

async function runFootage(t: { after(fn: () => unknown): void }, cameraId: string, file: string): Promise<Run> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `hearth-objects-${cameraId}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(path.join(dir, 'hearth.db'));
  t.after(() => db.close());
  upsertCamera(db, { id: cameraId, name: cameraId, source: 'config', enabled: true, onvif: null, streams: { main: `rtsp://127.0.0.1/${cameraId}`, sub: null }, retentionDays: null, motionEnabled: true, nowMs: 1 });
  const log = createLogger({ level: 'warn' });
  const detector = startObjectDetector({ log, queueSize: 4, threads: 1 });
  t.after(() => detector.close());
  await detector.ready;
  const motion = startMotion({
    db,
    log,
    dataDir: dir,
    offlineInputs: true,
    offlineOriginMs: Date.UTC(2026, 0, 1),
    policy: { endQuietMs: 2_000 },
    objects: { detector, fps: 2 },
    cameras: () => [{ id: cameraId, subUrl: file, mainUrl: null, motion: { enabled: true, sensitivity: 50 }, objects: cameraObjectDefaults() }],
  });
  t.after(() => motion.stop());
  const notices: MotionEventNotice[] = [];
  motion.onEvent((n) => notices.push(n));
  const ended = motion.inputEnded(cameraId);
  assert.ok(ended, 'the camera has a motion worker');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    ended,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the footage was not decoded within 180 s')), 180_000);
    }),
  ]).finally(() => clearTimeout(timer));
  await motion.stop();
  const events = db.prepare('SELECT id, alert, thumbnail_path FROM events WHERE camera_id = ? ORDER BY id').all(cameraId) as Run['events'];
  const labels = db.prepare('SELECT event_id, label, kind, score, box FROM event_labels ORDER BY event_id, score DESC').all() as Run['labels'];
  const stats = detector.stats();
  console.log(`objects-motion ${cameraId}: ${events.length} events, ${events.filter((e) => e.alert).length} alerting, labels ${labels.map((l) => `${l.event_id}:${l.label}:${l.score}`).join(' ') || 'none'}; ${stats.inferenceCount} frames classified, ${[...stats.drops.values()].reduce((a, b) => a + b, 0)} dropped`);
  return { db, dir, notices, events, labels };
}

test('people walking: the events are labelled person, alert, and the thumbnail outlines the person', { skip: noFootage, timeout: 300_000 }, async (t) => {
  const run = await runFootage(t, 'plaza', `${footage}/vtest.avi`);
  assert.ok(run.events.length >= 1, 'people walking make motion events');
  const labelled = run.labels.filter((l) => l.kind === 'person');
  assert.ok(labelled.length >= 1, `a person label on some event: ${JSON.stringify(run.labels)}`);
  for (const l of labelled) {
    assert.ok(l.score >= 0.5, `at least the default minimum score: ${l.score}`);
    const box = JSON.parse(l.box) as { x: number; y: number; w: number; h: number };
    assert.ok(box.w > 0 && box.h > box.w * 1.2, `a person's box is taller than wide: ${l.box}`);
  }
  const alerting = run.events.filter((e) => e.alert === 1);
  assert.ok(alerting.length >= 1, `an event with a person alerts: ${JSON.stringify(run.events)}`);
  for (const e of alerting) assert.ok(run.labels.some((l) => l.event_id === e.id), 'only a labelled event alerts');

  const updates = run.notices.filter((n) => n.type === 'update');
  assert.ok(updates.some((n) => n.labels.some((l) => l.label === 'person') && n.alert && n.thumbnailPath !== null), 'an update notice names the person, with its thumbnail');
  const ends = run.notices.filter((n) => n.type === 'end' && n.labels.length > 0);
  assert.ok(ends.length >= 1 && ends.every((n) => n.labels[0]!.score >= n.labels.at(-1)!.score), 'end notices carry the labels, best first');
  const thumb = alerting[0]!.thumbnail_path;
  assert.ok(thumb, 'the alerting event has a thumbnail');
  const info = await imageInfo(path.join(run.dir, thumb));
  assert.equal(info.format, 'jpeg');
});
