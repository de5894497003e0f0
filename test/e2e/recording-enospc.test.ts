/**
 * docs/DESIGN.md, "Bounded disk": ENOSPC on a small tmpfs (root mounts it) is survived: disk_full,
 * prune, no corrupt database, no crash loop; recording resumes when space returns.
 * The recording service on a real ffmpeg, real SQLite; the camera is the HTTP stand-in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRecorders } from '../../src/recording/startRecorders.ts';
import { allSegments, listSegments } from '../../src/recording/segmentRows.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import { startTestCamera } from '../helpers/recordingTestCamera.ts';
import { clip, makeFixture, sleep, waitFor, type Fixture } from '../helpers/recordingFixture.ts';

test('ENOSPC on a small tmpfs: disk_full, prune, no corrupt database, no crash loop; resumes when space returns', { timeout: 150_000, skip: process.getuid?.() !== 0 ? 'needs root to mount a tmpfs' : false }, async () => {
  const camera = await startTestCamera(clip('blue'));
  const mountPoint = mkdtempSync(path.join(os.tmpdir(), 'hearth-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', mountPoint]);
  let f: Fixture | null = null;
  try {
    f = makeFixture([{ id: 'drive', url: camera.url() }], { dataDir: mountPoint });
    const recorders = await startRecorders({
      db: f.db,
      config: { ...f.config, retention: { days: 14, maxDiskPercent: 99, eventDays: 30, labelledEventDays: 30 } },
      log: f.log,
      dataDir: f.dataDir,
      // Above what pruning every segment can free once the filler lands: the disk stays too full to
      // record whatever retention deletes, so disk_full is certain rather than a race with pruning.
      lowSpaceBytes: 4 * 1024 * 1024,
      backoff: { baseMs: 500, capMs: 3_000, healthyMs: 60_000, authRetryMs: 60_000 },
    });
    await waitFor('recording', () => recorders.states()[0]?.state === 'recording', 30_000);
    await waitFor('a segment', () => listSegments(f!.db, 'drive').length >= 1, 30_000);
    // Something else fills the disk, leaving ~400 KB: the recorder runs into ENOSPC within seconds.
    const s = statfsSync(mountPoint);
    const filler = path.join(mountPoint, 'filler');
    writeFileSync(filler, Buffer.alloc(Math.max(0, s.bavail * s.bsize - 400 * 1024)));
    try {
      await waitFor('disk_full', () => recorders.states()[0]?.state === 'disk_full', 60_000);
    } catch (error) {
      await recorders.stop();
      throw new Error(`${(error as Error).message}\n${f.logLines.join('\n')}`);
    }
    assert.match(recorders.states()[0]?.lastError ?? '', /disk is full/);
    assert.ok(f.logLines.some((l) => l.includes('event=retention.disk_full_prune')));
    const startsWhileFull = f.logLines.filter((l) => l.includes('event=recorder.started')).length;
    unlinkSync(filler);
    await waitFor('recording again', () => recorders.states()[0]?.state === 'recording', 30_000);
    await sleep(2_000);
    await recorders.stop();
    assert.equal((f.db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    const root = recordingRoot(mountPoint);
    for (const row of allSegments(f.db)) assert.ok(existsSync(path.join(root, row.path)), `${row.path} indexed but missing`);
    console.log(`# ENOSPC: ${startsWhileFull} recorder starts until space returned; ${allSegments(f.db).length} segments indexed after; integrity ok`);
  } finally {
    f?.cleanup();
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
    await camera.stop();
  }
});
