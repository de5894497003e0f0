/**
 * Adoption and the identity check against the simulator's ONVIF service: wrong password
 * stores nothing, a camera 2 h off still adopts, config cameras bind once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { attachOnvifToSimulator } from '../../src/simulator/onvif/onvifCompanion.ts';
import type { OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';
import { adoptCamera, AdoptionError, slugOf } from '../../src/cameras/adoption.ts';
import { createIdentityCheck, verifyCameraIdentity } from '../../src/cameras/identity.ts';
import { getCamera, listCameras, upsertCamera } from '../../src/cameras/cameraRows.ts';
import { makeFixture, type Fixture } from '../helpers/recordingFixture.ts';

const twoHoursMs = 2 * 60 * 60_000;
let simulator: Simulator;
let onvif: OnvifCamera[];
let fixture: Fixture;

before(async () => {
  simulator = await startSimulator({ cameras: 2, serialPrefix: `AD${process.pid}` });
  // Both clocks 2 h ahead: WS-Security digests only pass if Hearth uses the device's time.
  onvif = await attachOnvifToSimulator(simulator, { clockSkewMs: twoHoursMs, discoveryInterface: null });
  fixture = makeFixture([]);
});
after(async () => {
  await simulator.stop();
  await Promise.all(onvif.map((o) => o.close()));
  fixture.cleanup();
});

test('a wrong password is a clear error and stores nothing', async () => {
  const camera = simulator.cameras[0]!;
  await assert.rejects(
    adoptCamera({ onvifUrl: onvif[0]!.service.url, username: camera.credentials.username, password: 'wrong', name: 'Porch' }, { db: fixture.db, log: fixture.log, timeoutMs: 3000 }),
    (error: unknown) => error instanceof AdoptionError && error.kind === 'auth' && /refused user "admin"/.test(error.message) && /Nothing was saved/.test(error.message),
  );
  assert.deepEqual(listCameras(fixture.db), []);
});

test('a camera whose clock is 2 h off is adopted with its identity, main = highest resolution', async () => {
  const camera = simulator.cameras[0]!;
  const adopted = await adoptCamera({ onvifUrl: onvif[0]!.service.url, ...camera.credentials, name: 'Front Porch' }, { db: fixture.db, log: fixture.log, timeoutMs: 3000 });
  assert.equal(adopted.id, 'front-porch');
  const row = getCamera(fixture.db, 'front-porch');
  assert.equal(row?.serialNumber, camera.serial);
  assert.ok(row?.hardwareId);
  assert.equal(row?.identityVerified, true);
  assert.equal(row?.source, 'adopted');
  assert.ok(adopted.streams.sub === null || adopted.streams.sub.width * adopted.streams.sub.height <= adopted.streams.main.width * adopted.streams.main.height);
  // Adopting the same device again is refused rather than making a second id for it.
  await assert.rejects(adoptCamera({ onvifUrl: onvif[0]!.service.url, ...camera.credentials }, { db: fixture.db, log: fixture.log, timeoutMs: 3000 }), /already adopted as "Front Porch"/);
  assert.deepEqual(await verifyCameraIdentity('front-porch', { db: fixture.db, log: fixture.log, timeoutMs: 3000 }).then((v) => v.verdict), 'verified');
});

test('a config camera with onvif binds its identity once; a different device later is a mismatch naming both', async () => {
  const [first, second] = simulator.cameras;
  upsertCamera(fixture.db, {
    id: 'garden',
    name: 'Garden',
    source: 'config',
    enabled: true,
    onvif: { url: onvif[1]!.service.url, ...second!.credentials },
    streams: { main: second!.rtspUrl('main', true), sub: null },
    retentionDays: null,
    motionEnabled: false,
    nowMs: Date.now(),
  });
  const mismatches: string[] = [];
  const check = createIdentityCheck({ db: fixture.db, log: fixture.log, timeoutMs: 3000, onMismatch: (id) => mismatches.push(id) });
  assert.deepEqual(await check('garden'), { verdict: 'verified' });
  assert.equal(getCamera(fixture.db, 'garden')?.serialNumber, second!.serial);

  // The config now points at the other device (or DHCP moved it): no re-bind.
  upsertCamera(fixture.db, {
    id: 'garden',
    name: 'Garden',
    source: 'config',
    enabled: true,
    onvif: { url: onvif[0]!.service.url, ...first!.credentials },
    streams: { main: first!.rtspUrl('main', true), sub: null },
    retentionDays: null,
    motionEnabled: false,
    nowMs: Date.now(),
  });
  const verdict = await check('garden');
  assert.equal(verdict.verdict, 'mismatch');
  assert.ok(verdict.verdict === 'mismatch' && verdict.reason.includes(first!.serial) && verdict.reason.includes(second!.serial), 'message names both identities');
  assert.equal(getCamera(fixture.db, 'garden')?.serialNumber, second!.serial);
  assert.deepEqual(mismatches, ['garden']);
});

test('plain RTSP cameras are unverified; a bound camera that does not answer is unreachable (not a mismatch) and not recorded', async () => {
  upsertCamera(fixture.db, { id: 'shed', name: 'Shed', source: 'config', enabled: true, onvif: null, streams: { main: 'rtsp://127.0.0.1:1/x', sub: null }, retentionDays: null, motionEnabled: false, nowMs: Date.now() });
  const check = createIdentityCheck({ db: fixture.db, log: fixture.log, timeoutMs: 1000 });
  assert.deepEqual(await check('shed'), { verdict: 'unverified' });
  // Since the previous test, garden's stored address is camera 0's.
  await simulator.cameras[0]!.setOffline();
  try {
    const verdict = await check('garden');
    assert.equal(verdict.verdict, 'unreachable');
    assert.match(verdict.verdict === 'unreachable' ? verdict.reason : '', new RegExp(`camera "Garden" is unreachable at ${onvif[0]!.service.url.replace(/[.?]/g, '\\$&')}.*ECONNREFUSED.*powered`));
  } finally {
    await simulator.cameras[0]!.setOnline();
  }
});

test('ids are slugs', () => {
  assert.equal(slugOf('Front Porch #2'), 'front-porch-2');
  assert.equal(slugOf('***'), 'camera');
});
