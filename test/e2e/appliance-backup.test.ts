import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/connection.ts';
import { openSqlite } from '../../src/db/sqlite.ts';
import { runHearth } from '../helpers/hearthProcess.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'hearth-backup-'));

test('hearth backup copies a database that another process is writing, and the copy is whole', async () => {
  const data = tmp();
  const out = tmp();
  const configFile = path.join(out, 'hearth.yaml');
  writeFileSync(configFile, 'http:\n  port: 8081\n');
  const db = openDatabase(path.join(data, 'hearth.db'));
  const now = Date.now();
  db.prepare("INSERT INTO cameras (id, name, source, created_at_ms, updated_at_ms) VALUES ('porch', 'Porch', 'config', ?, ?)").run(now, now);
  const insert = db.prepare("INSERT INTO segments (camera_id, start_ms, end_ms, bytes, path) VALUES ('porch', ?, ?, 1000, ?)");
  let n = 0;
  db.transaction(() => {
    for (; n < 3000; n++) insert.run(n * 10_000, n * 10_000 + 9_999, `porch/${n}.mp4`);
  })();
  // Keep writing while the backup runs in its own process, as the segment indexer would.
  const writer = setInterval(() => {
    insert.run(n * 10_000, n * 10_000 + 9_999, `porch/${n}.mp4`);
    n++;
  }, 2);
  const target = path.join(out, 'hearth-backup.db');
  let result;
  try {
    result = await runHearth(['backup', target, '--data', data, '--config', configFile], { timeoutMs: 30_000 });
  } finally {
    clearInterval(writer);
  }
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /database saved to .*hearth-backup\.db/);
  assert.ok(n > 3000, 'the writer ran during the backup');

  const copy = openSqlite(target);
  try {
    assert.deepEqual(copy.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    const { count } = copy.prepare('SELECT count(*) AS count FROM segments').get() as { count: number };
    assert.ok(count >= 3000 && count <= n, `copy has ${count} segments, written ${n}`);
    assert.equal((copy.prepare("SELECT name FROM cameras WHERE id = 'porch'").get() as { name: string }).name, 'Porch');
  } finally {
    copy.close();
    db.close();
  }
  assert.equal(statSync(target).mode & 0o777, 0o600, 'the copy holds credentials: 0600');
  assert.equal(readFileSync(`${target}.config.yaml`, 'utf8'), 'http:\n  port: 8081\n');
  assert.equal(statSync(`${target}.config.yaml`).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(out).filter((f) => f.includes('.tmp-')), [], 'no temporary files left behind');
});

test('hearth backup refuses a data dir without a database instead of creating an empty one', async () => {
  const data = tmp();
  const result = await runHearth(['backup', path.join(tmp(), 'x.db'), '--data', data]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^hearth: no database at .*hearth\.db; pass the data dir Hearth uses with --data DIR/);
  assert.equal(existsSync(path.join(data, 'hearth.db')), false);
});

test('hearth backup without FILE says what to type', async () => {
  const result = await runHearth(['backup']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /name the backup file: hearth backup FILE/);
});
