/**
 * The write/delete order of docs/DESIGN.md, "Nothing lost": fsync the file, then its directory,
 * before a row points at it; unlink, then fsync the directory, before the row goes.
 */
import { open, unlink } from 'node:fs/promises';
import path from 'node:path';

export async function fsyncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function fsyncFileAndDir(file: string): Promise<void> {
  await fsyncPath(file);
  await fsyncPath(path.dirname(file));
}

/** Removes a file; a file already gone is fine (a crash may have happened after unlink). */
export async function unlinkIfPresent(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
