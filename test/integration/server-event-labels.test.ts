/**
 * Object labels over the HTTP API (issue 17): GET /api/events filters by kind, label, "none"
 * and alert, each event carries its labels (read in one batch) and its alert flag, a bad label
 * is refused naming the valid ones, the timeline's markers tell labelled motion apart, and the
 * camera grant still decides everything: a user without the camera sees neither its events nor its labels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedIn, recordedFromMs, startServerFixture, type ServerFixture } from '../helpers/serverFixture.ts';
import { setEventAlert, upsertEventLabel, type EventLabel } from '../../src/objects/labelRows.ts';
import type { CoverageView, MotionEventView } from '../../src/wire/cameras.ts';

const from = recordedFromMs - 60_000;
const to = recordedFromMs + 3_600_000;
const box = { x: 0.25, y: 0.5, w: 0.125, h: 0.25 };
const sighting = (label: string, kind: EventLabel['kind'], score: number): EventLabel => ({ label, kind, score, box, atMs: recordedFromMs + 500 });

/** front-door: e0 person + dog (alert), e1 car, e2 and e3 plain motion; nursery: e0 person (alert). */
function label(server: ServerFixture): { door: number[]; nursery: number[] } {
  const door = server.media.get('front-door')!.eventIds;
  const nursery = server.media.get('nursery')!.eventIds;
  upsertEventLabel(server.db, door[0]!, sighting('dog', 'animal', 0.6));
  upsertEventLabel(server.db, door[0]!, sighting('person', 'person', 0.9));
  setEventAlert(server.db, door[0]!, true);
  upsertEventLabel(server.db, door[1]!, sighting('car', 'vehicle', 0.7));
  upsertEventLabel(server.db, nursery[0]!, sighting('person', 'person', 0.8));
  setEventAlert(server.db, nursery[0]!, true);
  return { door, nursery };
}

test('events: label and alert filters, labels best first on each event, bad names refused with the valid ones', async (t) => {
  const server = await startServerFixture();
  t.after(() => server.stop());
  const { door, nursery } = label(server);
  const ann = await loggedIn(server.url, 'ann');
  const ids = async (query: string): Promise<number[]> => {
    const response = await ann.request(`/api/events?from=${from}&to=${to}${query}`);
    assert.equal(response.status, 200, await response.clone().text());
    return ((await response.json()) as MotionEventView[]).map((e) => e.id).sort((a, b) => a - b);
  };

  const all = (await (await ann.request(`/api/events?camera=front-door&from=${from}&to=${to}`)).json()) as MotionEventView[];
  const first = all.find((e) => e.id === door[0]);
  assert.deepEqual(first?.labels, [
    { label: 'person', kind: 'person', score: 0.9, box },
    { label: 'dog', kind: 'animal', score: 0.6, box },
  ], 'best first, without the frame time');
  assert.equal(first?.alert, true);
  const plain = all.find((e) => e.id === door[2]);
  assert.deepEqual([plain?.labels, plain?.alert], [[], false], 'plain motion: no labels, no alert');
  assert.deepEqual(Object.keys(plain ?? {}).sort(), ['alert', 'camera', 'end', 'id', 'labels', 'score', 'start', 'thumbnail'], 'existing fields unchanged, two more');

  assert.deepEqual(await ids('&label=person'), [door[0], nursery[0]].sort((a, b) => a! - b!));
  assert.deepEqual(await ids('&label=vehicle'), [door[1]]);
  assert.deepEqual(await ids('&label=car'), [door[1]]);
  assert.deepEqual(await ids('&label=truck'), []);
  assert.deepEqual(await ids('&label=dog,car'), [door[0], door[1]]);
  assert.deepEqual(await ids('&camera=front-door&label=none'), [door[2], door[3]]);
  assert.deepEqual(await ids('&camera=front-door&label=none,animal'), [door[0], door[2], door[3]]);
  assert.deepEqual(await ids('&alert=1'), [door[0], nursery[0]].sort((a, b) => a! - b!));
  assert.deepEqual(await ids('&alert=1&label=vehicle'), []);
  assert.equal((await ids('&alert=0')).length, 12, 'alert=0: every event');

  const one = (await (await ann.request(`/api/events/${door[1]}`)).json()) as MotionEventView;
  assert.deepEqual([one.labels.map((l) => l.label), one.alert], [['car'], false], 'GET /api/events/:id carries them too');

  for (const [query, message] of [
    ['&label=cup', /"label": "cup" is not a kind or label Hearth keeps; use person, vehicle, animal, or a label: bicycle, car.*, or none/],
    ['&label=', /"label" is empty; name person, vehicle, animal/],
    ['&label=person&label=car', /one comma-separated list/],
    ['&alert=yes', /"alert" must be 1/],
  ] as const) {
    const response = await ann.request(`/api/events?from=${from}&to=${to}${query}`);
    assert.equal(response.status, 400, query);
    assert.match(((await response.json()) as { message: string }).message, message);
  }
});

