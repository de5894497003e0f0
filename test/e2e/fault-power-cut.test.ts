/**
 * README, "Reliability": power cuts. Hearth records 4 cameras; at a random moment Hearth and
 * every ffmpeg it started die at once (SIGKILL to its process group and to the pids in
 * <data>/run), and it starts again. After every round the database passes
 * `PRAGMA integrity_check`; at the end every file on disk is indexed, every row's file
 * exists and plays, and the footage lost per round (from the kill back to the end of the
 * last indexed segment before it) is at most one segment per camera.
 * Default 4 rounds; HEARTH_LONG_TESTS=1 runs 20.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../src/db/sqlite.ts';
import { allSegments } from '../../src/recording/segmentRows.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { playsWithFfprobe } from '../helpers/recordingTestCamera.ts';
import { sleep } from '../helpers/recordingFixture.ts';
import { ffmpegPidsWith } from '../helpers/processCpu.ts';
import { killGroup, startFaultHearth, writeConfig, type FaultHearth } from '../helpers/faultHearth.ts';

const long = process.env.HEARTH_LONG_TESTS === '1';
/** 4 rounds keep the default run near a minute on 2 busy cores; CI's long run does the 20. */
const rounds = long ? 20 : 4;
/** Hearth's default segment length: the limit on what one cut may lose. */
const segmentSeconds = 10;
const cameraIds = ['porch', 'yard', 'drive', 'garage'];

interface Health {
  cameras: { total: number; recording: number };
}

async function waitAllRecording(hearth: FaultHearth, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${hearth.url}/api/health`, { signal: AbortSignal.timeout(10_000) });
    const health = (await res.json()) as Health;
    if (health.cameras.recording === cameraIds.length) return;
    if (Date.now() > deadline) throw new Error(`only ${health.cameras.recording} of ${cameraIds.length} cameras recording after ${timeoutMs} ms:\n${hearth.output().slice(-4000)}`);
    await sleep(250);
  }
}

/** Opened with the bare driver: no migrations, nothing written but what SQLite's own recovery does. */
function integrity(dataDir: string): string {
  const db = openSqlite(path.join(dataDir, 'hearth.db'));
  try {
    return (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check;
  } finally {
    db.close();
  }
}

function filesOnDisk(root: string): string[] {
  const files: string[] = [];
  for (const camera of readdirSync(root).filter((n) => !n.startsWith('.'))) {
    for (const day of readdirSync(path.join(root, camera))) {
      for (const name of readdirSync(path.join(root, camera, day))) files.push(`${camera}/${day}/${name}`);
    }
  }
  return files.sort();
}

test(`power cut: ${rounds} rounds of kill -9 of Hearth and its ffmpeg while recording 4 cameras`, { timeout: long ? 900_000 : 240_000 }, async () => {
  let simulator: Simulator | null = null;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-fault-power-'));
  let hearth: FaultHearth | null = null;
  try {
    simulator = await startSimulator({ cameras: cameraIds.length, serialPrefix: `PWR${process.pid}` });
    const cameras = simulator.cameras;
    const configFile = writeConfig(dataDir, {
      discovery: { enabled: false },
      recording: { segmentSeconds },
      cameras: cameraIds.map((id, i) => ({ id, streams: { main: cameras[i]!.rtspUrl('main', true) }, motion: { enabled: false } })),
    });
    const kills: number[] = [];
    /** When every camera was first seen recording in each round: no footage of the round exists before it. */
    const recordingFrom: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const t0 = Date.now();
      hearth = await startFaultHearth({ configFile, dataDir });
      const t1 = Date.now();
      await waitAllRecording(hearth, 90_000);
      recordingFrom.push(Date.now());
      if (process.env.FAULT_DEBUG) console.log(`round ${round + 1}: listening after ${t1 - t0} ms, all recording after ${Date.now() - t1} ms`);
      // A random moment: inside the first segment (which ends ~12 s in) or just past its end.
      await sleep(500 + Math.floor(Math.random() * (segmentSeconds + 2) * 1000));
      kills.push(Date.now());
      await hearth.powerCut();
      hearth = null;
      const verdict = integrity(dataDir);
      assert.equal(verdict, 'ok', `round ${round + 1}: integrity_check says ${verdict}`);
    }
    // The last start reconciles the last cut (before it listens).
    // Stopped at once: a SIGTERM while the supervisors are still starting must stop every ffmpeg too.
    hearth = await startFaultHearth({ configFile, dataDir });
    const stopCode = await hearth.stop();
    const stopOutput = hearth.output();
    hearth = null;
    assert.equal(stopCode, 0, `hearth stopped cleanly on SIGTERM:\n${stopOutput.slice(-3000)}`);
    assert.deepEqual(ffmpegPidsWith(dataDir), [], 'no ffmpeg outlives the clean stop');

    const db = openSqlite(path.join(dataDir, 'hearth.db'));
    const rows = allSegments(db);
    const verdict = (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check;
    db.close();
    assert.equal(verdict, 'ok');
    const root = recordingRoot(dataDir);
    assert.deepEqual(filesOnDisk(root), rows.map((r) => r.path).sort(), 'every file on disk is indexed and every row has its file');
    const unplayable = rows.filter((r) => !playsWithFfprobe(path.join(root, r.path)).ok).map((r) => r.path);
    assert.deepEqual(unplayable, [], 'every indexed file plays');

    // Footage lost at each cut, per camera: kill time minus the end of the last segment that started
    // before it (or minus the round's start of recording, when the cut came before any segment survived).
    let maxLostMs = 0;
    const worst: string[] = [];
    for (const [round, killAtMs] of kills.entries()) {
      for (const id of cameraIds) {
        const before = rows.filter((r) => r.cameraId === id && r.startMs < killAtMs);
        const lastEndMs = Math.max(recordingFrom[round]!, ...before.map((r) => r.endMs));
        const lostMs = Math.max(0, killAtMs - lastEndMs);
        if (lostMs > maxLostMs) maxLostMs = lostMs;
        if (lostMs > segmentSeconds * 1000) worst.push(`round ${round + 1} ${id}: ${(lostMs / 1000).toFixed(1)} s`);
      }
    }
    console.log(
      `fault-power-cut: ${kills.length} rounds survived, ${rows.length} segments == ${rows.length} files, all play, integrity ok; ` +
        `max lost ${(maxLostMs / 1000).toFixed(1)} s/camera/round (limit ${segmentSeconds} s = one segment)`,
    );
    assert.deepEqual(worst, [], `lost more than one segment (${segmentSeconds} s)`);
    assert.equal(kills.length, rounds);
  } finally {
    if (hearth) killGroup(hearth.child, 'SIGKILL');
    for (const pid of ffmpegPidsWith(dataDir)) process.kill(pid, 'SIGKILL');
    await simulator?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
