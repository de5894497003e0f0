/**
 * The one stop sequence on real processes: a real ffmpeg finishes its MP4 on SIGINT and is
 * not killed; a process that ignores SIGINT is killed after the grace; an orphan is
 * stopped by pid; the stderr tail stays bounded; a missing program is an exit, not a throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnChild, stopPid } from '../../src/ffmpeg/child.ts';
import { ffmpegPathSync } from '../../src/ffmpeg/locate.ts';
import { readProcStat } from '../../src/system/procFs.ts';
import { probeSegment } from '../../src/recording/probeSegment.ts';

const noTail = { lines: 5, lineChars: 200 };

test('SIGINT lets a real ffmpeg close its MP4: it exits by itself within the grace and the file plays', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-child-'));
  try {
    const out = path.join(dir, 'out.mp4');
    const child = spawnChild(
      ffmpegPathSync(),
      ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mp4', out],
      { stdio: ['ignore', 'ignore', 'pipe'] },
      noTail,
    );
    await waitFor(() => exists(out) && statSync(out).size > 0, 10_000, 'ffmpeg wrote nothing');
    await new Promise((r) => setTimeout(r, 1_500)); // some frames in
    const exit = await child.stop(10_000);
    assert.equal(exit.signal, null, `ffmpeg was killed (${exit.signal}) instead of finishing`);
    assert.equal(child.running(), false);
    const probe = await probeSegment(out);
    assert.ok(probe && probe.durationMs > 0, 'the stopped MP4 has no playable video (no moov written?)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a child that ignores SIGINT is killed after the grace, and stop() resolves once it is gone', async () => {
  const child = spawnChild(process.execPath, ['-e', "process.on('SIGINT', () => console.error('ignoring SIGINT')); setInterval(() => undefined, 1000)"], { stdio: ['ignore', 'ignore', 'pipe'] }, noTail);
  await new Promise((r) => setTimeout(r, 300)); // the handler is in place
  const startedMs = Date.now();
  const exit = await child.stop(500);
  assert.equal(exit.signal, 'SIGKILL');
  assert.ok(Date.now() - startedMs >= 450, 'killed before the grace was over');
  assert.deepEqual(child.stderrTail(), ['ignoring SIGINT']);
  assert.equal(readProcStat(child.pid ?? -1), null, 'the process is still there');
  assert.deepEqual(await child.stop(500), exit, 'a second stop answers the same exit');
});

test('the stderr tail keeps only the last lines, each cut short', async () => {
  const child = spawnChild(process.execPath, ['-e', "for (let i = 0; i < 50; i++) console.error(i + ':' + 'x'.repeat(500))"], { stdio: ['ignore', 'ignore', 'pipe'] }, { lines: 3, lineChars: 10 });
  const exit = await child.exited;
  assert.equal(exit.code, 0);
  assert.deepEqual(child.stderrTail(), ['47:xxxxxxx', '48:xxxxxxx', '49:xxxxxxx']);
});

test('a program that is not there is an exit with the spawn error, and stop() is harmless', async () => {
  const child = spawnChild('/nonexistent/ffmpeg', [], { stdio: ['ignore', 'ignore', 'pipe'] }, noTail);
  const exit = await child.stop(100);
  assert.match(exit.spawnError?.message ?? '', /ENOENT/);
  assert.equal(child.running(), false);
});

test('stopPid: SIGINT, then SIGKILL after the grace, for a process known only by its pid', async () => {
  const stubborn = spawn(process.execPath, ['-e', "process.on('SIGINT', () => undefined); setInterval(() => undefined, 1000)"], { stdio: 'ignore' });
  const polite = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  const gone = (pid: number): boolean => {
    const state = readProcStat(pid)?.state ?? null;
    return state === null || state === 'Z';
  };
  const signals: Array<NodeJS.Signals | null> = [];
  const exitOf = (child: typeof polite): Promise<void> => new Promise((resolve) => child.once('exit', (_c, s) => resolve(void signals.push(s))));
  const [politeExit, stubbornExit] = [exitOf(polite), exitOf(stubborn)];
  assert.equal(await stopPid(polite.pid ?? -1, 2_000, gone), true);
  await politeExit;
  assert.equal(await stopPid(stubborn.pid ?? -1, 500, gone), true);
  await stubbornExit;
  assert.deepEqual(signals, ['SIGINT', 'SIGKILL']);
});

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(ok: () => boolean, timeoutMs: number, why: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(why);
    await new Promise((r) => setTimeout(r, 100));
  }
}
