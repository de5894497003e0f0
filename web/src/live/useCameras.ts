/**
 * The cameras this user may see, with their states, re-read every few seconds while the
 * page is visible: a camera going offline must turn into a message on screen, not a
 * frozen picture. Errors are kept as words for the page to show.
 */
import { useEffect, useState } from 'preact/hooks';
import { getCameras, type Camera } from '../api.ts';

const pollMs = 4_000;

export type CamerasState = { status: 'loading' } | { status: 'error'; message: string; cameras: Camera[] | null } | { status: 'ready'; cameras: Camera[] };

export function useCameras(): CamerasState {
  const [state, setState] = useState<CamerasState>({ status: 'loading' });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last: Camera[] | null = null;
    const poll = async () => {
      clearTimeout(timer);
      if (stopped) return;
      if (document.visibilityState !== 'hidden') {
        try {
          const cameras = await getCameras();
          last = cameras;
          if (!stopped) setState({ status: 'ready', cameras });
        } catch (error) {
          if (!stopped) setState({ status: 'error', message: error instanceof Error ? error.message : String(error), cameras: last });
        }
      }
      if (!stopped) timer = setTimeout(poll, pollMs);
    };
    const onVisibility = () => {
      if (document.visibilityState !== 'hidden') void poll();
    };
    void poll();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, []);
  return state;
}
