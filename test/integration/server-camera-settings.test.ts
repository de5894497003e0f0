/**
 * Camera settings over the API: admins only; an adopted camera's name, retention and
 * motion (sensitivity, masks) change and are announced to the running parts; a config
 * camera is refused with the file to edit; bad values name the field and the range;
 * stream passwords never come back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upsertCamera } from '../../src/cameras/cameraRows.ts';
import { onCameraChanged } from '../../src/cameras/registryEvents.ts';
import { getMotionSettings } from '../../src/cameras/cameraSettings.ts';
import { loggedIn, startServerFixture } from '../helpers/serverFixture.ts';

test('camera settings: admin edits an adopted camera; config cameras and bad values are refused with the fix', async (t) => {
  const server = await startServerFixture();
  t.after(() => server.stop());
  upsertCamera(server.db, {
    id: 'shed', name: 'Shed', source: 'adopted', enabled: true,
    onvif: { url: 'http://192.168.1.50/onvif/device_service', username: 'admin', password: 'onvif-secret' },
    streams: { main: 'rtsp://admin:rtsp-secret@192.168.1.50:554/stream1', sub: null }, retentionDays: null, motionEnabled: true, nowMs: Date.now(),
  });
  const changed: string[] = [];
  t.after(onCameraChanged(server.db, (id) => changed.push(id)));
  const admin = await loggedIn(server.url, 'ann');
  const viewer = await loggedIn(server.url, 'kid');

  const before = await admin.request('/api/cameras/shed/settings');
  assert.equal(before.status, 200);
  const text = await before.text();
  assert.doesNotMatch(text, /onvif-secret|rtsp-secret/, 'no password in the answer');
  const settings = JSON.parse(text);
  assert.equal(settings.streams.main, 'rtsp://admin:***@192.168.1.50:554/stream1');
  assert.deepEqual(settings.motion, { enabled: true, sensitivity: 50, masks: [] });
  assert.equal(settings.editable, true);

  assert.equal((await viewer.request('/api/cameras/shed/settings')).status, 403);
  assert.equal((await viewer.json('/api/cameras/shed/settings', 'PATCH', { name: 'x' })).status, 403);

  const masks = [{ x: 0, y: 0, w: 0.5, h: 0.1 }];
  const patched = await admin.json('/api/cameras/shed/settings', 'PATCH', { name: 'Garden shed', retentionDays: 7, motion: { sensitivity: 80, masks } });
  assert.equal(patched.status, 200, await patched.clone().text());
  const after = await patched.json();
  assert.equal(after.name, 'Garden shed');
  assert.equal(after.retentionDays, 7);
  assert.deepEqual(getMotionSettings(server.db, 'shed'), { enabled: true, sensitivity: 80, masks });
  assert.deepEqual(changed, ['shed'], 'the running parts hear of the change');

  const bad = [
    [{ retentionDays: 0 }, /retentionDays.*1 to 3650/],
    [{ motion: { sensitivity: 101 } }, /sensitivity.*1 to 100/],
    [{ motion: { masks: [{ x: 0.8, y: 0, w: 0.5, h: 0.1 }] } }, /past the edge/],
    [{ motion: { masks: 'all' } }, /list of \{x, y, w, h\}/],
    [{ colour: 'red' }, /unknown setting "colour"/],
    [{ name: '' }, /name.*1 to 80/],
  ] as const;
  for (const [body, message] of bad) {
    const response = await admin.json('/api/cameras/shed/settings', 'PATCH', body);
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.match((await response.json()).message, message);
  }

  const config = await admin.json('/api/cameras/garden/settings', 'PATCH', { name: 'Yard' });
  assert.equal(config.status, 409);
  assert.match((await config.json()).message, /defined in .*change it there/);
  assert.equal((await admin.request('/api/cameras/nope/settings')).status, 404);
  assert.deepEqual(changed, ['shed'], 'refused edits announce nothing');
});
