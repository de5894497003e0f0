/** statfs figures, read once for metrics, retention, doctor and the recorder's low-space check. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diskSpaceOf, freeBytesOf } from '../../src/system/diskSpace.ts';

test('the disk of a directory adds up: used + free = total, what Hearth may write never exceeds free', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-disk-'));
  try {
    const disk = diskSpaceOf(dir);
    assert.ok(disk.totalBytes > 0);
    assert.equal(disk.usedBytes + disk.freeBytes, disk.totalBytes);
    assert.ok(disk.availableBytes <= disk.freeBytes);
    // Another process may write between the two readings: same order of magnitude, not equal.
    assert.ok(Math.abs(freeBytesOf(dir) - disk.availableBytes) <= disk.totalBytes / 100);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a directory that is not there throws ENOENT (the callers decide: storage missing, doctor fail)', () => {
  assert.throws(() => freeBytesOf(path.join(os.tmpdir(), 'hearth-no-such-dir', 'x')), { code: 'ENOENT' });
});
