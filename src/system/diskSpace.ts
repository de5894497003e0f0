/**
 * The disk under a directory, from statfs, read in one place: metrics, retention, the
 * system page, `hearth doctor` and the recorder's low-space check all see the same figures.
 * Throws what statfs throws (ENOENT for a directory that is not there).
 */
import { statfsSync } from 'node:fs';

export interface DiskSpace {
  /** Size of the filesystem. */
  totalBytes: number;
  /** Free, counting the blocks reserved for root. */
  freeBytes: number;
  /** Free for an unprivileged user such as the hearth service: what recording can still fill. */
  availableBytes: number;
  /** In use: total minus free. */
  usedBytes: number;
}

export function diskSpaceOf(dir: string): DiskSpace {
  const s = statfsSync(dir);
  return {
    totalBytes: s.blocks * s.bsize,
    freeBytes: s.bfree * s.bsize,
    availableBytes: s.bavail * s.bsize,
    usedBytes: (s.blocks - s.bfree) * s.bsize,
  };
}

/** Bytes Hearth may still write under `dir` (statfs f_bavail). */
export function freeBytesOf(dir: string): number {
  return diskSpaceOf(dir).availableBytes;
}
