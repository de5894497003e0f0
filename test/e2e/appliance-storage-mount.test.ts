import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHearthProcess } from '../helpers/hearthProcess.ts';
import { startSimulator } from '../../src/simulator/index.ts';

const isRoot = process.getuid?.() === 0;

/** Every path under `dir`, relative, so a failure shows what landed on the disk underneath. */
function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

function isMounted(target: string): boolean {
  return execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).split('\n').includes(target);
}

async function waitForState(url: string, state: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pattern = new RegExp(`hearth_camera_state\\{[^}]*camera="porch"[^}]*state="${state}"[^}]*\\} 1`);
  for (;;) {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    if (pattern.test(metrics)) return;
    if (Date.now() > deadline) throw new Error(`camera porch never reached ${state}; metrics:\n${metrics.split('\n').filter((l) => l.includes('camera_state')).join('\n')}\noutput:\n${output()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('the data dir on its own mount (USB disk / NAS): when the mount goes away under a running Hearth it says storage_missing and writes nothing to the disk underneath; it resumes when the mount is back', { skip: !isRoot && 'needs root to mount', timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-usb-'));
  const usb = path.join(dir, 'usb-disk'); // the disk itself (a tmpfs)
  const data = path.join(dir, 'data'); // its mount point, on "the SD card"
  mkdirSync(usb);
  mkdirSync(data);
  const unmount = (target: string): void => {
    if (isMounted(target)) execFileSync('umount', ['-l', target]);
  };
  t.after(() => {
    unmount(data);
    unmount(usb);
    rmSync(dir, { recursive: true, force: true });
  });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256m,mode=0750', 'hearth-usb-test', usb]);
  execFileSync('mount', ['--bind', usb, data]);

  const simulator = await startSimulator({ cameras: 1, scene: 'still', serialPrefix: `USB${process.pid % 10_000}` });
  t.after(() => simulator.stop());
  const config = path.join(dir, 'hearth.yaml');
  writeFileSync(config, `cameras:\n  - id: porch\n    name: Porch\n    streams:\n      main: "${simulator.cameras[0]!.rtspUrl('main', true)}"\n    motion:\n      enabled: false\n`);
  const hearth = await startHearthProcess(['--config', config, '--data', data, '--port', '0', '--host', '127.0.0.1'], { timeoutMs: 60_000 });
  t.after(() => hearth.stop());

  await waitForState(hearth.url, 'recording', 60_000, hearth.output);
  assert.ok(listTree(usb).includes('hearth.db'), 'the database lives on the disk');

  // The disk goes away (a NAS share that dropped, an automount that expired): the mount point
  // is now the empty directory on the SD card. Lazy, as the kernel does for a busy mount.
  execFileSync('umount', ['-l', data]);
  assert.deepEqual(listTree(data), [], 'the mount point underneath starts empty');
  await waitForState(hearth.url, 'storage_missing', 60_000, hearth.output);
  assert.match(hearth.output(), /event=storage\.missing/);
  assert.match(hearth.output(), /not mounted/);
  // Longer than a segment and a storage recheck: ffmpeg would have opened its next file by now.
  await new Promise((r) => setTimeout(r, 15_000));
  assert.deepEqual(listTree(data), [], 'nothing written to the SD card underneath the missing disk');
  const health = (await (await fetch(`${hearth.url}/api/health`)).json()) as { ok: boolean };
  assert.equal(health.ok, true, 'Hearth keeps serving while its disk is gone');

  // The disk is back: same database, same marker; recording resumes by itself.
  execFileSync('mount', ['--bind', usb, data]);
  await waitForState(hearth.url, 'recording', 90_000, hearth.output);
  assert.match(hearth.output(), /recording folder is back/);
  assert.equal(await hearth.stop(), 0);
});
