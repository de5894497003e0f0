/**
 * The timeline's coverage spans (src/recording/coverageSpans.ts) stay the merge of the live
 * segment rows through random inserts, marks and deletes, checked after every step against a
 * brute-force merge; and migration 005 builds the same spans from existing rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { coverageJoinMs } from '../../src/recording/coverageSpans.ts';
import { deleteSegmentRows, insertSegments, markDeleting, type NewSegment, type SegmentStream } from '../../src/recording/segmentRows.ts';
import { coverageSpans } from '../../src/playback/coverageRows.ts';
// The bench's mulberry32: a failure names its seed and replays.
import { seededRandom } from '../../bench/lib/timing.ts';

interface Span {
  startMs: number;
  endMs: number;
}

function freshDb(): Db {
  const db = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'hearth-spans-')), 'hearth.db'));
  db.prepare("INSERT INTO cameras (id, name, source, created_at_ms, updated_at_ms) VALUES ('cam', 'Cam', 'config', 1, 1), ('other', 'Other', 'config', 1, 1)").run();
  return db;
}

/** The definition: live rows sorted by start, a new span when a row starts more than the join after every earlier row ended. */
function bruteForce(db: Db, cameraId: string, stream: SegmentStream): Span[] {
  const rows = db
    .prepare('SELECT start_ms AS startMs, end_ms AS endMs FROM segments WHERE camera_id = ? AND stream = ? AND deleting = 0 ORDER BY start_ms, id')
    .all(cameraId, stream) as Span[];
  const spans: Span[] = [];
  for (const row of rows) {
    const last = spans.at(-1);
    if (last && row.startMs - last.endMs <= coverageJoinMs) last.endMs = Math.max(last.endMs, row.endMs);
    else spans.push({ ...row });
  }
  return spans;
}

function stored(db: Db, cameraId: string, stream: SegmentStream): Span[] {
  return db
    .prepare('SELECT start_ms AS startMs, end_ms AS endMs FROM coverage_spans WHERE camera_id = ? AND stream = ? ORDER BY start_ms')
    .all(cameraId, stream) as Span[];
}


function randomSegment(random: () => number, n: number): NewSegment {
  // Mostly 10-s rotation with gaps around the join, sometimes overlapping or zero-length, sometimes long.
  const startMs = Math.floor(random() * 400) * 1000 + Math.floor(random() * 3) * 500;
  const kind = random();
  const durationMs = kind < 0.05 ? 0 : kind < 0.1 ? 60_000 + Math.floor(random() * 120_000) : 1000 + Math.floor(random() * 12_000);
  return { cameraId: random() < 0.9 ? 'cam' : 'other', startMs, endMs: startMs + durationMs, bytes: 1, path: `seg-${n}.mp4`, stream: random() < 0.8 ? 'main' : 'sub' };
}

function assertAllMatch(db: Db, context: string): void {
  for (const cameraId of ['cam', 'other']) {
    for (const stream of ['main', 'sub'] as const) {
      assert.deepEqual(stored(db, cameraId, stream), bruteForce(db, cameraId, stream), `${context}: ${cameraId}/${stream}`);
    }
  }
}

test('spans stay the merge of the live rows through random inserts, marks and deletes', () => {
  for (let seed = 1; seed <= 40; seed += 1) {
    const random = seededRandom(seed);
    const db = freshDb();
    let n = 0;
    for (let step = 0; step < 60; step += 1) {
      const ids = (db.prepare('SELECT id FROM segments').all() as { id: number }[]).map((r) => r.id);
      const pick = () => Array.from({ length: 1 + Math.floor(random() * 4) }, () => ids[Math.floor(random() * ids.length)]!);
      const op = random();
      if (op < 0.55 || ids.length === 0) {
        insertSegments(db, Array.from({ length: 1 + Math.floor(random() * 6) }, () => randomSegment(random, n++)));
      } else if (op < 0.75) {
        markDeleting(db, pick());
      } else {
        deleteSegmentRows(db, pick());
      }
      assertAllMatch(db, `seed ${seed}, step ${step}`);
    }
    db.close();
  }
});

