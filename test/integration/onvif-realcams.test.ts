/**
 * Five real camera models, replayed from the answers other projects captured from them
 * (../shared/realcams; test/helpers/realcamReplay.ts): each is found by Hearth's own
 * WS-Discovery probe, tells who it is, gives the main and sub stream chosen by codec and
 * then resolution, and is adopted with those streams stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adoptCamera } from '../../src/cameras/adoption.ts';
import { getCamera, getCameraSecrets } from '../../src/cameras/cameraRows.ts';
import { connectOnvif } from '../../src/discovery/onvifClient.ts';
import { probeDetailed } from '../../src/discovery/wsDiscoveryProbe.ts';
import { makeFixture, type Fixture } from '../helpers/recordingFixture.ts';
import { realcamsSkipReason, startRealcamReplay, type RealcamModel, type RealcamReplay } from '../helpers/realcamReplay.ts';

const skip = realcamsSkipReason();
const discoveryPort = 40_000 + ((process.pid + 11_000) % 20_000);
const rtspAuthority = '127.0.0.1:8554';

interface Expected {
  serial: string;
  hardwareId: string;
  /** As Hearth stores it: lower case, colons. */
  mac: string;
  main: { token: string; codec: string; size: string; path: string };
  sub: { token: string; size: string; path: string } | null;
  /** Why these two profiles, in the camera's own terms. */
  why: string;
}

const expected: Record<RealcamModel, Expected> = {
  'hikvision-ds2df7286': {
    serial: 'DS-2DF7286-A20140705CCWR471699220B',
    hardwareId: '88',
    mac: '44:19:b6:4b:f1:a2',
    main: { token: 'Profile_2', codec: 'H264', size: '704x576', path: '/Streaming/Channels/102' },
    sub: { token: 'Profile_3', size: '704x576', path: '/Streaming/Channels/103' },
    why: 'Profile_1 "mainStream" is MPEG-4 1920x1088 and loses to H.264; Profile_2 and Profile_3 are both H.264 704x576, so the first is main and the other is sub',
  },
  'bosch-flexidome-5100i': {
    serial: '404754734001050102',
    hardwareId: 'F000B543',
    // The camera sends 00-07-5F-D3-5D-B7 style (dashes).
    mac: '00:07:5f:d3:5d:b7',
    main: { token: '0', codec: 'H264', size: '1920x1080', path: '/rtsp_tunnel' },
    sub: { token: '3', size: '512x288', path: '/rtsp_tunnel' },
    why: 'four H.264 profiles: the largest (0, 1920x1080) and the smallest (3, 512x288)',
  },
  'axis-m2025le': {
    serial: 'B8A44F26437D',
    hardwareId: '727',
    mac: 'b8:a4:4f:26:43:7d',
    main: { token: 'profile_1_h264', codec: 'H264', size: '1920x1080', path: '/onvif-media/media.amp' },
    sub: null,
    why: 'the only other profile, profile_1_jpeg, is MJPEG at the same 1920x1080: never a sub stream when H.264 exists',
  },
  'tvt-oem-ipc': {
    serial: '008424430F69',
    hardwareId: '1.3-1424202',
    mac: '00:18:ae:00:00:01',
    main: { token: 'profile_token_1', codec: 'H264', size: '2560x1440', path: '/profile1' },
    sub: { token: 'profile_token_3', size: '704x480', path: '/profile3' },
    why: 'three H.264 profiles: the largest (2560x1440) and the smallest (704x480); it speaks HTTP Digest',
  },
  'amcrest-ip5m-b1186e': {
    serial: '2J01018PAA00813',
    hardwareId: '1.00',
    mac: '9c:8e:cd:00:00:01',
    main: { token: 'MediaProfile00000', codec: 'H264', size: '2592x1944', path: '/cam/realmonitor' },
    sub: { token: 'MediaProfile00001', size: '704x480', path: '/cam/realmonitor' },
    why: 'Dahua main stream (subtype=0, 2592x1944) and sub stream (subtype=1, 704x480), both H.264',
  },
};
const models = Object.keys(expected) as RealcamModel[];

