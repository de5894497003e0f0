/**
 * Object labels on a real SQLite file (migration 006, src/objects/labelRows.ts): the best
 * sighting per (event, label) wins, the alert flag is the event's, reads are batched and
 * best-first, and a label row never outlives its event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { upsertCamera } from '../../src/cameras/cameraRows.ts';
import { insertOpenEvent, eventById } from '../../src/motion/eventRows.ts';
import { labelsOfEvents, setEventAlert, upsertEventLabel, type EventLabel } from '../../src/objects/labelRows.ts';

function freshDb(t: { after(fn: () => void): void }): Db {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-labels-'));
  const db = openDatabase(path.join(dir, 'hearth.db'));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  upsertCamera(db, {
    id: 'porch', name: 'Porch', source: 'config', enabled: true, onvif: null,
    streams: { main: 'rtsp://127.0.0.1:1/porch', sub: null }, retentionDays: null, motionEnabled: true, nowMs: 1,
  });
  return db;
}

const sighting = (label: string, kind: EventLabel['kind'], score: number, atMs: number): EventLabel => ({
  label, kind, score, box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 }, atMs,
});

test('a label keeps its best sighting: a worse one changes nothing, a better one replaces box and time', (t) => {
  const db = freshDb(t);
  const event = insertOpenEvent(db, { cameraId: 'porch', startMs: 1_000, score: 0.4, region: { x: 0, y: 0, w: 1, h: 1 } });
  assert.equal(upsertEventLabel(db, event, sighting('person', 'person', 0.6, 1_100)), true, 'new');
  assert.equal(upsertEventLabel(db, event, sighting('person', 'person', 0.55, 1_200)), false, 'worse');
  assert.equal(upsertEventLabel(db, event, sighting('person', 'person', 0.6, 1_250)), false, 'equal is no improvement');
  const better = { ...sighting('person', 'person', 0.82, 1_300), box: { x: 0.5, y: 0.5, w: 0.2, h: 0.5 } };
  assert.equal(upsertEventLabel(db, event, better), true, 'better');
  assert.equal(upsertEventLabel(db, event, sighting('dog', 'animal', 0.7, 1_400)), true, 'another label');
  assert.deepEqual(labelsOfEvents(db, [event]).get(event), [better, sighting('dog', 'animal', 0.7, 1_400)], 'best first, with the better box');
});

test('alert is the event\'s flag; labels of many events come back in one batched read each 500 ids', (t) => {
  const db = freshDb(t);
  const ids: number[] = [];
  for (let i = 0; i < 1_203; i += 1) ids.push(insertOpenEvent(db, { cameraId: 'porch', startMs: i * 10, score: 0.4, region: { x: 0, y: 0, w: 1, h: 1 } }));
  const labelled = [ids[0]!, ids[499]!, ids[500]!, ids[1_202]!];
  labelled.forEach((id, i) => upsertEventLabel(db, id, sighting('car', 'vehicle', 0.5 + i / 10, id)));
  upsertEventLabel(db, ids[500]!, sighting('person', 'person', 0.95, 5));

  let reads = 0;
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    if (sql.includes('FROM event_labels')) reads += 1;
    return prepare(sql);
  }) as typeof db.prepare;
  const labels = labelsOfEvents(db, [...ids, ids[0]!]);
  db.prepare = prepare;
  assert.equal(reads, 3, '1,203 ids (one twice) are three reads, not one per event');
  assert.deepEqual([...labels.keys()].sort((a, b) => a - b), labelled, 'only events with labels have an entry');
  assert.deepEqual(labels.get(ids[500]!)?.map((l) => l.label), ['person', 'car'], 'best first');
  assert.equal(labelsOfEvents(db, []).size, 0);

  assert.equal((db.prepare('SELECT alert FROM events WHERE id = ?').get(ids[3]!) as { alert: number }).alert, 0, 'no alert by default');
  setEventAlert(db, ids[3]!, true);
  assert.equal((db.prepare('SELECT alert FROM events WHERE id = ?').get(ids[3]!) as { alert: number }).alert, 1);
  setEventAlert(db, ids[3]!, false);
  assert.equal((db.prepare('SELECT alert FROM events WHERE id = ?').get(ids[3]!) as { alert: number }).alert, 0);
  assert.ok(eventById(db, ids[3]!), 'the event row is untouched otherwise');
});

test('the schema refuses what is no label row, and a label goes with its event', (t) => {
  const db = freshDb(t);
  const event = insertOpenEvent(db, { cameraId: 'porch', startMs: 1_000, score: 0.4, region: { x: 0, y: 0, w: 1, h: 1 } });
  assert.throws(() => upsertEventLabel(db, event + 99, sighting('person', 'person', 0.6, 1)), /FOREIGN KEY/, 'no label without its event');
  assert.throws(() => upsertEventLabel(db, event, sighting('person', 'ghost' as EventLabel['kind'], 0.6, 1)), /CHECK/);
  assert.throws(() => upsertEventLabel(db, event, sighting('person', 'person', 1.5, 1)), /CHECK/);
  upsertEventLabel(db, event, sighting('cat', 'animal', 0.6, 1));
  db.prepare('DELETE FROM events WHERE id = ?').run(event);
  assert.equal((db.prepare('SELECT count(*) AS n FROM event_labels').get() as { n: number }).n, 0, 'ON DELETE CASCADE');
  const columns = (db.prepare('PRAGMA table_info(cameras)').all() as { name: string }[]).map((c) => c.name);
  assert.ok(columns.includes('object_settings'));
});
