/**
 * The per-run watchdog on a simulated clock (test/helpers/supervisorRig.ts): a run that
 * stops sending video is restarted after stallMs, a recording disk that goes away stops the
 * run and shows storage_missing, low free space prunes and, when that is not enough, stops
 * the run and shows disk_full until space is back. Real-ffmpeg versions:
 * test/integration/recording-failures.test.ts, recording-storage.test.ts and
 * test/e2e/fault-full-disk.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dayDirName } from '../../src/recording/layout.ts';
import { lowSpaceBytes, startSupervisorRig } from '../helpers/supervisorRig.ts';

test('a run that stops sending video is stopped after stallMs (with the restart grace) and a new one starts', async () => {
  const rig = await startSupervisorRig();
  try {
    const run = rig.currentRun();
    run.sendVideo();
    await rig.clock.settle();
    const lastVideoMs = rig.clock.now();
    const silentMs = await rig.clock.advanceUntil('the stalled run stopped', () => !run.running, 60_000);
    // Watchdog ticks are a second apart: the stop comes within a tick after stallMs.
    assert.ok(silentMs > 20_000 && silentMs <= 21_000, `stopped after ${silentMs} ms of silence`);
    assert.deepEqual(run.stops, [2_000]);
    assert.ok(rig.logLines.some((l) => l.includes('event=recorder.stalled')));
    assert.equal(rig.state(), 'retrying');
    assert.equal(rig.lastError(), 'camera "Porch" (porch) is not sending video: ffmpeg exited with code 255');
    const { run: next } = await rig.nextRun();
    assert.ok(rig.clock.now() - lastVideoMs < 25_000);
    next.sendVideo();
    await rig.clock.settle();
    assert.equal(rig.state(), 'recording');
  } finally {
    await rig.close();
  }
});

test('a run that never sends video counts its stall from the recorder start', async () => {
  const rig = await startSupervisorRig({ stallMs: 5_000 });
  try {
    const run = rig.currentRun();
    const ranMs = await rig.clock.advanceUntil('the silent run stopped', () => !run.running, 60_000);
    assert.ok(ranMs > 5_000 && ranMs <= 6_000, `stopped after ${ranMs} ms`);
    assert.equal(rig.state(), 'retrying');
  } finally {
    await rig.close();
  }
});

test('video every second keeps a run going: no stall restart in two minutes', async () => {
  const rig = await startSupervisorRig();
  try {
    const run = rig.currentRun();
    await rig.sendVideoFor(run, 120_000);
    assert.equal(run.running, true);
    assert.equal(rig.runs.length, 1);
    assert.equal(rig.state(), 'recording');
  } finally {
    await rig.close();
  }
});

test('the recording disk goes away mid-run: the run stops within a tick, storage_missing is shown, and recording resumes when it is back', async () => {
  const rig = await startSupervisorRig();
  try {
    const run = rig.currentRun();
    run.sendVideo();
    await rig.clock.advance(500);
    const reason = 'the recording folder /data/recordings is not the one this database indexes (its marker is missing); is the USB disk mounted?';
    rig.world.storage = { ok: false, reason };
    const stoppedAfterMs = await rig.clock.advanceUntil('the run stopped', () => !run.running, 5_000);
    assert.ok(stoppedAfterMs <= 1_000, `stopped ${stoppedAfterMs} ms after the disk went`);
    assert.deepEqual(run.stops, [2_000]);
    await rig.clock.advanceUntil('storage_missing shown', () => rig.state() === 'storage_missing', 30_000);
    assert.equal(rig.lastError(), `camera "Porch" is not recording: ${reason}`);
    await rig.clock.advance(60_000);
    assert.equal(rig.runs.length, 1, 'no recorder while the disk is missing');
    assert.equal(rig.state(), 'storage_missing');

    rig.world.storage = { ok: true };
    const { run: next, waitedMs } = await rig.nextRun(30_000);
    assert.ok(waitedMs <= 10_000, `resumed ${waitedMs} ms after the disk came back`);
    assert.equal(rig.state(), 'connecting');
    next.sendVideo();
    await rig.clock.settle();
    assert.equal(rig.state(), 'recording');
  } finally {
    await rig.close();
  }
});

for (const diskStays of [true, false]) {
  test(`across midnight the watchdog makes the next day's folder only while the recording disk is there (disk ${diskStays ? 'there' : 'gone'})`, async () => {
    // Folders for today and tomorrow are made at the start; just before midnight UTC.
    const rig = await startSupervisorRig({}, { startMs: Date.UTC(2026, 0, 15, 23, 59, 50) });
    try {
      const dayAfterTomorrow = path.join(rig.recordingsRoot, 'porch', dayDirName(Date.UTC(2026, 0, 17, 12)));
      const run = rig.currentRun();
      run.sendVideo();
      await rig.clock.advance(5_000);
      assert.equal(existsSync(dayAfterTomorrow), false);
      if (!diskStays) rig.world.storage = { ok: false, reason: 'the recording disk is not mounted' };
      await rig.sendVideoFor(run, 20_000);
      // Gone: made anyway, it would take ffmpeg's next segment onto the SD card underneath.
      assert.equal(existsSync(dayAfterTomorrow), diskStays);
      assert.equal(run.running, diskStays);
    } finally {
      await rig.close();
    }
  });
}

test('low free space mid-run prunes at once; when the prune frees enough, the run goes on', async () => {
  const rig = await startSupervisorRig();
  try {
    const run = rig.currentRun();
    run.sendVideo();
    rig.world.freeBytes = lowSpaceBytes - 1;
    rig.world.pruneFreesBytes = 1024 ** 3;
    await rig.sendVideoFor(run, 5_000);
    assert.equal(rig.prunes, 1);
    assert.equal(run.running, true);
    assert.equal(rig.state(), 'recording');
    assert.ok(rig.logLines.some((l) => l.includes('event=storage.low_space')));
  } finally {
    await rig.close();
  }
});

test('low free space that a prune cannot fix stops the run and shows disk_full until space is back', async () => {
  const rig = await startSupervisorRig();
  try {
    const run = rig.currentRun();
    run.sendVideo();
    await rig.clock.settle();
    rig.world.freeBytes = lowSpaceBytes - 1;
    const stoppedAfterMs = await rig.clock.advanceUntil('the run stopped', () => !run.running, 5_000);
    assert.ok(stoppedAfterMs <= 1_000);
    await rig.clock.settle();
    assert.equal(rig.state(), 'disk_full');
    assert.equal(
      rig.lastError(),
      'camera "Porch" (porch) cannot record: the recording disk is full (the recording disk is full); Hearth is deleting the oldest recordings and will resume, or lower retention.maxDiskPercent / free space',
    );
    await rig.clock.advance(60_000);
    assert.equal(rig.runs.length, 1, 'no recorder on a full disk');
    assert.equal(rig.state(), 'disk_full');
    assert.equal(
      rig.lastError(),
      'camera "Porch" (porch) cannot record: the recording disk is full; Hearth deletes the oldest recordings and resumes, or free space / lower retention.maxDiskPercent',
    );
    assert.ok(rig.prunes >= 3, `pruned on each look (${rig.prunes})`);

    rig.world.freeBytes = 1024 ** 3;
    const { run: next, waitedMs } = await rig.nextRun(30_000);
    assert.ok(waitedMs <= 15_000, `resumed ${waitedMs} ms after space came back (the backoff cap)`);
    next.sendVideo();
    await rig.clock.settle();
    assert.equal(rig.state(), 'recording');
  } finally {
    await rig.close();
  }
});

test('ffmpeg reporting "No space left on device" shows disk_full with its words and prunes', async () => {
  const rig = await startSupervisorRig();
  try {
    rig.currentRun().sendVideo();
    rig.currentRun().fail(['[segment @ 0x55d0] [error] Failed to write: No space left on device']);
    await rig.clock.settle();
    assert.equal(rig.state(), 'disk_full');
    assert.equal(
      rig.lastError(),
      'camera "Porch" (porch) cannot record: the recording disk is full (Failed to write: No space left on device); Hearth is deleting the oldest recordings and will resume, or lower retention.maxDiskPercent / free space',
    );
    assert.equal(rig.prunes, 1);
    await rig.nextRun(30_000);
  } finally {
    await rig.close();
  }
});
