/**
 * Which detections become labels (kind, score, overlap with what moved, zones by the box's bottom
 * centre), which event alerts, and which sighting the thumbnail shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countsAsLabel, EventLabels, type LabelRules } from '../../src/objects/eventLabeller.ts';
import { isLabelName, kindOf, labelMatches } from '../../src/objects/labels.ts';

const rules: LabelRules = { alert: ['person', 'vehicle', 'animal'], minScore: 0.5, zones: [] };
const everywhere = { x: 0, y: 0, w: 1, h: 1 };
const person = { label: 'person', score: 0.8, box: { x: 0.4, y: 0.3, w: 0.1, h: 0.4 } };

test('kinds: cars and trucks are vehicles, cats and birds animals; a cup is not kept', () => {
  assert.equal(kindOf('truck'), 'vehicle');
  assert.equal(kindOf('bicycle'), 'vehicle');
  assert.equal(kindOf('bird'), 'animal');
  assert.equal(kindOf('person'), 'person');
  assert.equal(kindOf('cup'), null);
  assert.ok(labelMatches('car', ['vehicle']));
  assert.ok(!labelMatches('car', ['person', 'animal']));
  assert.ok(isLabelName('dog') && isLabelName('animal') && !isLabelName('cup') && !isLabelName('people'));
});

test('a detection counts with enough score, of a kept kind, overlapping what moved', () => {
  assert.ok(countsAsLabel(person, everywhere, rules));
  assert.ok(!countsAsLabel({ ...person, score: 0.49 }, everywhere, rules), 'below the minimum score');
  assert.ok(!countsAsLabel({ ...person, label: 'chair' }, everywhere, rules), 'not a kind Hearth keeps');
  // The tree moved on the left; the parked car on the right did not.
  const parkedCar = { label: 'car', score: 0.9, box: { x: 0.7, y: 0.5, w: 0.25, h: 0.2 } };
  assert.ok(!countsAsLabel(parkedCar, { x: 0, y: 0, w: 0.4, h: 0.6 }, rules), 'a still object beside the motion');
  assert.ok(countsAsLabel(parkedCar, { x: 0.6, y: 0.45, w: 0.2, h: 0.3 }, rules), 'the car that drove in');
});

test('a zone that names a label: it counts only with its bottom centre inside; other labels are free', () => {
  const driveway = { ...rules, zones: [{ name: 'driveway', labels: ['person'], x: 0.3, y: 0.5, w: 0.4, h: 0.5 }] };
  // Feet at (0.45, 0.7): inside the driveway.
  assert.ok(countsAsLabel(person, everywhere, driveway));
  // The same person higher up the picture: head in the zone, feet (0.45, 0.45) above it.
  assert.ok(!countsAsLabel({ ...person, box: { x: 0.4, y: 0.05, w: 0.1, h: 0.4 } }, everywhere, driveway));
  // A dog is not named by the zone: anywhere counts.
  assert.ok(countsAsLabel({ label: 'dog', score: 0.7, box: { x: 0.0, y: 0.0, w: 0.1, h: 0.1 } }, everywhere, driveway));
  // A zone naming a kind covers its labels.
  const street = { ...rules, zones: [{ name: 'street', labels: ['vehicle'], x: 0, y: 0, w: 1, h: 0.3 }] };
  assert.ok(!countsAsLabel({ label: 'truck', score: 0.7, box: { x: 0.1, y: 0.5, w: 0.3, h: 0.2 } }, everywhere, street));
  assert.ok(countsAsLabel({ label: 'truck', score: 0.7, box: { x: 0.1, y: 0.05, w: 0.3, h: 0.2 } }, everywhere, street));
});

test('an event keeps the best sighting per label and alerts only on the alert list', () => {
  const labels = new EventLabels({ ...rules, alert: ['person'] });
  assert.ok(labels.offer({ label: 'dog', score: 0.6, box: person.box }, 1000));
  assert.equal(labels.alert(), false, 'a dog does not alert when only people do');
  assert.equal(labels.offer({ label: 'dog', score: 0.55, box: person.box }, 1200), null, 'a lower score changes nothing');
  const better = labels.offer({ label: 'dog', score: 0.7, box: person.box }, 1400);
  assert.equal(better?.score, 0.7);
  assert.equal(better?.atMs, 1400);
  labels.offer({ label: 'person', score: 0.52, box: person.box }, 1600);
  assert.equal(labels.alert(), true);
  assert.deepEqual(labels.list().map((l) => [l.label, l.score]), [['dog', 0.7], ['person', 0.52]]);
});

test('the thumbnail shows the alerting label over a better-scored other one', () => {
  const labels = new EventLabels({ ...rules, alert: ['person'] });
  const dog = labels.offer({ label: 'dog', score: 0.9, box: person.box }, 1000)!;
  assert.ok(labels.isThumbnailWorthy(dog), 'the first label takes the thumbnail');
  const someone = labels.offer({ label: 'person', score: 0.55, box: person.box }, 1200)!;
  assert.ok(labels.isThumbnailWorthy(someone), 'a person beats a dog of higher score');
  const dogAgain = labels.offer({ label: 'dog', score: 0.95, box: person.box }, 1400)!;
  assert.ok(!labels.isThumbnailWorthy(dogAgain), 'nor does a better dog take it back');
  const clearer = labels.offer({ label: 'person', score: 0.8, box: person.box }, 1600)!;
  assert.ok(labels.isThumbnailWorthy(clearer));
});
