/**
 * Desktop keyboard shortcuts: g l / g t / g e / g s to switch pages, ? for help.
 * Pages add their own (space, arrows, j/k) with useKeys; keys typed into a form
 * field are never taken.
 */
import { useEffect } from 'preact/hooks';
import { navigate } from './router.ts';

export function typingInField(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  if (!target) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function useKeys(handler: (event: KeyboardEvent) => boolean | void, deps: unknown[]): void {
  useEffect(() => {
    const listener = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typingInField(event)) return;
      if (handler(event) === true) event.preventDefault();
    };
    addEventListener('keydown', listener);
    return () => removeEventListener('keydown', listener);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
}

export function useShortcuts(enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    let pendingG = 0;
    const listener = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typingInField(event)) return;
      const now = performance.now();
      if (event.key === 'g') {
        pendingG = now;
        return;
      }
      if (now - pendingG > 1000) return;
      pendingG = 0;
      const target = { l: 'live', t: 'timeline', e: 'events', s: 'settings' }[event.key];
      if (target) {
        event.preventDefault();
        navigate([target]);
      }
    };
    addEventListener('keydown', listener);
    return () => removeEventListener('keydown', listener);
  }, [enabled]);
}
