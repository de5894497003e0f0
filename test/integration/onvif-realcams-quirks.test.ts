/**
 * The quirks real cameras have (README, "Cameras as households own them"), each replayed
 * from ../shared/realcams and each answered as a homeowner needs: a wrong password said
 * as one, refused optional calls leaving one field empty, every XAddr tried IPv4 first,
 * Media2 where Media1 has no stream, a main profile without an encoder resolution.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { adoptCamera, AdoptionError } from '../../src/cameras/adoption.ts';
import { getCamera, getCameraSecrets, listCameras, upsertCamera } from '../../src/cameras/cameraRows.ts';
import { verifyCameraIdentity } from '../../src/cameras/identity.ts';
import { createDeviceEnricher } from '../../src/discovery/enrichDevices.ts';
import { connectOnvif, OnvifAuthError } from '../../src/discovery/onvifClient.ts';
import { probeDetailed } from '../../src/discovery/wsDiscoveryProbe.ts';
import { makeFixture, type Fixture } from '../helpers/recordingFixture.ts';
import { realcamsSkipReason, startRealcamReplay, type RealcamReplay, type ReplayOptions } from '../helpers/realcamReplay.ts';

const skip = realcamsSkipReason();
const discoveryPort = 40_000 + ((process.pid + 13_000) % 20_000);
const dayMs = 86_400_000;
const open: RealcamReplay[] = [];
const fixtures: Fixture[] = [];

/** A database of its own per test: several tests adopt the same camera (same serial). */
function freshFixture(): Fixture {
  const made = makeFixture([]);
  fixtures.push(made);
  return made;
}

async function replay(options: ReplayOptions): Promise<RealcamReplay> {
  const started = await startRealcamReplay(options);
  open.push(started);
  return started;
}

after(async () => {
  await Promise.all(open.map((r) => r.close()));
  for (const made of fixtures) made.cleanup();
});

