import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, databaseId } from '../../src/db/connection.ts';
import { loadMigrations, migrate, MigrationError, schemaVersion } from '../../src/db/migrate.ts';
import { openSqlite } from '../../src/db/sqlite.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'hearth-db-'));

test('an empty database gets every migration, WAL mode and mode 0600', () => {
  const file = path.join(tmp(), 'nested', 'hearth.db');
  const db = openDatabase(file);
  const latest = loadMigrations().at(-1)?.version ?? 0;
  assert.ok(latest >= 1);
  assert.equal(schemaVersion(db), latest);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
  for (const t of ['cameras', 'streams', 'segments', 'events', 'users', 'grants', 'sessions', 'settings']) assert.ok(tables.includes(t), t);
  db.close();
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('reopening an existing database keeps its data and applies nothing twice', () => {
  const file = path.join(tmp(), 'hearth.db');
  const db = openDatabase(file);
  const id = databaseId(db);
  db.prepare("INSERT INTO cameras (id, name, source, created_at_ms, updated_at_ms) VALUES ('porch', 'Porch', 'config', 1, 1)").run();
  db.close();
  const again = openDatabase(file);
  assert.equal(databaseId(again), id);
  assert.equal((again.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n, loadMigrations().length);
  assert.equal((again.prepare('SELECT name FROM cameras').get() as { name: string }).name, 'Porch');
  again.close();
});

test('a database at version 1 is brought forward by a new numbered migration', () => {
  const dir = tmp();
  const migrationsDir = path.join(dir, 'migrations');
  mkdirSync(migrationsDir);
  writeFileSync(path.join(migrationsDir, '001_first.sql'), 'CREATE TABLE a (x INTEGER);');
  const db = openSqlite(path.join(dir, 'x.db'));
  assert.deepEqual(migrate(db, loadMigrations(migrationsDir)), [1]);
  db.prepare('INSERT INTO a (x) VALUES (7)').run();
  writeFileSync(path.join(migrationsDir, '002_second.sql'), 'ALTER TABLE a ADD COLUMN y TEXT;');
  assert.deepEqual(migrate(db, loadMigrations(migrationsDir)), [2]);
  assert.deepEqual(db.prepare('SELECT x, y FROM a').get(), { x: 7, y: null });
  db.close();
});

test('a failing migration leaves the database as it was', () => {
  const dir = tmp();
  const migrationsDir = path.join(dir, 'migrations');
  mkdirSync(migrationsDir);
  writeFileSync(path.join(migrationsDir, '001_first.sql'), 'CREATE TABLE a (x INTEGER);');
  writeFileSync(path.join(migrationsDir, '002_broken.sql'), 'CREATE TABLE b (y INTEGER); THIS IS NOT SQL;');
  const db = openSqlite(path.join(dir, 'x.db'));
  assert.throws(() => migrate(db, loadMigrations(migrationsDir)));
  assert.equal(schemaVersion(db), 1, 'the good migration stays applied');
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('a','b')").all() as { name: string }[]).map((r) => r.name);
  assert.deepEqual(tables, ['a'], 'the half-run broken migration was rolled back');
  db.close();
});

test('a database newer than the code is refused, and gaps in numbering are caught', () => {
  const dir = tmp();
  const db = openDatabase(path.join(dir, 'hearth.db'));
  db.prepare("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (999, 'future', 0)").run();
  assert.throws(() => migrate(db), (e: Error) => e instanceof MigrationError && /schema version 999/.test(e.message));
  db.close();
  const migrationsDir = path.join(dir, 'gap');
  mkdirSync(migrationsDir);
  writeFileSync(path.join(migrationsDir, '001_a.sql'), '');
  writeFileSync(path.join(migrationsDir, '003_c.sql'), '');
  assert.throws(() => loadMigrations(migrationsDir), /out of sequence/);
});

test('camera ids are enforced by the schema too', () => {
  const db = openDatabase(path.join(tmp(), 'hearth.db'));
  const insert = db.prepare("INSERT INTO cameras (id, name, source, created_at_ms, updated_at_ms) VALUES (?, 'x', 'config', 1, 1)");
  assert.throws(() => insert.run('Front Door'), /CHECK constraint failed/);
  assert.throws(() => insert.run('-x'), /CHECK constraint failed/);
  insert.run('front-door-2');
  db.close();
});
