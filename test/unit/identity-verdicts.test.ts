/**
 * Which answer is which verdict (src/cameras/identity.ts): only another serial is a
 * mismatch; nothing answering is unreachable; wrong credentials or a SOAP fault is
 * refused; garbage is unreachable. The device is a stand-in here (the simulator cases
 * are in identity-unreachable / identity-recheck / identity-swap).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { upsertCamera } from '../../src/cameras/cameraRows.ts';
import { bindIdentityOnce } from '../../src/cameras/identityRows.ts';
import { createIdentityCheck } from '../../src/cameras/identity.ts';
import { classifyOnvifError, OnvifTimeoutError } from '../../src/discovery/onvifErrors.ts';
import type { DeviceIdentity, OnvifConnectOptions, OnvifDevice } from '../../src/discovery/onvifClient.ts';
import { makeFixture } from '../helpers/recordingFixture.ts';

const fixture = makeFixture([]);
after(() => fixture.cleanup());
const url = 'http://192.168.1.20/onvif/device_service';
upsertCamera(fixture.db, {
  id: 'porch', name: 'Porch', source: 'adopted', enabled: true, onvif: { url, username: 'admin', password: 'pw' },
  streams: { main: 'rtsp://admin:pw@192.168.1.20/stream1', sub: null }, retentionDays: null, motionEnabled: false, nowMs: Date.now(),
});
bindIdentityOnce(fixture.db, 'porch', { serialNumber: 'SER-1', hardwareId: 'HW-1', mac: null }, Date.now());

function deviceAnswering(answer: () => DeviceIdentity): (options: OnvifConnectOptions) => Promise<OnvifDevice> {
  return async () => ({
    address: url,
    clockOffsetMs: 0,
    getDeviceIdentity: async () => answer(),
    getMacAddresses: async () => [],
    getProfiles: async () => [],
    getStreamUris: async () => {
      throw new Error('not asked');
    },
    getSnapshotUri: async () => '',
    close: () => undefined,
  });
}

const identity = (serialNumber: string): DeviceIdentity => ({ manufacturer: 'Acme', model: 'C1', firmwareVersion: '1', serialNumber, hardwareId: 'HW-1' });

async function verdictFor(answer: () => DeviceIdentity): Promise<{ verdict: string; reason?: string; relocations: number }> {
  let relocations = 0;
  const check = createIdentityCheck({ db: fixture.db, log: fixture.log, connect: deviceAnswering(answer), onMismatch: () => (relocations += 1) });
  return { ...(await check('porch')), relocations };
}

test('the right serial is verified', async () => {
  assert.deepEqual(await verdictFor(() => identity('SER-1')), { verdict: 'verified', relocations: 0 });
});

test('another serial is a mismatch naming both identities', async () => {
  const result = await verdictFor(() => identity('SER-2'));
  assert.equal(result.verdict, 'mismatch');
  assert.match(result.reason ?? '', /expected serial SER-1.*answers as serial SER-2/);
  assert.equal(result.relocations, 1);
});

test('connection refused and timeouts are unreachable, with the address and what to check', async () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 192.168.1.20:80'), { code: 'ECONNREFUSED' });
  for (const error of [classifyOnvifError(refused, url, 'GetDeviceInformation'), new OnvifTimeoutError('no answer in time', url, 'GetDeviceInformation')]) {
    const result = await verdictFor(() => {
      throw error;
    });
    assert.equal(result.verdict, 'unreachable');
    assert.match(result.reason ?? '', /camera "Porch" is unreachable at http:\/\/192\.168\.1\.20\/onvif\/device_service/);
    assert.match(result.reason ?? '', /powered and plugged in/);
    assert.equal(result.relocations, 1, 'an address that went quiet is searched for');
  }
});

test('wrong credentials and SOAP faults are refused (auth_failed), garbage is unreachable', async () => {
  const auth = classifyOnvifError(new Error('ONVIF SOAP Fault: Sender not Authorized'), url, 'GetDeviceInformation');
  const fault = classifyOnvifError(new Error('ONVIF SOAP Fault: Action failed'), url, 'GetDeviceInformation');
  const garbage = classifyOnvifError(new Error('Wrong ONVIF SOAP response'), url, 'GetDeviceInformation');
  for (const [error, verdict] of [[auth, 'refused'], [fault, 'refused'], [garbage, 'unreachable']] as const) {
    const result = await verdictFor(() => {
      throw error;
    });
    assert.equal(result.verdict, verdict, error.message);
    if (verdict === 'refused') assert.match(result.reason ?? '', /answered but refused to say who it is.*enter the new one in Hearth/);
  }
});
