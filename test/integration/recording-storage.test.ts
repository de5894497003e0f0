/**
 * docs/DESIGN.md, "Bounded disk", "Right disk": retention by age and by disk budget (oldest first, index kept
 * consistent, events keep footage longer, a jumped clock deletes nothing by age); a
 * recording root without its marker is refused, with why. ENOSPC on a small tmpfs needs
 * root: test/e2e/recording-enospc.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ffmpegPathSync } from '../../src/ffmpeg/locate.ts';
import { startRecorders } from '../../src/recording/startRecorders.ts';
import { pruneToBudget, runRetention } from '../../src/recording/retention.ts';
import { ClockGuard } from '../../src/recording/clockGuard.ts';
import { insertSegments, allSegments, listSegments } from '../../src/recording/segmentRows.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import { markerFileName, checkRecordingRoot } from '../../src/recording/storageMarker.ts';
import { startTestCamera } from '../helpers/recordingTestCamera.ts';
import { upsertEventLabel } from '../../src/objects/labelRows.ts';
import { kindOf } from '../../src/objects/labels.ts';
import { clip, clipDir, makeFixture, sleep, waitFor, type Fixture } from '../helpers/recordingFixture.ts';

const dayMs = 86_400_000;

function sampleSegment(): string {
  const file = path.join(clipDir, 'sample-segment.mp4');
  if (!existsSync(file)) {
    execFileSync(ffmpegPathSync(), ['-hide_banner', '-loglevel', 'error', '-y', '-i', clip('green'), '-t', '2', '-c', 'copy', '-an', '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', file]);
  }
  return file;
}

/** Puts a real segment file and its row at `daysAgo`, as the recorder would have. */
function seedSegment(f: Fixture, cameraId: string, daysAgo: number, nowMs: number): string {
  const startMs = nowMs - daysAgo * dayMs;
  const day = new Date(startMs).toISOString().slice(0, 10);
  const name = `${new Date(startMs).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z-seed.mp4`;
  const relative = `${cameraId}/${day}/${name}`;
  const file = path.join(recordingRoot(f.dataDir), relative);
  mkdirSync(path.dirname(file), { recursive: true });
  copyFileSync(sampleSegment(), file);
  insertSegments(f.db, [{ cameraId, startMs, endMs: startMs + 10_000, bytes: 1000, path: relative }]);
  return relative;
}

function retentionDeps(f: Fixture, clock: ClockGuard, usage?: () => { usedPercent: number; totalBytes: number }) {
  return {
    db: f.db,
    root: recordingRoot(f.dataDir),
    log: f.log,
    retention: { days: 7, maxDiskPercent: 90, eventDays: 30, labelledEventDays: 30 },
    cameraDays: (id: string) => (id === 'yard' ? 2 : null),
    clock,
    diskUsage: usage ?? (() => ({ usedPercent: 10, totalBytes: 1e9 })),
  };
}

