/**
 * A consistent copy of the live database while Hearth keeps writing to it (WAL):
 * SQLite's online backup API copies pages under its own locking, so the copy is a
 * snapshot of one moment even if segments are indexed meanwhile. Copies are written
 * to a temporary name beside the target, fsynced, then renamed, so a crash or a full
 * disk never leaves a half-written file under the name the user asked for.
 */
import { chmodSync, closeSync, copyFileSync, existsSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { openSqlite } from './sqlite.ts';
import { fsyncFileAndDir } from '../util/durableFiles.ts';

export class BackupError extends Error {
  override name = 'BackupError';
}

export interface BackupResult {
  databaseFile: string;
  databaseBytes: number;
  /** Where the config was copied, or null when Hearth runs on embedded defaults. */
  configFile: string | null;
}

/** The config copy sits beside the database copy: `FILE` and `FILE.config.yaml`. */
export function configBackupPath(target: string): string {
  return `${target}.config.yaml`;
}

export async function backupDatabase(options: {
  sourceDbFile: string;
  targetFile: string;
  configFile: string | null;
}): Promise<BackupResult> {
  const { sourceDbFile, configFile } = options;
  const target = path.resolve(options.targetFile);
  // Never create an empty database by "backing up" a wrong --data dir.
  if (!existsSync(sourceDbFile)) {
    throw new BackupError(`no database at ${sourceDbFile}; pass the data dir Hearth uses with --data DIR or HEARTH_DATA`);
  }
  if (path.resolve(sourceDbFile) === target) throw new BackupError('the backup file must not be the live database itself; choose another path');
  if (!existsSync(path.dirname(target))) throw new BackupError(`directory ${path.dirname(target)} does not exist; create it first`);

  const tmp = `${target}.tmp-${process.pid}`;
  const db = openSqlite(sourceDbFile);
  try {
    db.pragma('busy_timeout = 5000');
    // Created 0600 before SQLite writes a page: the copy holds camera credentials too.
    closeSync(openSync(tmp, 'w', 0o600));
    await db.backup(tmp);
    await fsyncFileAndDir(tmp);
    verifyCopy(tmp);
    renameSync(tmp, target);
    await fsyncFileAndDir(target);
  } catch (error) {
    rmSync(tmp, { force: true });
    if (error instanceof BackupError) throw error;
    throw new BackupError(`backup to ${target} failed: ${(error as Error).message}; check free space and permissions there`);
  } finally {
    db.close();
  }

  let configCopy: string | null = null;
  if (configFile !== null) {
    configCopy = configBackupPath(target);
    const tmpConfig = `${configCopy}.tmp-${process.pid}`;
    try {
      copyFileSync(configFile, tmpConfig);
      chmodSync(tmpConfig, 0o600); // the config may hold camera and MQTT passwords
      await fsyncFileAndDir(tmpConfig);
      renameSync(tmpConfig, configCopy);
      await fsyncFileAndDir(configCopy);
    } catch (error) {
      rmSync(tmpConfig, { force: true });
      throw new BackupError(`database saved to ${target}, but copying the config ${configFile} failed: ${(error as Error).message}`);
    }
  }
  return { databaseFile: target, databaseBytes: statSync(target).size, configFile: configCopy };
}

/** Reads the copy back before it gets the final name: a backup nobody checked is a hope. */
function verifyCopy(file: string): void {
  const copy = openSqlite(file);
  try {
    const rows = copy.pragma('integrity_check') as { integrity_check: string }[];
    const verdict = rows.map((r) => r.integrity_check).join('; ');
    if (verdict !== 'ok') throw new BackupError(`the copy failed SQLite's integrity check (${verdict}); the original is untouched`);
  } finally {
    copy.close();
  }
}