describe('five real camera models, replayed', { skip }, () => {
  const replays = new Map<RealcamModel, RealcamReplay>();
  let fixture: Fixture;

  before(async () => {
    for (const model of models) replays.set(model, await startRealcamReplay({ model, discoveryPort, rtspAuthority }));
    fixture = makeFixture([]);
  });
  after(async () => {
    await Promise.all([...replays.values()].map((r) => r.close()));
    fixture?.cleanup();
  });

  test('all five are found by Hearth\'s WS-Discovery probe (loopback-pinned, private port), IPv4 XAddr first', async () => {
    const report = await probeDetailed({ interfaceAddresses: ['127.0.0.1'], timeoutMs: 1_500, port: discoveryPort });
    for (const model of models) {
      const replay = replays.get(model)!;
      const device = report.devices.find((d) => d.urn === replay.urn);
      assert.ok(device, `${model} (${replay.urn}) not found; found ${report.devices.map((d) => d.urn).join(', ')}`);
      assert.ok(device.xaddrs.includes(replay.deviceUrl), `${model}: ${device.xaddrs.join(' ')}`);
      assert.match(device.xaddrs[0]!, /^https?:\/\/127\.0\.0\.1:/, `${model}: IPv4 first`);
    }
    console.log(`probe: ${report.devices.length} devices, ignored ${JSON.stringify(report.ignored)}`);
  });

  for (const model of models) {
    const want = expected[model];
    test(`${model}: identity, MAC normalized, main ${want.main.token} and sub ${want.sub?.token ?? 'none'} (${want.why})`, async () => {
      const replay = replays.get(model)!;
      const device = await connectOnvif({ url: replay.deviceUrl, username: replay.username, password: replay.password, timeoutMs: 3_000 });
      try {
        const identity = await device.getDeviceIdentity();
        assert.equal(identity.serialNumber, want.serial);
        assert.equal(identity.hardwareId, want.hardwareId);
        assert.deepEqual((await device.getMacAddresses()).slice(0, 1), [want.mac]);
        const uris = await device.getStreamUris();
        assert.equal(uris.main.token, want.main.token);
        assert.equal(uris.main.codec, want.main.codec);
        assert.equal(`${uris.main.width}x${uris.main.height}`, want.main.size);
        const mainUrl = new URL(uris.main.uri);
        assert.equal(mainUrl.host, rtspAuthority, 'stream URI rewritten to the replay\'s RTSP address');
        assert.equal(mainUrl.pathname, want.main.path);
        if (want.sub === null) {
          assert.equal(uris.sub, undefined, `no sub expected, got ${uris.sub?.token} ${uris.sub?.codec}`);
        } else {
          assert.equal(uris.sub?.token, want.sub.token);
          assert.equal(`${uris.sub.width}x${uris.sub.height}`, want.sub.size);
          assert.equal(new URL(uris.sub.uri).pathname, want.sub.path);
          assert.notEqual(uris.sub.uri, uris.main.uri);
        }
      } finally {
        device.close();
      }
    });
  }

  for (const model of models) {
    const want = expected[model];
    test(`${model}: adopted through Hearth's adoption path with its identity and both streams stored`, async () => {
      const replay = replays.get(model)!;
      const id = `real-${model.split('-')[0]}`;
      const adopted = await adoptCamera({ onvifUrl: replay.deviceUrl, username: replay.username, password: replay.password, id }, { db: fixture.db, log: fixture.log, timeoutMs: 3_000 });
      assert.equal(adopted.identity.serialNumber, want.serial);
      assert.equal(adopted.mac, want.mac);
      assert.equal(adopted.streams.main.profile, want.main.token);
      assert.equal(adopted.streams.sub?.profile ?? null, want.sub?.token ?? null);
      const row = getCamera(fixture.db, id);
      assert.equal(row?.serialNumber, want.serial);
      assert.equal(row?.hardwareId, want.hardwareId);
      assert.equal(row?.mac, want.mac);
      assert.equal(row?.identityVerified, true);
      const secrets = getCameraSecrets(fixture.db, id);
      const main = new URL(secrets!.streams.main!);
      assert.equal(main.host, rtspAuthority);
      assert.equal(main.pathname, want.main.path);
      assert.equal(decodeURIComponent(main.username), replay.username, 'credentials put into the stored RTSP URL');
      if (want.sub === null) assert.equal(secrets!.streams.sub, null);
      else assert.equal(new URL(secrets!.streams.sub!).pathname, want.sub.path);
      console.log(`${model}: adopted as ${id}, main ${adopted.streams.main.profile} ${adopted.streams.main.width}x${adopted.streams.main.height}, sub ${adopted.streams.sub?.profile ?? '-'}, snapshot ${adopted.snapshotUri === null ? 'none' : 'yes'}, notes ${JSON.stringify(adopted.notes)}`);
    });
  }
});
