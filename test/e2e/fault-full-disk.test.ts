/**
 * A full disk (README, "Reliability"), on a real filesystem (the ENOSPC unit case is in
 * recording-storage.test.ts). Hearth records 2 cameras onto its own tmpfs; then:
 *  A. something else eats the disk until less than Hearth's low-space mark (64 MB) is
 *     free: Hearth prunes its oldest recordings and keeps recording the newest;
 *  B. the disk is filled to the last megabyte: pruning cannot help, the cameras show
 *     `disk_full` with a reason;
 *  C. the space comes back: recording resumes by itself.
 * Prints bytes pruned, time in disk_full and segments after recovery; the database
 * passes integrity_check and index and disk agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { openSqlite } from '../../src/db/sqlite.ts';
import { allSegments, type SegmentRow } from '../../src/recording/segmentRows.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import { diskUsage } from '../../src/recording/retention.ts';
import { sleep } from '../helpers/recordingFixture.ts';
import { ffmpegPidsWith } from '../helpers/processCpu.ts';
import { ApiClient, killGroup, startFaultHearth, writeConfig, type ApiCamera, type FaultHearth } from '../helpers/faultHearth.ts';

const MB = 1024 * 1024;
/** Hearth's default low-space mark (StartRecordersOptions.lowSpaceBytes). */
const lowSpaceBytes = 64 * MB;
/**
 * With maxDiskPercent 99 a full-disk prune aims at 94 % used, so 6 % of the filesystem is
 * put 3 MB above the 64 MB mark: pruning the oldest few MB lifts free space back over it.
 * (A disk where 6 % is under 64 MB never gets back over the mark by pruning: see the report.)
 */
const fsSizeKb = Math.ceil(((64 + 3) * 1024) / 0.06 / 4) * 4;
const cameraIds = ['porch', 'yard'];

function fill(file: string, bytes: number): void {
  // fallocate: the space is taken at once, without writing a gigabyte through the page cache.
  execFileSync('fallocate', ['-l', String(Math.max(4096, Math.floor(bytes / 4096) * 4096)), file]);
}

const freeBytes = (dir: string): number => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

