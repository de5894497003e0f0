/** Deletion in the order of docs/DESIGN.md, "Nothing lost": mark, unlink, fsync the directory, drop the row. */
import path from 'node:path';
import { isDiskFullError, type Db } from '../db/sqlite.ts';
import { fsyncPath, unlinkIfPresent } from '../util/durableFiles.ts';
import { deleteSegmentRows, markDeleting, type SegmentRow } from './segmentRows.ts';

export async function deleteSegmentsDurably(db: Db, root: string, rows: SegmentRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const ids = rows.map((r) => r.id);
  try {
    markDeleting(db, ids);
  } catch (error) {
    // On a full disk the mark itself may not fit; unlinking first is still safe:
    // reconcile drops rows whose files are gone.
    if (!isDiskFullError(error)) throw error;
  }
  const dirs = new Set<string>();
  for (const row of rows) {
    const file = path.join(root, row.path);
    await unlinkIfPresent(file);
    dirs.add(path.dirname(file));
  }
  for (const dir of dirs) await fsyncDirIfPresent(dir);
  deleteSegmentRows(db, ids);
  return rows.reduce((sum, r) => sum + r.bytes, 0);
}

async function fsyncDirIfPresent(dir: string): Promise<void> {
  try {
    await fsyncPath(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
