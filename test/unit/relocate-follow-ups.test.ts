/**
 * A requested relocation that finds nothing searches again, a bounded number of times
 * (src/cameras/relocate.ts, `followUps`): the mismatch that asks is often seen mid-move,
 * before the device answers discovery at its new address, and the recorder's next identity
 * check is a slow backoff away. Stand-in probe and device; real SQLite file.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { getCamera, upsertCamera } from '../../src/cameras/cameraRows.ts';
import { bindIdentityOnce } from '../../src/cameras/identityRows.ts';
import { createRelocator } from '../../src/cameras/relocate.ts';
import type { DeviceIdentity, OnvifConnectOptions, OnvifDevice } from '../../src/discovery/onvifClient.ts';
import type { DiscoveredDevice } from '../../src/discovery/wsDiscoveryProbe.ts';
import { makeFixture } from '../helpers/recordingFixture.ts';
import { pollUntil } from '../helpers/poll.ts';

const fixture = makeFixture([]);
after(() => fixture.cleanup());
const oldUrl = 'http://192.168.1.20/onvif/device_service';
const newUrl = 'http://192.168.1.21/onvif/device_service';

function addCamera(id: string): void {
  upsertCamera(fixture.db, {
    id, name: id, source: 'adopted', enabled: true, onvif: { url: oldUrl, username: 'admin', password: 'pw' },
    streams: { main: 'rtsp://admin:pw@192.168.1.20/stream1', sub: null }, retentionDays: null, motionEnabled: false, nowMs: Date.now(),
  });
  bindIdentityOnce(fixture.db, id, { serialNumber: `SER-${id}`, hardwareId: 'HW-1', mac: null }, Date.now());
}

const identityOf = (serialNumber: string): DeviceIdentity => ({ manufacturer: 'Acme', model: 'C1', firmwareVersion: '1', serialNumber, hardwareId: 'HW-1' });
const deviceFor = (serial: string) => async (options: OnvifConnectOptions): Promise<OnvifDevice> => ({
  address: options.url,
  clockOffsetMs: 0,
  getDeviceIdentity: async () => identityOf(serial),
  getMacAddresses: async () => [],
  getProfiles: async () => [],
  getStreamUris: async () => ({ main: { uri: 'rtsp://192.168.1.21/stream1' }, sub: null }) as never,
  getSnapshotUri: async () => '',
  close: () => undefined,
});
const announced: DiscoveredDevice = { urn: 'urn:uuid:cam', xaddrs: [newUrl], scopes: [], types: [], fromAddress: '192.168.1.21' };

test('a search that finds nothing is repeated until the device answers at its new address', async () => {
  addCamera('porch');
  let probes = 0;
  const relocator = createRelocator({
    db: fixture.db, log: fixture.log, minIntervalMs: 30, followUps: 2, neighbourMac: async () => null, connect: deviceFor('SER-porch'),
    // Mid-move: the first probe sees nobody; the device answers from the second on.
    probe: async () => (++probes === 1 ? [] : [announced]),
  });
  relocator.request('porch');
  await pollUntil('the camera followed to its new address', 5_000, () => getCamera(fixture.db, 'porch')?.onvifUrl === newUrl, { everyMs: 10 });
  assert.equal(probes, 2, 'one follow-up search found it');
});

test('the follow-ups are bounded: a camera that never reappears is searched 1 + followUps times', async () => {
  addCamera('garage');
  let probes = 0;
  const relocator = createRelocator({
    db: fixture.db, log: fixture.log, minIntervalMs: 20, followUps: 2, neighbourMac: async () => null, connect: deviceFor('SER-garage'),
    probe: async () => {
      probes += 1;
      return [];
    },
  });
  relocator.request('garage');
  await new Promise((r) => setTimeout(r, 400));
  await relocator.idle();
  assert.equal(probes, 3);
  assert.equal(getCamera(fixture.db, 'garage')?.onvifUrl, oldUrl, 'nothing followed');
});
