/**
 * "This camera's row changed": adoption, a manual add, a relocation to a new address.
 * The running parts (recorders, motion) subscribe in src/hearth.ts so a change takes
 * effect at once instead of at the next restart. Listeners are per database, so two
 * Hearths in one process (tests) never hear each other.
 */
import type { Db } from '../db/sqlite.ts';
import type { Logger } from '../log.ts';

type Listener = (cameraId: string) => void;

const listenersByDb = new WeakMap<Db, Set<Listener>>();

/** Subscribes; returns the unsubscribe function. */
export function onCameraChanged(db: Db, listener: Listener): () => void {
  let listeners = listenersByDb.get(db);
  if (!listeners) {
    listeners = new Set();
    listenersByDb.set(db, listeners);
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tells every subscriber; a throwing subscriber does not stop the others (nor the caller). */
export function cameraChanged(db: Db, cameraId: string, log: Logger): void {
  for (const listener of [...(listenersByDb.get(db) ?? [])]) {
    try {
      listener(cameraId);
    } catch (error) {
      log.error('a camera change listener failed', { event: 'camera.change_listener_failed', camera: cameraId, error: (error as Error).stack ?? String(error) });
    }
  }
}
