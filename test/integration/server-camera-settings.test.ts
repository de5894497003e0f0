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
import { getMotionSettings, getObjectSettings } from '../../src/cameras/cameraSettings.ts';
import { motionCamerasOf } from '../../src/motion/service.ts';
import { composeApp } from '../../src/composeApp.ts';
import { listen } from '../../src/http/server.ts';
import { createLogger } from '../../src/log.ts';
import { liveSourceFromFeeds } from '../../src/live/liveSource.ts';
import type { CameraConfig } from '../../src/config/schema.ts';
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

test('camera settings: objects are read and patched like the file, partial patches keep the rest, motion is handed them', async (t) => {
  const server = await startServerFixture();
  t.after(() => server.stop());
  upsertCamera(server.db, {
    id: 'shed', name: 'Shed', source: 'adopted', enabled: true, onvif: null,
    streams: { main: 'rtsp://192.168.1.50:554/stream1', sub: null }, retentionDays: null, motionEnabled: true, nowMs: Date.now(),
  });
  const changed: string[] = [];
  t.after(onCameraChanged(server.db, (id) => changed.push(id)));
  const admin = await loggedIn(server.url, 'ann');
  const defaults = { enabled: true, alert: ['person', 'vehicle', 'animal'], minScore: 0.5, zones: [] };

  assert.deepEqual((await (await admin.request('/api/cameras/shed/settings')).json()).objects, defaults, 'nothing stored: the defaults');
  assert.deepEqual((await (await admin.request('/api/cameras/garden/settings')).json()).objects, defaults, 'a config camera whose file names none');

  const zone = { name: 'driveway', labels: ['person', 'car'], x: 0.1, y: 0.5, w: 0.4, h: 0.5 };
  const patched = await admin.json('/api/cameras/shed/settings', 'PATCH', { objects: { alert: ['person'], zones: [zone] } });
  assert.equal(patched.status, 200, await patched.clone().text());
  const expected = { enabled: true, alert: ['person'], minScore: 0.5, zones: [zone] };
  assert.deepEqual((await patched.json()).objects, expected);
  assert.deepEqual(getObjectSettings(server.db, 'shed'), expected, 'stored');
  const again = await admin.json('/api/cameras/shed/settings', 'PATCH', { objects: { minScore: 0.7 } });
  assert.deepEqual((await again.json()).objects, { ...expected, minScore: 0.7 }, 'a partial patch keeps the rest');
  assert.deepEqual(changed, ['shed', 'shed'], 'motion hears of each change');
  assert.deepEqual(motionCamerasOf(server.db, []).find((c) => c.id === 'shed')?.objects, { ...expected, minScore: 0.7 }, 'motion is handed the stored settings');

  const bad = [
    [{ objects: { alert: ['person', 'cup'] } }, /"objects.alert\[1\]": the string "cup" is not a kind or label Hearth knows; use person, vehicle, animal, or a label: bicycle, car/],
    [{ objects: { minScore: 2 } }, /"objects.minScore": expected a number from 0.05 to 0.99/],
    [{ objects: { zones: [{ ...zone, labels: ['ghost'] }] } }, /"objects.zones\[0\].labels\[0\]"/],
    [{ objects: { zones: [{ ...zone, w: 0.95 }] } }, /"objects.zones\[0\]": the rectangle reaches past the edge/],
    [{ objects: { zone: [] } }, /"objects.zone": unknown key; did you mean "zones"/],
    [{ objects: 'on' }, /"objects": expected a mapping/],
  ] as const;
  for (const [body, message] of bad) {
    const response = await admin.json('/api/cameras/shed/settings', 'PATCH', body);
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.match((await response.json()).message, message);
  }
  assert.deepEqual(getObjectSettings(server.db, 'shed'), { ...expected, minScore: 0.7 }, 'refused patches change nothing');

  const reset = await admin.json('/api/cameras/shed/settings', 'PATCH', { objects: null });
  assert.deepEqual((await reset.json()).objects, defaults, 'null: back to the defaults');
  assert.equal((server.db.prepare("SELECT object_settings FROM cameras WHERE id = 'shed'").get() as { object_settings: string | null }).object_settings, null);
  server.db.prepare("UPDATE cameras SET object_settings = '{\"minScore\": 7}' WHERE id = 'shed'").run();
  assert.deepEqual(getObjectSettings(server.db, 'shed'), defaults, 'a stored value that no longer validates reads as the defaults');

  const config = await admin.json('/api/cameras/garden/settings', 'PATCH', { objects: { enabled: false } });
  assert.equal(config.status, 409, 'a config camera is edited in its file');
});

test('a config camera\'s object settings come from the file, in the settings answer and for motion', async (t) => {
  const server = await startServerFixture();
  t.after(() => server.stop());
  const fromFile = { enabled: false, alert: ['dog'], minScore: 0.8, zones: [] };
  const configCameras: CameraConfig[] = [{
    id: 'garden', name: 'garden', enabled: true, onvif: null, streams: { main: 'rtsp://127.0.0.1:1/garden', sub: null },
    motion: { enabled: true, sensitivity: 50, masks: [] }, retention: { days: null }, objects: fromFile,
  }];
  assert.deepEqual(motionCamerasOf(server.db, configCameras).find((c) => c.id === 'garden')?.objects, fromFile);
  const app = composeApp({
    db: server.db, config: { ...server.config, cameras: configCameras }, log: createLogger({ level: 'error' }),
    health: { startedAtMs: Date.now(), version: 'test', cameraCounts: () => ({ total: 3, recording: 3 }) },
    status: server.status, live: liveSourceFromFeeds(() => null),
  });
  const http = await listen(app, '127.0.0.1', 0);
  t.after(() => http.close());
  const admin = await loggedIn(`http://127.0.0.1:${http.port}`, 'ann');
  assert.deepEqual((await (await admin.request('/api/cameras/garden/settings')).json()).objects, fromFile);
});