async function waitUntil(what: string, timeoutMs: number, predicate: () => boolean | Promise<boolean>, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context().slice(-5000)}`);
    await sleep(250);
  }
}

test('full disk on a real filesystem: prune oldest, keep recording, disk_full while it cannot, recover by itself', {
  timeout: 180_000,
  skip: process.getuid?.() !== 0 ? 'needs root to mount a tmpfs (CI runs as root)' : false,
}, async () => {
  const mountPoint = mkdtempSync(path.join(os.tmpdir(), 'hearth-fault-disk-'));
  const configDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-fault-disk-config-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${fsSizeKb}k,mode=0750`, 'tmpfs', mountPoint]);
  const dataDir = path.join(mountPoint, 'data');
  const fillerA = path.join(mountPoint, 'filler-a');
  const fillerB = path.join(mountPoint, 'filler-b');
  let simulator: Simulator | null = null;
  let hearth: FaultHearth | null = null;
  try {
    // The noisy scene records ~250 KB/s per camera, so there is something to prune within seconds.
    simulator = await startSimulator({ cameras: cameraIds.length, scene: 'noise', serialPrefix: `DSK${process.pid}` });
    const sim = simulator;
    const configFile = writeConfig(configDir, {
      discovery: { enabled: false },
      recording: { segmentSeconds: 4 },
      retention: { maxDiskPercent: 99 },
      cameras: cameraIds.map((id, i) => ({ id, streams: { main: sim.cameras[i]!.rtspUrl('main', true) }, motion: { enabled: false } })),
    });
    hearth = await startFaultHearth({ configFile, dataDir });
    const h = hearth;
    const api = await ApiClient.setup(h);
    const root = recordingRoot(dataDir);

    // Every segment ever indexed, so what was pruned can be summed at the end.
    const seen = new Map<number, SegmentRow>();
    const rows = (): SegmentRow[] => {
      const db = openSqlite(path.join(dataDir, 'hearth.db'));
      try {
        const all = allSegments(db);
        for (const r of all) seen.set(r.id, r);
        return all;
      } finally {
        db.close();
      }
    };
    const states = async (): Promise<string[]> => (await api.json<ApiCamera[]>('/api/cameras')).map((c) => c.state);
    const pruneLogs = (): string[] => h.output().split('\n').filter((l) => l.includes('event=retention.disk_full_prune'));
    const recordedBytes = (): number => rows().reduce((sum, r) => sum + r.bytes, 0);

    await waitUntil('8 MB and 3 segments per camera', 90_000, () => recordedBytes() >= 8 * MB && cameraIds.every((id) => rows().filter((r) => r.cameraId === id).length >= 3), h.output);

    // A. Below the low-space mark, overshooting the prune target by about half of what is recorded.
    const beforeA = rows();
    const newestBeforeA = cameraIds.map((id) => beforeA.filter((r) => r.cameraId === id).at(-1)!);
    const { totalBytes } = diskUsage(root);
    const wantFree = Math.min(lowSpaceBytes - 16 * 1024, 0.06 * totalBytes - recordedBytes() / 2);
    assert.ok(wantFree > 32 * MB, `the filesystem leaves room for the test (${Math.round(wantFree / MB)} MB)`);
    fill(fillerA, freeBytes(mountPoint) - wantFree);
    const fillAtMs = Date.now();
    await waitUntil('a prune that deleted something', 30_000, () => pruneLogs().some((l) => !/deleted=0\b/.test(l)), h.output);
    // Right after the first prune (later ones go on taking the next oldest as recording continues).
    const afterPrune = rows();
    const prunedA = beforeA.filter((b) => !afterPrune.some((r) => r.id === b.id));
    assert.ok(prunedA.length > 0, 'old recordings were pruned');
    for (const newest of newestBeforeA) assert.ok(afterPrune.some((r) => r.id === newest.id), `the newest recording before the fill (${newest.path}) is kept`);
    const oldestKept = Math.min(...afterPrune.filter((r) => beforeA.some((b) => b.id === r.id)).map((r) => r.startMs));
    assert.ok(prunedA.every((p) => p.startMs < oldestKept), 'the oldest went first');
    const statesDuringA: string[] = [];
    await waitUntil('2 new segments per camera after the prune', 60_000, async () => {
      statesDuringA.push(...(await states()));
      const now = rows();
      return cameraIds.every((id) => now.filter((r) => r.cameraId === id && r.startMs > fillAtMs).length >= 2);
    }, h.output);

    // B. Filled to the last megabyte: nothing Hearth may delete makes room.
    fill(fillerB, freeBytes(mountPoint) - 1 * MB);
    await waitUntil('disk_full on every camera', 60_000, async () => (await states()).every((s) => s === 'disk_full'), h.output);
    const fullAtMs = Date.now();
    const cameras = await api.json<ApiCamera[]>('/api/cameras');
    for (const c of cameras) assert.match(c.lastError ?? '', /disk is full/, `${c.id} says why`);
    await sleep(3_000);
    assert.ok((await states()).every((s) => s === 'disk_full'), 'stays disk_full while the disk is full');

    // C. The other program goes away: Hearth resumes without being told.
    unlinkSync(fillerB);
    unlinkSync(fillerA);
    const freedAtMs = Date.now();
    await waitUntil('recording again on every camera', 90_000, async () => (await states()).every((s) => s === 'recording'), h.output);
    const recoveredAtMs = Date.now();
    await waitUntil('2 new segments per camera after recovery', 60_000, () => {
      const now = rows();
      return cameraIds.every((id) => now.filter((r) => r.cameraId === id && r.startMs >= freedAtMs - 1_000).length >= 2);
    }, h.output);
    const afterRecovery = rows().filter((r) => r.startMs >= freedAtMs - 1_000).length;

    await h.stop();
    hearth = null;
    const db = openSqlite(path.join(dataDir, 'hearth.db'));
    const final = allSegments(db);
    const verdict = (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check;
    db.close();
    assert.equal(verdict, 'ok');
    for (const r of final) assert.ok(existsSync(path.join(root, r.path)), `${r.path} indexed but missing`);
    const onDisk = cameraIds.flatMap((id) => readdirSync(path.join(root, id), { recursive: true }).map(String).filter((n) => n.endsWith('.mp4')));
    assert.equal(onDisk.length, final.length, 'every file on disk is indexed');
    const pruned = [...seen.values()].filter((s) => !final.some((r) => r.id === s.id));
    const prunedBytes = pruned.reduce((sum, r) => sum + r.bytes, 0);
    console.log(
      `fault-full-disk: ${Math.round(fsSizeKb / 1024)} MB tmpfs; low space: pruned ${prunedA.length} oldest segments (${(prunedA.reduce((s, r) => s + r.bytes, 0) / 1024).toFixed(0)} KB) and kept recording ` +
        `(${statesDuringA.filter((s) => s !== 'recording').length}/${statesDuringA.length} state samples not recording); full: disk_full ${((freedAtMs - fullAtMs) / 1000).toFixed(1)} s until space returned, ` +
        `recording again ${((recoveredAtMs - freedAtMs) / 1000).toFixed(1)} s after; ${afterRecovery} segments after recovery; ${(prunedBytes / 1024).toFixed(0)} KB pruned in all; integrity ok, ${final.length} rows == ${onDisk.length} files`,
    );
    assert.ok(afterRecovery >= 2 * cameraIds.length);
  } finally {
    if (process.env.FAULT_DEBUG && hearth) writeFileSync('/tmp/fault-full-disk.log', hearth.output());
    if (hearth) killGroup(hearth.child, 'SIGKILL');
    for (const pid of ffmpegPidsWith(dataDir)) process.kill(pid, 'SIGKILL');
    await simulator?.stop();
    execFileSync('umount', ['-l', mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  }
});