describe('retention', () => {
  test('by age: per-camera limits, event footage kept, files and rows go together', async () => {
    const f = makeFixture([{ id: 'porch', url: 'unused' }, { id: 'yard', url: 'unused' }]);
    try {
      const now = Date.now();
      checkRecordingRoot(f.db, recordingRoot(f.dataDir), { initialize: true });
      const old = seedSegment(f, 'porch', 20, now);
      const withEvent = seedSegment(f, 'porch', 10, now);
      const keep = seedSegment(f, 'porch', 3, now);
      const yardOld = seedSegment(f, 'yard', 3, now);
      const yardNew = seedSegment(f, 'yard', 0.5, now);
      const eventStart = now - 10 * dayMs + 2_000;
      f.db.prepare('INSERT INTO events (camera_id, start_ms, end_ms, score) VALUES (?, ?, ?, 1)').run('porch', eventStart, eventStart + 5_000);

      const result = await runRetention(retentionDeps(f, new ClockGuard(f.log)));
      assert.equal(result.byAge, 2);
      const remaining = allSegments(f.db).map((s) => s.path);
      assert.deepEqual(remaining.sort(), [withEvent, keep, yardNew].sort());
      for (const gone of [old, yardOld]) assert.ok(!existsSync(path.join(recordingRoot(f.dataDir), gone)), `${gone} still on disk`);
      assert.equal(allSegments(f.db).filter((s) => s.deleting).length, 0);
    } finally {
      f.cleanup();
    }
  });

  test('by age: an event with an object label keeps its footage labelledEventDays, plain motion eventDays', async () => {
    const f = makeFixture([{ id: 'porch', url: 'unused' }]);
    try {
      const now = Date.now();
      checkRecordingRoot(f.db, recordingRoot(f.dataDir), { initialize: true });
      const event = (daysAgo: number, label: string | null): void => {
        const startMs = now - daysAgo * dayMs + 2_000;
        const id = Number(f.db.prepare('INSERT INTO events (camera_id, start_ms, end_ms, score) VALUES (?, ?, ?, 1)').run('porch', startMs, startMs + 5_000).lastInsertRowid);
        if (label) upsertEventLabel(f.db, id, { label, kind: kindOf(label), score: 0.8, box: { x: 0, y: 0, w: 0.5, h: 0.5 }, atMs: startMs });
      };
      const today = seedSegment(f, 'porch', 0.1, now); // age is measured from the newest recording
      const plainRecent = seedSegment(f, 'porch', 20, now);
      event(20, null);
      const plainOld = seedSegment(f, 'porch', 40, now);
      event(40, null);
      const personOld = seedSegment(f, 'porch', 45, now);
      event(45, 'person');
      const dogOlder = seedSegment(f, 'porch', 59, now);
      event(59, 'dog');
      const personTooOld = seedSegment(f, 'porch', 70, now);
      event(70, 'person');
      const deps = { ...retentionDeps(f, new ClockGuard(f.log)), retention: { days: 7, maxDiskPercent: 90, eventDays: 30, labelledEventDays: 60 } };
      const result = await runRetention(deps);
      assert.equal(result.byAge, 2);
      assert.deepEqual(allSegments(f.db).map((s) => s.path).sort(), [today, plainRecent, personOld, dogOlder].sort(), 'plain motion past 30 days and a person past 60 went');
      for (const gone of [plainOld, personTooOld]) assert.ok(!existsSync(path.join(recordingRoot(f.dataDir), gone)), `${gone} still on disk`);
      // The same footage with labelledEventDays equal to eventDays: labels protect nothing more.
      const sameDays = await runRetention({ ...deps, retention: { ...deps.retention, labelledEventDays: 30 } });
      assert.equal(sameDays.byAge, 2);
      assert.deepEqual(allSegments(f.db).map((s) => s.path).sort(), [today, plainRecent].sort());
    } finally {
      f.cleanup();
    }
  });

  test('by disk budget: footage of labelled events goes last, but the budget still wins over it', async () => {
    const f = makeFixture([{ id: 'porch', url: 'unused' }]);
    try {
      const now = Date.now();
      const paths = [6, 5, 4, 3, 2, 1].map((d) => seedSegment(f, 'porch', d, now)); // 1000 "bytes" each
      for (const d of [6, 5, 4, 3]) {
        const startMs = now - d * dayMs + 1_000;
        const id = Number(f.db.prepare('INSERT INTO events (camera_id, start_ms, end_ms, score) VALUES (?, ?, ?, 1)').run('porch', startMs, startMs + 2_000).lastInsertRowid);
        upsertEventLabel(f.db, id, { label: 'person', kind: 'person', score: 0.9, box: { x: 0, y: 0, w: 0.5, h: 0.5 }, atMs: startMs });
      }
      // 60 % used, the budget 25 %: the two unprotected go first, then the oldest labelled ones, past their protection.
      const usage = (): { usedPercent: number; totalBytes: number } => ({ usedPercent: (listSegments(f.db, 'porch').length * 1000) / 100, totalBytes: 10_000 });
      const deps = { ...retentionDeps(f, new ClockGuard(f.log), usage), retention: { days: 365, maxDiskPercent: 25, eventDays: 1, labelledEventDays: 365 } };
      const result = await runRetention(deps);
      assert.equal(result.byBudget, 4);
      assert.deepEqual(listSegments(f.db, 'porch').map((s) => s.path), [paths[2], paths[3]], 'unlabelled first, then labelled oldest first');
    } finally {
      f.cleanup();
    }
  });

  test('a clock that jumped forward deletes nothing by age', async () => {
    const f = makeFixture([{ id: 'porch', url: 'unused' }]);
    try {
      const now = Date.now();
      for (const d of [3, 2, 1]) seedSegment(f, 'porch', d, now);
      let wall = now;
      let mono = 0;
      const clock = new ClockGuard(f.log, () => wall, () => mono);
      wall += 30 * dayMs; // NTP answers with a date a month ahead
      mono += 1_000;
      const result = await runRetention(retentionDeps(f, clock));
      assert.equal(result.byAge, 0);
      assert.match(result.ageSkippedReason ?? '', /jumped/);
      assert.equal(allSegments(f.db).length, 3);
      // Even without a detected jump, age is measured from the newest recording, not from a clock ahead of it.
      const steady = new ClockGuard(f.log, () => now + 30 * dayMs);
      assert.equal(steady.referenceNowMs(now - dayMs), now - dayMs);
      assert.ok(f.logLines.some((l) => l.includes('event=clock.untrusted')));
    } finally {
      f.cleanup();
    }
  });

  test('by disk budget: oldest first, event footage last, index consistent', async () => {
    const f = makeFixture([{ id: 'porch', url: 'unused' }]);
    try {
      const now = Date.now();
      const paths = [6, 5, 4, 3, 2, 1].map((d) => seedSegment(f, 'porch', d, now)); // 1000 "bytes" each
      const protectedStart = now - 6 * dayMs + 1_000;
      f.db.prepare('INSERT INTO events (camera_id, start_ms, end_ms, score) VALUES (?, ?, ?, 1)').run('porch', protectedStart, protectedStart + 2_000);
      // A 10 000-byte disk holding only these segments: 60 % used; the budget is 35 %.
      const usage = (): { usedPercent: number; totalBytes: number } => ({ usedPercent: (listSegments(f.db, 'porch').length * 1000) / 100, totalBytes: 10_000 });
      const deps = { ...retentionDeps(f, new ClockGuard(f.log), usage), retention: { days: 365, maxDiskPercent: 35, eventDays: 30, labelledEventDays: 30 } };
      const result = await runRetention(deps);
      assert.equal(result.byBudget, 3);
      const remaining = listSegments(f.db, 'porch').map((s) => s.path);
      assert.deepEqual(remaining, [paths[0], paths[4], paths[5]], 'the oldest unprotected went first; the event segment stayed');
      const onDisk = readdirSync(recordingRoot(f.dataDir), { recursive: true }).filter((n) => String(n).endsWith('.mp4')).length;
      assert.equal(onDisk, 3);
    } finally {
      f.cleanup();
    }
  });

  test('on a small disk the budget also leaves the free floor (above the low-space mark), but never asks for more than half the disk', async () => {
    const f = makeFixture([{ id: 'porch', url: 'unused' }]);
    try {
      const now = Date.now();
      [8, 7, 6, 5, 4, 3, 2, 1].map((d) => seedSegment(f, 'porch', d, now));
      // A 10 000-byte disk, 1000 per segment, 1000 of other files: 90 % used, exactly maxDiskPercent.
      const usage = (): { usedPercent: number; totalBytes: number } => ({ usedPercent: (1000 + listSegments(f.db, 'porch').length * 1000) / 100, totalBytes: 10_000 });
      const base = { ...retentionDeps(f, new ClockGuard(f.log), usage), retention: { days: 365, maxDiskPercent: 90, eventDays: 30, labelledEventDays: 30 } };
      assert.equal(await pruneToBudget(base), 0, 'within the percentage and no floor: nothing to do');
      // The floor (3000 free, like 64 MB + slack on a ~400 MB disk) wins over 10 %: down to 70 % used.
      assert.equal(await pruneToBudget({ ...base, minFreeBytes: 3000 }), 2);
      assert.equal(listSegments(f.db, 'porch').length, 6);
      // A floor bigger than half the disk is capped at half: 50 % used, not everything deleted.
      assert.equal(await pruneToBudget({ ...base, minFreeBytes: 9000 }), 2);
      assert.equal(listSegments(f.db, 'porch').length, 4);
    } finally {
      f.cleanup();
    }
  });
});

