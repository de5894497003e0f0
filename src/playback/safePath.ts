/**
 * Turns a path stored in a database row into a file that is provably inside its root
 * (docs/DESIGN.md, "One gate": files are found from rows, never from request paths). Symlinks
 * are resolved before the check, so a link planted under the root cannot lead out of it.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { streamDirName } from '../recording/layout.ts';

export class OutsideRootError extends Error {
  override name = 'OutsideRootError';
}

/** The real absolute path of `relative` under `root`, or null when the file does not exist. Throws if it escapes. */
export async function resolveInsideRoot(root: string, relative: string): Promise<string | null> {
  if (relative === '' || path.isAbsolute(relative) || relative.includes('\0')) {
    throw new OutsideRootError(`stored path "${relative}" is not relative to ${root}`);
  }
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(path.resolve(realRoot, relative));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
  if (!real.startsWith(realRoot + path.sep)) throw new OutsideRootError(`stored path "${relative}" leads outside ${root}`);
  return real;
}

/**
 * A row's file must lie in that row's own camera folder (`<root>/<cameraId>/…`): a row of
 * camera A naming camera B's file is the seed incident's mix-up, and the gate (which asked
 * about A) cannot see it. Throws OutsideRootError for such a row; null when the file is gone.
 */
export async function resolveInCameraDir(root: string, cameraId: string, relative: string): Promise<string | null> {
  // The camera's own folders: its main recording, and the H.264 sub stream an H.265 camera also records.
  const dir = [streamDirName(cameraId, 'main'), streamDirName(cameraId, 'sub')].find((name) => relative.startsWith(`${name}/`));
  if (dir === undefined) throw new OutsideRootError(`stored path "${relative.slice(0, 200)}" is not in camera ${cameraId}'s folder`);
  return resolveInsideRoot(path.join(root, dir), relative.slice(dir.length + 1));
}
