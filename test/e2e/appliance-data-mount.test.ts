/**
 * A data dir on a disk that /etc/fstab names but that is not mounted at start (USB disk
 * unplugged at boot, NAS late): `hearth start` and `hearth doctor` refuse with the mount's
 * name and create nothing on the SD card underneath; with the disk mounted Hearth starts.
 * The real check runs in a private mount namespace with its own /etc/fstab bound over
 * the machine's, so the host's mounts are never touched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertDataDirMounted, DataDirNotMountedError, fstabMountPoints, mountedPoints } from '../../src/system/dataDirMount.ts';
import { runHearth } from '../helpers/hearthProcess.ts';

const isRoot = process.getuid?.() === 0;

test('fstab and mountinfo parsing: escapes, swap, comments, bind mounts', () => {
  const fstab = [
    '# /etc/fstab: static file system information.',
    'PARTUUID=1-01  /boot/firmware  vfat    defaults          0       2',
    'PARTUUID=1-02  /               ext4    defaults,noatime  0       1',
    '/swapfile      none            swap    sw                0       0',
    'LABEL=CAMS     /media/My\\040Disk  ext4  defaults,nofail 0 2',
    '/srv/nas       /var/lib/hearth none    bind              0 0',
    '',
  ].join('\n');
  assert.deepEqual(fstabMountPoints(fstab), ['/boot/firmware', '/', '/media/My Disk', '/var/lib/hearth']);
  const mountinfo = '22 1 179:2 / / rw,noatime shared:1 - ext4 /dev/root rw\n40 22 8:1 / /media/My\\040Disk rw shared:9 - ext4 /dev/sda1 rw\n';
  assert.deepEqual([...mountedPoints(mountinfo)], ['/', '/media/My Disk']);
});

test('the data dir under an unmounted fstab entry is refused with the mount named; mounted, outside, or no fstab is fine', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-mountcheck-'));
  try {
    const fstab = path.join(dir, 'fstab');
    const mountinfo = path.join(dir, 'mountinfo');
    writeFileSync(fstab, '/dev/root / ext4 defaults 0 1\nLABEL=CAMS /media/cams ext4 defaults,nofail 0 2\n');
    writeFileSync(mountinfo, '22 1 179:2 / / rw - ext4 /dev/root rw\n');
    const files = { fstab, mountinfo };
    assert.throws(() => assertDataDirMounted('/media/cams/hearth', files), (error: unknown) => {
      assert.ok(error instanceof DataDirNotMountedError);
      assert.match(error.message, /\/media\/cams\/hearth is on \/media\/cams, which \/etc\/fstab lists but is not mounted/);
      assert.match(error.message, /sudo mount \/media\/cams/);
      return true;
    });
    assert.throws(() => assertDataDirMounted('/media/cams', files), DataDirNotMountedError, 'the mount point itself as data dir');
    assertDataDirMounted('/media/camsX/hearth', files); // a sibling path, not under the mount
    assertDataDirMounted('/var/lib/hearth', files); // only "/" owns it
    writeFileSync(mountinfo, '22 1 179:2 / / rw - ext4 /dev/root rw\n41 22 8:1 / /media/cams rw - ext4 /dev/sda1 rw\n');
    assertDataDirMounted('/media/cams/hearth', files);
    assertDataDirMounted('/media/cams/hearth', { fstab: path.join(dir, 'missing'), mountinfo });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface Outcome {
  code: number | null;
  output: string;
}

/**
 * Runs hearth in a private mount namespace whose /etc/fstab names `mountPoint`; with
 * `mounted`, a tmpfs stands in for the disk. `start` is stopped once it listens.
 */
async function runInNamespace(fstab: string, mountPoint: string, mounted: boolean, args: string[]): Promise<Outcome> {
  const script = [
    'set -e',
    'mount --bind "$1" /etc/fstab',
    mounted ? 'mount -t tmpfs -o size=64m hearth-usb-test "$2"' : ':',
    'shift 2',
    'exec "$@"',
  ].join('\n');
  const prefix = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', fstab, mountPoint];
  const result = await runHearth(args, { prefix, stopOnceListening: true, timeoutMs: 60_000 });
  return { code: result.code, output: result.stdout + result.stderr };
}

test('hearth start and doctor with the data dir on an fstab disk that is not mounted: refused, nothing written underneath; mounted: starts', { skip: !isRoot && 'needs root for a mount namespace', timeout: 180_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-fstab-'));
  try {
    const mountPoint = path.join(dir, 'usb'); // the empty folder on "the SD card"
    mkdirSync(mountPoint);
    const data = path.join(mountPoint, 'hearth');
    const fstab = path.join(dir, 'fstab');
    writeFileSync(fstab, `/dev/root / ext4 defaults 0 1\nLABEL=CAMS ${mountPoint} ext4 defaults,nofail 0 2\n`);

    const refused = await runInNamespace(fstab, mountPoint, false, ['start', '--data', data, '--port', '0', '--host', '127.0.0.1']);
    console.log(`data-mount: start without the disk -> exit ${refused.code}: ${refused.output.trim().split('\n').at(-1)}`);
    assert.notEqual(refused.code, 0, 'hearth start fails');
    assert.match(refused.output, new RegExp(`${mountPoint.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, which /etc/fstab lists but is not mounted`));
    assert.deepEqual(readdirSync(mountPoint), [], 'nothing was created on the disk underneath');

    const doctor = await runInNamespace(fstab, mountPoint, false, ['doctor', '--data', data]);
    assert.equal(doctor.code, 1, 'doctor fails');
    assert.match(doctor.output, /fail\s+data\s+.*not mounted/);

    const started = await runInNamespace(fstab, mountPoint, true, ['start', '--data', data, '--port', '0', '--host', '127.0.0.1']);
    assert.match(started.output, /listening on http/, `with the disk mounted Hearth starts; output:\n${started.output}`);
    assert.equal(started.code, 0, 'and stops cleanly on SIGTERM');
    assert.deepEqual(readdirSync(mountPoint), [], 'what it wrote went to the disk (the namespace tmpfs), not underneath');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