test('events: labels are read in one batch, not one query per event', async (t) => {
  const server = await startServerFixture();
  t.after(() => server.stop());
  label(server);
  const ann = await loggedIn(server.url, 'ann');
  const labelReads: string[] = [];
  const prepare = server.db.prepare.bind(server.db);
  server.db.prepare = ((sql: string) => {
    if (sql.includes('FROM event_labels')) labelReads.push(sql);
    return prepare(sql);
  }) as typeof server.db.prepare;
  t.after(() => void (server.db.prepare = prepare));
  const events = (await (await ann.request(`/api/events?from=${from}&to=${to}`)).json()) as MotionEventView[];
  assert.equal(events.length, 12);
  assert.equal(events.filter((e) => e.labels.length > 0).length, 3);
  assert.equal(labelReads.length, 1, `12 events, one read of their labels: ${labelReads.join(' | ')}`);
});

test('events and markers: the camera grant still decides (404, as for no camera); a user without the camera sees neither its events nor its labels', async (t) => {
  const server = await startServerFixture();
  t.after(() => server.stop());
  const { door, nursery } = label(server);
  const kid = await loggedIn(server.url, 'kid'); // front-door: recordings, garden: export, nursery: nothing
  const seen = (await (await kid.request(`/api/events?from=${from}&to=${to}&label=person`)).json()) as MotionEventView[];
  assert.deepEqual(seen.map((e) => [e.id, e.camera]), [[door[0], 'front-door']], "the nursery's person stays out of kid's answer");
  const alerts = (await (await kid.request(`/api/events?from=${from}&to=${to}&alert=1`)).json()) as MotionEventView[];
  assert.deepEqual(alerts.map((e) => e.id), [door[0]]);
  assert.equal((await kid.request(`/api/events?camera=nursery&from=${from}&to=${to}&label=person`)).status, 404);
  assert.equal((await kid.request(`/api/events/${nursery[0]}`)).status, 404, "an id of the nursery's says nothing either");
  assert.equal((await kid.request(`/api/cameras/nursery/coverage?from=${from}&to=${to}`)).status, 404);
  const lodger = await loggedIn(server.url, 'lodger'); // front-door live only
  assert.deepEqual(await (await lodger.request(`/api/events?from=${from}&to=${to}&label=person`)).json(), []);
  assert.equal((await lodger.request(`/api/events?camera=front-door&from=${from}&to=${to}&alert=1`)).status, 404);

  // The timeline's markers: labelled and alerting motion told apart from plain motion.
  const coverage = async (query: string) => (await (await kid.request(`/api/cameras/front-door/coverage?from=${from}&to=${to}${query}`)).json()) as CoverageView;
  const markers = (await coverage('')).events;
  assert.deepEqual(markers.map((m) => [m.count, m.alert, m.labels]), [
    [1, true, ['dog', 'person']],
    [1, false, ['car']],
    [1, false, []],
    [1, false, []],
  ]);
  assert.deepEqual((await coverage('&minGapMs=1000')).events.map((m) => [m.count, m.alert, m.labels]), [[4, true, ['car', 'dog', 'person']]], 'merged markers keep the union');
});
