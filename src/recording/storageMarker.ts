/**
 * docs/DESIGN.md, "Right disk": the recording root carries a marker with the database id.
 * A USB disk or NAS share that did not mount leaves an empty directory (or none) on the
 * SD card underneath; without its marker Hearth writes nothing there.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, openSync, fsyncSync, closeSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/sqlite.ts';
import { databaseId } from '../db/connection.ts';

export const markerFileName = '.hearth-recording-root';
const initializedSetting = 'recording_root_initialized';

export type StorageCheck = { ok: true } | { ok: false; reason: string };

/** Checks the root at every recorder (re)start and periodically; `initialize` writes the first marker. */
export function checkRecordingRoot(db: Db, root: string, options: { initialize: boolean }): StorageCheck {
  const id = databaseId(db);
  const marker = path.join(root, markerFileName);
  if (existsSync(marker)) {
    const text = readFileSync(marker, 'utf8');
    const found = parseMarker(text);
    if (found === id) return { ok: true };
    return {
      ok: false,
      reason: `the recording folder ${root} belongs to another Hearth database (marker id ${found ?? 'unreadable'}); ` +
        'check that the right disk is mounted there, or move that folder away',
    };
  }
  const wasInitialized = db.prepare('SELECT value FROM settings WHERE key = ?').get(initializedSetting) !== undefined;
  if (wasInitialized || !options.initialize) {
    return {
      ok: false,
      reason: `the recording folder ${root} has no ${markerFileName} marker: the disk that holds recordings is probably not mounted; ` +
        'mount it (check /etc/fstab or the USB cable) and Hearth resumes by itself',
    };
  }
  if (existsSync(root) && readdirSync(root).length > 0) {
    return {
      ok: false,
      reason: `the recording folder ${root} is not empty and has no ${markerFileName} marker; ` +
        'empty it or point dataDir at a new folder, so Hearth never mixes foreign files with its recordings',
    };
  }
  writeMarker(root, id);
  db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run(initializedSetting, String(Date.now()));
  return { ok: true };
}

function parseMarker(text: string): string | null {
  try {
    const value = (JSON.parse(text) as { databaseId?: unknown }).databaseId;
    return typeof value === 'string' ? value : null;
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

function writeMarker(root: string, id: string): void {
  mkdirSync(root, { recursive: true, mode: 0o750 });
  const marker = path.join(root, markerFileName);
  const temp = `${marker}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ databaseId: id, createdAt: new Date().toISOString() })}\n`, { mode: 0o640 });
  const fd = openSync(temp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(temp, marker);
  const dirFd = openSync(root, 'r');
  fsyncSync(dirFd);
  closeSync(dirFd);
}
