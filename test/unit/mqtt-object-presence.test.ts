/**
 * The bridge's per-kind presence (src/mqtt/objectPresence.ts): which retained ON/OFF messages a
 * sequence of motion notices gives, and which kinds get the notice's frame. The broker side is in
 * test/integration/appliance-mqtt.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectPresence, type PresenceNotice } from '../../src/mqtt/objectPresence.ts';

const notice = (type: PresenceNotice['type'], eventId: number, labels: [string, number][], cameraId = 'porch'): PresenceNotice => ({
  type,
  cameraId,
  eventId,
  labels: labels.map(([label, score]) => ({ label, score })),
});

test('object presence: ON with the first label of a kind, OFF when its event ends; only new or better labels get the frame', () => {
  const p = new ObjectPresence();
  assert.deepEqual(p.observe(notice('start', 1, [])), { changes: [], improved: [] });
  assert.deepEqual(p.observe(notice('update', 1, [['person', 0.6]])), { changes: [{ kind: 'person', state: 'ON' }], improved: ['person'] });
  // Same person, a lower score elsewhere in the event: nothing to say, no frame.
  assert.deepEqual(p.observe(notice('update', 1, [['person', 0.5]])), { changes: [], improved: [] });
  assert.deepEqual(p.observe(notice('update', 1, [['person', 0.7], ['truck', 0.6]])), { changes: [{ kind: 'vehicle', state: 'ON' }], improved: ['person', 'vehicle'] });
  // A second animal label of the same kind is new: the animal gets that frame, no second ON.
  p.observe(notice('update', 1, [['dog', 0.6]]));
  assert.deepEqual(p.observe(notice('update', 1, [['cat', 0.55]])), { changes: [], improved: ['animal'] });
  assert.equal(p.state('porch', 'person'), 'ON');
  assert.equal(p.state('yard', 'person'), 'OFF');
  // Labels the detector does not keep (no kind) change nothing.
  assert.deepEqual(p.observe(notice('update', 1, [['cup', 0.9]])), { changes: [], improved: [] });
  assert.deepEqual(p.observe(notice('end', 1, [['person', 0.7], ['truck', 0.6], ['dog', 0.6], ['cat', 0.55]])).changes, [
    { kind: 'person', state: 'OFF' },
    { kind: 'vehicle', state: 'OFF' },
    { kind: 'animal', state: 'OFF' },
  ]);
  assert.equal(p.state('porch', 'person'), 'OFF');
});

test('object presence: a kind first seen at the end is pulsed; overlapping events keep a kind ON until the last ends', () => {
  const p = new ObjectPresence();
  p.observe(notice('start', 1, []));
  assert.deepEqual(p.observe(notice('end', 1, [['horse', 0.7]])), { changes: [{ kind: 'animal', state: 'ON' }, { kind: 'animal', state: 'OFF' }], improved: ['animal'] });

  // A motion worker restart can overlap two events of one camera for a moment.
  p.observe(notice('update', 2, [['person', 0.6]]));
  p.observe(notice('update', 3, [['person', 0.8]]));
  assert.deepEqual(p.observe(notice('end', 2, [['person', 0.6]])).changes, [], 'event 3 still has a person');
  assert.equal(p.state('porch', 'person'), 'ON');
  assert.deepEqual(p.observe(notice('end', 3, [['person', 0.8]])).changes, [{ kind: 'person', state: 'OFF' }]);
  // Another camera is its own.
  p.observe(notice('update', 4, [['car', 0.6]], 'yard'));
  assert.equal(p.state('porch', 'vehicle'), 'OFF');
  assert.equal(p.state('yard', 'vehicle'), 'ON');
});

test('object presence: open events whose end never comes are bounded per camera (oldest forgotten)', () => {
  const p = new ObjectPresence();
  p.observe(notice('update', 1, [['person', 0.6]]));
  for (let id = 2; id <= 5; id += 1) p.observe(notice('start', id, []));
  assert.equal(p.state('porch', 'person'), 'OFF', 'event 1 was the oldest of five and is forgotten');
  for (let id = 2; id <= 5; id += 1) p.observe(notice('end', id, []));
  for (let id = 6; id <= 1006; id += 1) p.observe(notice('update', id, [['dog', 0.6]]));
  // Only the last four are remembered: ending them turns the animal OFF.
  for (let id = 1003; id <= 1005; id += 1) assert.deepEqual(p.observe(notice('end', id, [['dog', 0.6]])).changes, []);
  assert.deepEqual(p.observe(notice('end', 1006, [['dog', 0.6]])).changes, [{ kind: 'animal', state: 'OFF' }]);
});
