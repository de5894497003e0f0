/** Files behind rows, for the routes: missing or outside-the-root files are both "not here" (the latter logged loudly). */
import type { Logger } from '../log.ts';
import { OutsideRootError, resolveInCameraDir } from '../playback/safePath.ts';

/** `root` holds one folder per camera (recordings, thumbnails); the row's file must be in its camera's. */
export async function fileOfRow(log: Logger, root: string, row: { cameraId: string; path: string }): Promise<string | null> {
  try {
    return await resolveInCameraDir(root, row.cameraId, row.path);
  } catch (error) {
    if (!(error instanceof OutsideRootError)) throw error;
    // A row pointing outside its root is corruption or tampering: refuse it, and say so in the log.
    log.warn('refused a stored path outside its root', { event: 'http.path_outside_root', error: error.message });
    return null;
  }
}