describe('real-camera quirks', { skip }, () => {
  test('Hikvision html-401: a wrong password answered with HTTP 401 and an HTML page is a wrong password, and nothing is stored', async () => {
    const fixture = freshFixture();
    const hik = await replay({ model: 'hikvision-ds2df7286', variants: ['html-401'] });
    await assert.rejects(
      connectOnvif({ url: hik.deviceUrl, username: hik.username, password: 'not-the-password', timeoutMs: 3_000 }),
      (error: unknown) => error instanceof OnvifAuthError && /rejected the credentials/.test(error.message) && /password/.test(error.message),
    );
    await assert.rejects(
      adoptCamera({ onvifUrl: hik.deviceUrl, username: hik.username, password: 'not-the-password', id: 'hik-wrong' }, { db: fixture.db, log: fixture.log, timeoutMs: 3_000 }),
      (error: unknown) =>
        error instanceof AdoptionError && error.kind === 'auth' && /refused user "admin" and that password/.test(error.message) && !/SOAP/.test(error.message),
    );
    assert.equal(getCamera(fixture.db, 'hik-wrong'), null);
    assert.deepEqual(listCameras(fixture.db), [], 'nothing stored under a wrong password');
    const html401 = hik.requests.filter((r) => r.status === 401);
    assert.ok(html401.length >= 2, `the replay answered 401 (HTML) ${html401.length} times`);
    // The right password still works on the same camera.
    const adopted = await adoptCamera({ onvifUrl: hik.deviceUrl, username: hik.username, password: hik.password, id: 'hik-html' }, { db: fixture.db, log: fixture.log, timeoutMs: 3_000 });
    assert.equal(adopted.streams.main.profile, 'Profile_2');
  });

  test('Hikvision netif-refused: GetNetworkInterfaces refused, adoption succeeds with the MAC empty and a note; the identity check still verifies', async () => {
    const fixture = freshFixture();
    const hik = await replay({ model: 'hikvision-ds2df7286', variants: ['netif-refused'] });
    const adopted = await adoptCamera({ onvifUrl: hik.deviceUrl, username: hik.username, password: hik.password, id: 'hik-netif' }, { db: fixture.db, log: fixture.log, timeoutMs: 3_000 });
    assert.equal(adopted.mac, null);
    assert.equal(getCamera(fixture.db, 'hik-netif')?.mac, null);
    assert.ok(adopted.notes.some((note) => /MAC address left empty/.test(note)), JSON.stringify(adopted.notes));
    // The password works (everything else answered): a note must not send the homeowner to change it, nor the URL.
    for (const note of adopted.notes) assert.doesNotMatch(note, /check the username and password|check that the URL/, note);
    assert.ok(hik.requests.some((r) => r.op === 'tds:GetNetworkInterfaces' && r.status === 400), 'the refusal was really sent');
    assert.equal(getCamera(fixture.db, 'hik-netif')?.serialNumber, 'DS-2DF7286-A20140705CCWR471699220B');
    assert.equal((await verifyCameraIdentity('hik-netif', { db: fixture.db, log: fixture.log, timeoutMs: 3_000 })).verdict, 'verified');

    // A config camera (identity bound at first contact) asks for the MAC too: still bound, MAC empty.
    const configFixture = freshFixture();
    upsertCamera(configFixture.db, {
      id: 'hik-config',
      name: 'Hik config',
      source: 'config',
      enabled: true,
      onvif: { url: hik.deviceUrl, username: hik.username, password: hik.password },
      streams: { main: 'rtsp://127.0.0.1:8554/Streaming/Channels/102', sub: null },
      retentionDays: null,
      motionEnabled: false,
      nowMs: Date.now(),
    });
    assert.equal((await verifyCameraIdentity('hik-config', { db: configFixture.db, log: configFixture.log, timeoutMs: 3_000 })).verdict, 'verified');
    assert.equal(getCamera(configFixture.db, 'hik-config')?.serialNumber, 'DS-2DF7286-A20140705CCWR471699220B');
    assert.equal(getCamera(configFixture.db, 'hik-config')?.mac, null);
  });

  test('TVT (HTTP Digest, no GetSnapshotUri): adopted with the snapshot empty and a note; a wrong Digest password is a wrong password', async () => {
    const fixture = freshFixture();
    const tvt = await replay({ model: 'tvt-oem-ipc' });
    const adopted = await adoptCamera({ onvifUrl: tvt.deviceUrl, username: tvt.username, password: tvt.password, id: 'tvt' }, { db: fixture.db, log: fixture.log, timeoutMs: 3_000 });
    assert.equal(adopted.snapshotUri, null);
    assert.ok(adopted.notes.some((note) => /no snapshot address: the camera refused GetSnapshotUri \(Optional Action Not Implemented\)/.test(note)), JSON.stringify(adopted.notes));
    for (const note of adopted.notes) assert.doesNotMatch(note, /check the username and password|check that the URL/, note);
    assert.equal(adopted.streams.main.profile, 'profile_token_1');
    // Digest really happened: challenged (401) and then answered (200) for the same call.
    const info = tvt.requests.filter((r) => r.op === 'tds:GetDeviceInformation').map((r) => r.status);
    assert.deepEqual(info.slice(0, 2), [401, 200]);
    await assert.rejects(
      adoptCamera({ onvifUrl: tvt.deviceUrl, username: tvt.username, password: 'wrong', id: 'tvt-wrong' }, { db: fixture.db, log: fixture.log, timeoutMs: 3_000 }),
      (error: unknown) => error instanceof AdoptionError && error.kind === 'auth',
    );
  });

  test('TVT with WS-UsernameToken instead of Digest (variant wsse) gives the same streams', async () => {
    const fixture = freshFixture();
    const tvt = await replay({ model: 'tvt-oem-ipc', variants: ['wsse'] });
    const device = await connectOnvif({ url: tvt.deviceUrl, username: tvt.username, password: tvt.password, timeoutMs: 3_000 });
    try {
      const uris = await device.getStreamUris();
      assert.deepEqual([uris.main.token, uris.sub?.token], ['profile_token_1', 'profile_token_3']);
    } finally {
      device.close();
    }
  });

  test('Bosch keep-skew: a camera clock ~900 days behind still authenticates (WS-UsernameToken Created in device time)', async () => {
    const fixture = freshFixture();
    const bosch = await replay({ model: 'bosch-flexidome-5100i', variants: ['keep-skew'] });
    const device = await connectOnvif({ url: bosch.deviceUrl, username: bosch.username, password: bosch.password, timeoutMs: 3_000 });
    try {
      const offsetDays = device.clockOffsetMs / dayMs;
      assert.ok(offsetDays < -850 && offsetDays > -950, `clock offset ${offsetDays.toFixed(1)} days`);
      assert.equal((await device.getDeviceIdentity()).serialNumber, '404754734001050102');
      assert.equal((await device.getStreamUris()).main.token, '0');
      console.log(`bosch keep-skew: clock offset ${offsetDays.toFixed(1)} days, adopted streams read`);
    } finally {
      device.close();
    }
  });

  test('Axis media2-only: Media1 refuses GetStreamUri, so the stream comes from Media2 (found through GetServices) and the camera is adopted', async () => {
    const fixture = freshFixture();
    const axis = await replay({ model: 'axis-m2025le', variants: ['media2-only'] });
    const adopted = await adoptCamera({ onvifUrl: axis.deviceUrl, username: axis.username, password: axis.password, id: 'axis-m2' }, { db: fixture.db, log: fixture.log, timeoutMs: 3_000 });
    assert.equal(adopted.streams.main.profile, 'profile_1_h264');
    assert.equal(adopted.streams.sub, null, 'the MJPEG profile is never the sub stream');
    assert.ok(adopted.notes.some((note) => /Media2/.test(note)), JSON.stringify(adopted.notes));
    assert.match(adopted.snapshotUri ?? '', /image\.cgi/, 'snapshot from Media2 too');
    const main = new URL(getCameraSecrets(fixture.db, 'axis-m2')!.streams.main!);
    assert.equal(main.pathname, '/onvif-media/media.amp');
    assert.equal(main.searchParams.get('profile'), 'profile_1_h264');
    const ops = axis.requests.map((r) => `${r.op}=${r.status}`);
    assert.ok(ops.includes('trt:GetStreamUri=400'), ops.join(' '));
    assert.ok(ops.includes('tr2:GetStreamUri=200'), ops.join(' '));
  });

  test('Lorex profiles: the main profile without an encoder resolution is kept (resolution from its video source) and is main; the 704x480 one is sub', async () => {
    const fixture = freshFixture();
    const lorex = await replay({ model: 'amcrest-ip5m-b1186e', variants: ['lorex-profiles'] });
    const adopted = await adoptCamera({ onvifUrl: lorex.deviceUrl, username: lorex.username, password: lorex.password, id: 'lorex' }, { db: fixture.db, log: fixture.log, timeoutMs: 3_000 });
    assert.equal(adopted.streams.main.profile, 'Profile000');
    assert.equal(`${adopted.streams.main.width}x${adopted.streams.main.height}`, '2048x1536');
    assert.equal(adopted.streams.sub?.profile, 'Profile001');
    assert.equal(`${adopted.streams.sub?.width}x${adopted.streams.sub?.height}`, '704x480');
    assert.equal(new URL(getCameraSecrets(fixture.db, 'lorex')!.streams.main!).searchParams.get('subtype'), '0');
    assert.ok(adopted.notes.some((note) => /video source/.test(note)), JSON.stringify(adopted.notes));
    // It asked the encoder configuration first (this camera refuses it), then fell back.
    assert.ok(lorex.requests.some((r) => r.op === 'trt:GetVideoEncoderConfiguration' && r.token === 'VideoEncoder000'));
  });

  test('Hikvision ipv6-first: discovery lists the IPv4 XAddr first and enrichment uses it; the IPv6 one is never contacted', async () => {
    const fixture = freshFixture();
    const hik = await replay({ model: 'hikvision-ds2df7286', variants: ['ipv6-first'], discoveryPort });
    const report = await probeDetailed({ interfaceAddresses: ['127.0.0.1'], timeoutMs: 1_000, port: discoveryPort });
    const device = report.devices.find((d) => d.urn === hik.urn);
    assert.ok(device, 'found by discovery');
    assert.equal(hik.xaddrs[0]?.includes('[::1]'), true, 'the camera itself lists IPv6 first');
    assert.match(device.xaddrs[0]!, /^http:\/\/127\.0\.0\.1:/);
    const details = await createDeviceEnricher({ username: hik.username, password: hik.password, timeoutMs: 3_000 })(device.xaddrs);
    assert.equal(details.error, null);
    assert.equal(details.identity?.serialNumber, 'DS-2DF7286-A20140705CCWR471699220B');
    assert.equal(details.xaddr, hik.deviceUrl);
    assert.equal(details.mac, '44:19:b6:4b:f1:a2');
    assert.equal(details.streams?.main.token, 'Profile_2');
    assert.equal(hik.connections.ipv6, 0, 'the IPv6 link-local XAddr (a blackhole here) was not tried');
  });

  test('every advertised XAddr is tried: with the IPv4 one refusing connections, the device is reached at its IPv6 one', async () => {
    const fixture = freshFixture();
    const hik = await replay({ model: 'hikvision-ds2df7286', variants: ['ipv6-first'], hostModes: { device: 'refuse', ipv6: 'serve' } });
    const details = await createDeviceEnricher({ username: hik.username, password: hik.password, timeoutMs: 3_000 })(hik.xaddrs);
    assert.equal(details.identity?.serialNumber, 'DS-2DF7286-A20140705CCWR471699220B', details.error ?? '');
    assert.match(details.xaddr, /\[::1\]/);
    assert.ok(details.notes.some((note) => /did not answer/.test(note)), JSON.stringify(details.notes));
  });
});
