/**
 * Set aside recordings that may show another camera's picture (docs/DESIGN.md, "Identity"):
 * when the periodic identity check finds a different device at a camera's address, the
 * video written since the last good check cannot be proven to be this camera's. It is
 * neither served nor deleted: the files move to `<root>/.quarantine/<camera>/` and
 * their rows go. Reconcile skips dot-folders, so a restart does not index them again.
 * Quarantined files older than a week are removed, so flapping cannot fill the disk.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/sqlite.ts';
import type { Logger } from '../log.ts';
import { fsyncPath, unlinkIfPresent } from '../util/durableFiles.ts';
import { deleteSegmentRows, listSegments } from './segmentRows.ts';

export const quarantineDirName = '.quarantine';
/** Long enough for the homeowner to look; short enough that a flapping camera cannot fill the disk. */
export const quarantineKeepMs = 7 * 86_400_000;

export function quarantineDir(root: string, cameraId: string): string {
  return path.join(root, quarantineDirName, cameraId);
}

/** Moves one segment file (absolute path) into the camera's quarantine folder; returns the new path. */
export async function quarantineFile(root: string, cameraId: string, absolute: string): Promise<string> {
  const dir = quarantineDir(root, cameraId);
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  const target = path.join(dir, path.basename(absolute));
  await rename(absolute, target);
  // Both directories durable before the row goes: a crash then leaves a row without a
  // file (reconcile drops it), never a suspect file back under the camera.
  await fsyncPath(dir);
  await fsyncPath(path.dirname(absolute));
  return target;
}

/** Quarantines this camera's indexed segments that end after `sinceMs`; returns how many. */
export async function quarantineSegmentsSince(db: Db, root: string, cameraId: string, sinceMs: number, log: Logger): Promise<number> {
  const suspect = listSegments(db, cameraId).filter((s) => s.endMs > sinceMs && !s.deleting);
  let moved = 0;
  for (const segment of suspect) {
    try {
      await quarantineFile(root, cameraId, path.join(root, segment.path));
      moved += 1;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    deleteSegmentRows(db, [segment.id]);
    log.warn('segment set aside: it may show another camera', { event: 'segment.quarantined', camera: cameraId, file: segment.path, startMs: segment.startMs, endMs: segment.endMs });
  }
  return moved;
}

/** Removes quarantined files of this camera older than `quarantineKeepMs`. */
export async function pruneQuarantine(root: string, cameraId: string, nowMs: number): Promise<number> {
  const dir = quarantineDir(root, cameraId);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    if (nowMs - statSync(file).mtimeMs > quarantineKeepMs && (await unlinkIfPresent(file))) removed += 1;
  }
  return removed;
}
