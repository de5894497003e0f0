/** Shared set-up for the recording tests: a temp data dir, a real database, cameras in the registry. */
import { mkdtempSync, rmSync, mkdirSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { upsertCamera } from '../../src/cameras/cameraRows.ts';
import { defaultConfig, type HearthConfig } from '../../src/config/schema.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { sourceClip, type CameraColour } from './recordingTestCamera.ts';
import { pollUntil } from './poll.ts';

export const clipDir = path.join(os.tmpdir(), 'hearth-recording-test-clips');

export function clip(colour: CameraColour): string {
  mkdirSync(clipDir, { recursive: true });
  return sourceClip(clipDir, colour);
}

export interface Fixture {
  dataDir: string;
  db: Db;
  config: HearthConfig;
  log: Logger;
  logLines: string[];
  cleanup(): void;
}

export function makeFixture(cameras: { id: string; url: string }[], options: { dataDir?: string; segmentSeconds?: number } = {}): Fixture {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'hearth-rec-'));
  const logLines: string[] = [];
  const log = createLogger({ level: 'debug', sink: { write: (line) => { logLines.push(line); if (process.env.HEARTH_TEST_LOG) process.stderr.write(line.endsWith("\n") ? line : line + "\n"); } } });
  const db = openDatabase(path.join(dataDir, 'hearth.db'), log);
  for (const c of cameras) addCamera(db, c.id, c.url);
  const config: HearthConfig = { ...defaultConfig(), dataDir, recording: { segmentSeconds: options.segmentSeconds ?? 10 } };
  return {
    dataDir,
    db,
    config,
    log,
    logLines,
    cleanup: () => {
      db.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function addCamera(db: Db, id: string, url: string): void {
  upsertCamera(db, {
    id,
    name: id.charAt(0).toUpperCase() + id.slice(1),
    source: 'config',
    enabled: true,
    onvif: null,
    streams: { main: url, sub: null },
    retentionDays: null,
    motionEnabled: false,
    nowMs: Date.now(),
  });
}

/** Polls `predicate` every 200 ms until true or `timeoutMs` (then throws with `what`). */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  await pollUntil(what, timeoutMs, predicate, { everyMs: 200 });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every recording file under `root` as camera/day/name, sorted (quarantine and other dot folders left out). */
export function filesOnDisk(root: string): string[] {
  const files: string[] = [];
  for (const camera of readdirSync(root).filter((n) => !n.startsWith('.'))) {
    for (const day of readdirSync(path.join(root, camera))) {
      for (const name of readdirSync(path.join(root, camera, day))) files.push(`${camera}/${day}/${name}`);
    }
  }
  return files.sort();
}