describe('storage', () => {
  test('a recording root without its marker is refused, with the reason; recording resumes when it is back', { timeout: 120_000 }, async () => {
    const camera = await startTestCamera(clip('red'));
    const f = makeFixture([{ id: 'porch', url: camera.url() }]);
    try {
      const first = await startRecorders({ db: f.db, config: f.config, log: f.log, dataDir: f.dataDir });
      await waitFor('recording', () => first.states()[0]?.state === 'recording', 30_000);
      await first.stop();
      const root = recordingRoot(f.dataDir);
      const marker = path.join(root, markerFileName);
      const markerText = execFileSync('cat', [marker]).toString();
      // As if the USB disk did not mount: the mount point is there, empty.
      rmSync(root, { recursive: true });
      mkdirSync(root);
      const second = await startRecorders({ db: f.db, config: f.config, log: f.log, dataDir: f.dataDir });
      await waitFor('storage_missing', () => second.states()[0]?.state === 'storage_missing', 5_000);
      const status = second.states()[0]!;
      assert.match(status.lastError ?? '', /Porch/);
      assert.match(status.lastError ?? '', /not mounted/);
      assert.ok(f.logLines.some((l) => l.includes('event=storage.missing') && l.includes('marker')));
      await sleep(3_000);
      assert.deepEqual(readdirSync(root), [], 'nothing written to the disk underneath');
      // The disk comes back: recording resumes by itself.
      writeFileSync(marker, markerText);
      await waitFor('recording again', () => second.states()[0]?.state === 'recording', 30_000);
      await second.stop();
    } finally {
      f.cleanup();
      await camera.stop();
    }
  });
});