test('deleting a segment in the middle of a span splits it; deleting its last one shrinks it', () => {
  const db = freshDb();
  const rows = Array.from({ length: 6 }, (_, i): NewSegment => ({ cameraId: 'cam', startMs: i * 10_000, endMs: (i + 1) * 10_000, bytes: 1, path: `s${i}.mp4` }));
  insertSegments(db, rows);
  assert.deepEqual(stored(db, 'cam', 'main'), [{ startMs: 0, endMs: 60_000 }]);
  const idOf = (p: string) => (db.prepare('SELECT id FROM segments WHERE path = ?').get(p) as { id: number }).id;
  markDeleting(db, [idOf('s2.mp4')]);
  assert.deepEqual(stored(db, 'cam', 'main'), [{ startMs: 0, endMs: 20_000 }, { startMs: 30_000, endMs: 60_000 }]);
  deleteSegmentRows(db, [idOf('s2.mp4'), idOf('s5.mp4')]);
  assert.deepEqual(stored(db, 'cam', 'main'), [{ startMs: 0, endMs: 20_000 }, { startMs: 30_000, endMs: 50_000 }]);
  // A gap within the join is still one span; the query merges gaps below minGapMs on top.
  insertSegments(db, [{ cameraId: 'cam', startMs: 21_000, endMs: 29_000, bytes: 1, path: 'fill.mp4' }]);
  assert.deepEqual(stored(db, 'cam', 'main'), [{ startMs: 0, endMs: 50_000 }]);
  assert.deepEqual(coverageSpans(db, 'cam', 'main', 5_000, 45_000, 0, 100).spans, [{ startMs: 5_000, endMs: 45_000 }]);
  db.close();
});

test('migration 005 builds the same spans from existing rows', () => {
  const random = seededRandom(99);
  const db = freshDb();
  insertSegments(db, Array.from({ length: 300 }, (_, i) => randomSegment(random, i)));
  markDeleting(db, [3, 7, 11, 40, 41, 42]);
  const before = ['cam', 'other'].flatMap((c) => (['main', 'sub'] as const).map((s) => stored(db, c, s)));
  const migration = readFileSync(fileURLToPath(new URL('../../src/db/migrations/005_coverage_spans.sql', import.meta.url)), 'utf8');
  db.exec('DELETE FROM coverage_spans');
  db.exec(migration.slice(migration.indexOf('INSERT INTO coverage_spans')));
  const after = ['cam', 'other'].flatMap((c) => (['main', 'sub'] as const).map((s) => stored(db, c, s)));
  assert.deepEqual(after, before);
  assertAllMatch(db, 'after the migration');
  db.close();
});

test('a span query merges gaps narrower than minGapMs and stays within its size bound', () => {
  const db = freshDb();
  // 200 segments of 5 s, each 3 s apart: 200 spans.
  insertSegments(db, Array.from({ length: 200 }, (_, i): NewSegment => ({ cameraId: 'cam', startMs: i * 8_000, endMs: i * 8_000 + 5_000, bytes: 1, path: `g${i}.mp4` })));
  assert.equal(coverageSpans(db, 'cam', 'main', 0, 1_600_000, 0, 1000).spans.length, 200);
  assert.deepEqual(coverageSpans(db, 'cam', 'main', 0, 1_600_000, 3_000, 1000).spans, [{ startMs: 0, endMs: 199 * 8_000 + 5_000 }]);
  const bounded = coverageSpans(db, 'cam', 'main', 0, 1_600_000, 0, 50);
  assert.ok(bounded.spans.length <= 50, `${bounded.spans.length} spans`);
  assert.ok(bounded.minGapMs > 0);
  // More spans than one read takes (8,192): the pages join up, none lost or doubled.
  const insert = db.prepare("INSERT INTO coverage_spans (camera_id, stream, start_ms, end_ms) VALUES ('other', 'sub', ?, ?)");
  db.transaction(() => {
    for (let i = 0; i < 9_000; i += 1) insert.run(i * 10_000, i * 10_000 + 5_000);
  })();
  const many = coverageSpans(db, 'other', 'sub', 0, 90_000_000, 0, 20_000).spans;
  assert.equal(many.length, 9_000);
  assert.deepEqual(many.at(-1), { startMs: 8_999 * 10_000, endMs: 8_999 * 10_000 + 5_000 });
  db.close();
});
