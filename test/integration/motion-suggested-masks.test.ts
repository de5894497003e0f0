/**
 * Suggested masks over the API: the regions motion learned are offered to admins only;
 * keeping one (a mask through PATCH settings) or dropping one hides it; a config camera
 * is offered them too, with the YAML to add, while its PATCH still answers 409.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upsertCamera } from '../../src/cameras/cameraRows.ts';
import { saveLearnedRegions, getDroppedRegions } from '../../src/motion/learnedRegionRows.ts';
import { covers, suggestedMasks } from '../../src/motion/suggestedMasks.ts';
import { loggedIn, startServerFixture } from '../helpers/serverFixture.ts';

const clock = { x: 0.0125, y: 0, w: 0.475, h: 0.0889 };
const led = { x: 0.9, y: 0.9, w: 0.05, h: 0.05 };

test('suggestions: a mask covering most of a region or a dropped region hides it', () => {
  assert.deepEqual(suggestedMasks([clock, led], [], []), [clock, led]);
  assert.deepEqual(suggestedMasks([clock, led], [{ x: 0, y: 0, w: 0.45, h: 0.1 }], []), [led], 'a hand-drawn mask over most of the clock');
  assert.deepEqual(suggestedMasks([clock, led], [{ x: 0, y: 0, w: 0.1, h: 0.1 }], []), [clock, led], 'a small mask does not hide it');
  // The learner may have grown the region since it was dropped: still the same suggestion.
  assert.deepEqual(suggestedMasks([{ ...clock, w: 0.5 }], [], [clock]), []);
  assert.ok(covers(clock, { x: 0.1, y: 0.01, w: 0.1, h: 0.05 }));
});

test('suggested masks API: admins see learned regions, keep one as a mask, drop another; config cameras get YAML', async (t) => {
  const server = await startServerFixture();
  t.after(() => server.stop());
  const now = Date.now();
  upsertCamera(server.db, { id: 'shed', name: 'Shed', source: 'adopted', enabled: true, onvif: null, streams: { main: 'rtsp://127.0.0.1:554/shed', sub: null }, retentionDays: null, motionEnabled: true, nowMs: now });
  upsertCamera(server.db, { id: 'gate', name: 'Gate', source: 'config', enabled: true, onvif: null, streams: { main: 'rtsp://127.0.0.1:554/gate', sub: null }, retentionDays: null, motionEnabled: true, nowMs: now });
  const admin = await loggedIn(server.url, 'ann');
  const viewer = await loggedIn(server.url, 'kid');

  const empty = await admin.request('/api/cameras/shed/motion/suggested-masks');
  assert.equal(empty.status, 200);
  assert.equal(empty.headers.get('cache-control'), 'private, no-store');
  assert.deepEqual(await empty.json(), { cameraId: 'shed', editable: true, configFile: null, learnedAtMs: null, suggestions: [], dropped: [], yaml: null });

  saveLearnedRegions(server.db, 'shed', [clock, led], now);
  saveLearnedRegions(server.db, 'gate', [clock], now);
  assert.equal((await viewer.request('/api/cameras/shed/motion/suggested-masks')).status, 403, 'admins only');
  assert.equal((await viewer.json('/api/cameras/shed/motion/suggested-masks/drop', 'POST', led)).status, 403);
  assert.equal((await admin.request('/api/cameras/nope/motion/suggested-masks')).status, 404);

  const offered = await (await admin.request('/api/cameras/shed/motion/suggested-masks')).json();
  assert.deepEqual(offered.suggestions, [clock, led]);
  assert.equal(offered.learnedAtMs, now);

  // Keep: the suggestion becomes a mask through the settings PATCH, and is no longer offered.
  const kept = await admin.json('/api/cameras/shed/settings', 'PATCH', { motion: { masks: [clock] } });
  assert.equal(kept.status, 200);
  assert.deepEqual((await (await admin.request('/api/cameras/shed/motion/suggested-masks')).json()).suggestions, [led]);

  // Drop: remembered, and not offered again.
  const bad = await admin.json('/api/cameras/shed/motion/suggested-masks/drop', 'POST', { x: 2, y: 0, w: 0.1, h: 0.1 });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).message, /fraction/);
  const dropped = await admin.json('/api/cameras/shed/motion/suggested-masks/drop', 'POST', led);
  assert.equal(dropped.status, 200);
  const afterDrop = await dropped.json();
  assert.deepEqual(afterDrop.suggestions, []);
  assert.deepEqual(getDroppedRegions(server.db, 'shed'), [led]);

  // A config camera: offered, with the lines for hearth.yaml; its PATCH still refused.
  const gate = await (await admin.request('/api/cameras/gate/motion/suggested-masks')).json();
  assert.equal(gate.editable, false);
  assert.deepEqual(gate.suggestions, [clock]);
  assert.equal(gate.yaml, `  - id: gate\n    motion:\n      masks:\n        - { x: ${clock.x}, y: ${clock.y}, w: ${clock.w}, h: ${clock.h} }`);
  assert.equal((await admin.json('/api/cameras/gate/settings', 'PATCH', { motion: { masks: [clock] } })).status, 409);
});
