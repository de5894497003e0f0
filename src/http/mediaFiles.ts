/** Files behind rows, for the routes: missing or outside-the-root files are both "not here" (the latter logged loudly). */
import type { Logger } from '../log.ts';
import { OutsideRootError, resolveInsideRoot } from '../playback/safePath.ts';

export async function fileOfRow(log: Logger, root: string, relative: string): Promise<string | null> {
  try {
    return await resolveInsideRoot(root, relative);
  } catch (error) {
    if (!(error instanceof OutsideRootError)) throw error;
    // A row pointing outside its root is corruption or tampering: refuse it, and say so in the log.
    log.warn('refused a stored path outside its root', { event: 'http.path_outside_root', error: error.message });
    return null;
  }
}
