/**
 * The one home of `better-sqlite3`: everything else imports `Db` from here, so the
 * driver can be swapped without touching the domains.
 */
import Database from 'better-sqlite3';

export type Db = Database.Database;
export type Statement = Database.Statement;

export function openSqlite(file: string): Db {
  return new Database(file);
}

/** True when the error is SQLite saying the disk (or its quota) is full. */
export function isDiskFullError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE';
}
