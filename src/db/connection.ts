/**
 * Opens Hearth's one database file: created 0600 (it holds camera credentials),
 * WAL so readers never block the segment indexer, foreign keys on, migrations applied.
 */
import { closeSync, chmodSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { openSqlite, type Db } from './sqlite.ts';
import { migrate } from './migrate.ts';
import type { Logger } from '../log.ts';

export type { Db } from './sqlite.ts';

export const databaseFileName = 'hearth.db';

export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}

export function openDatabase(file: string, log?: Logger): Db {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
  createPrivately(file);
  let db: Db;
  try {
    db = openSqlite(file);
  } catch (error) {
    throw new DatabaseOpenError(`cannot open the database ${file}: ${(error as Error).message}`);
  }
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode is durable against crashes of Hearth; the segment order
  // (fsync file, then insert row) covers power loss for recordings.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const applied = migrate(db);
  if (applied.length > 0) log?.info('database migrated', { event: 'db.migrated', file, versions: applied.join(',') });
  for (const suffix of ['-wal', '-shm']) chmodIfExists(file + suffix);
  return db;
}

/** The random id that ties recording roots to this database (docs/DESIGN.md, "Right disk"). */
export function databaseId(db: Db): string {
  const row = db.prepare("SELECT value FROM settings WHERE key = 'database_id'").get() as
    | { value: string }
    | undefined;
  if (row) return row.value;
  const id = randomUUID();
  db.prepare("INSERT INTO settings (key, value) VALUES ('database_id', ?)").run(id);
  return id;
}

function createPrivately(file: string): void {
  // O_CREAT with 0600 before SQLite opens it, so the file is never world-readable, even briefly.
  const fd = openSync(file, 'a', 0o600);
  closeSync(fd);
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
}

function chmodIfExists(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
