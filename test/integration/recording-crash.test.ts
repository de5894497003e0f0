/**
 * docs/DESIGN.md, "Nothing lost": kill -9 Hearth mid-recording, restart: reconcile indexes the
 * orphans, disk and index agree, no orphan ffmpeg remains; and SIGTERM stops every ffmpeg.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/connection.ts';
import { allSegments } from '../../src/recording/segmentRows.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import { silentLogger } from '../../src/log.ts';
import type { ReconcileReport } from '../../src/recording/reconcile.ts';
import { playsWithFfprobe, startTestCamera } from '../helpers/recordingTestCamera.ts';
import { clip, sleep, waitFor } from '../helpers/recordingFixture.ts';
import { ffmpegPidsWith } from '../helpers/processCpu.ts';

const serviceScript = fileURLToPath(new URL('../helpers/recordingService.ts', import.meta.url));

interface Service {
  child: ChildProcess;
  lines: string[];
  stderr: string[];
}

function startService(dataDir: string, cameras: string[]): Service {
  const child = spawn(process.execPath, ['--import', 'tsx', serviceScript, dataDir, ...cameras], { stdio: ['ignore', 'pipe', 'pipe'] });
  const service: Service = { child, lines: [], stderr: [] };
  createInterface({ input: child.stdout! }).on('line', (l) => service.lines.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => service.stderr.push(l));
  return service;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
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

test('kill -9 of Hearth mid-recording, then restart: disk and index agree, no orphan ffmpeg', { timeout: 150_000 }, async () => {
  const camera = await startTestCamera(clip('red'));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-crash-'));
  const cameras = [`porch=${camera.url()}`];
  let service: Service | null = null;
  try {
    service = startService(dataDir, cameras);
    await waitFor('recording', () => service!.lines.includes('state porch recording'), 40_000);
    const db = openDatabase(path.join(dataDir, 'hearth.db'), silentLogger);
    await waitFor('a finished segment', () => allSegments(db).length >= 1, 30_000);
    db.close();
    await sleep(4_000); // mid-segment
    const firstFfmpeg = ffmpegPidsWith(dataDir);
    assert.equal(firstFfmpeg.length, 1);
    service.child.kill('SIGKILL');
    await exited(service.child);

    service = startService(dataDir, cameras);
    await waitFor('ready', () => service!.lines.some((l) => l.startsWith('ready ')), 40_000);
    const report = JSON.parse(service.lines.find((l) => l.startsWith('ready '))!.slice(6)) as ReconcileReport;
    for (const pid of firstFfmpeg) assert.ok(!existsSync(`/proc/${pid}/cmdline`) || !ffmpegPidsWith(dataDir).includes(pid), `ffmpeg ${pid} of the killed Hearth still runs`);
    assert.ok(report.orphansIndexed >= 1, `reconcile indexed ${report.orphansIndexed} orphans`);
    await waitFor('recording again', () => service!.lines.includes('state porch recording'), 40_000);
    await sleep(3_000);

    service.child.kill('SIGTERM');
    await exited(service.child);
    assert.ok(service.lines.includes('stopped'), service.stderr.join('\n'));
    assert.deepEqual(ffmpegPidsWith(dataDir), [], 'no ffmpeg survives a SIGTERM of Hearth');

    const root = recordingRoot(dataDir);
    const check = openDatabase(path.join(dataDir, 'hearth.db'), silentLogger);
    const indexed = allSegments(check).map((s) => s.path).sort();
    check.close();
    assert.deepEqual(filesOnDisk(root), indexed, 'every file on disk is indexed and every row has its file');
    for (const file of indexed) assert.ok(playsWithFfprobe(path.join(root, file)).ok, `${file} does not play`);
    console.log(`# crash: reconcile ${JSON.stringify(report)}; ${indexed.length} files == ${indexed.length} rows`);
  } finally {
    if (service && service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    for (const pid of ffmpegPidsWith(dataDir)) process.kill(pid, 'SIGKILL');
    await camera.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
