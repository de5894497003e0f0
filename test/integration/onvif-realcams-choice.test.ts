/**
 * The rules real cameras forced, as plain functions: which profiles become main and sub,
 * MACs in one form, XAddrs IPv4 first, an HTTP 401 of any body is a wrong password.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeMac, normalizeMacs } from '../../src/discovery/macAddress.ts';
import { classifyOnvifError, OnvifAuthError, OnvifProtocolError } from '../../src/discovery/onvifErrors.ts';
import { chooseStreamProfiles, type MediaProfile } from '../../src/discovery/onvifProfiles.ts';
import { orderXaddrs } from '../../src/discovery/xaddrOrder.ts';

const p = (token: string, codec: string, width: number, height: number): MediaProfile => ({ token, name: token, codec, width, height });
const tokens = (profiles: MediaProfile[]): [string | undefined, string | undefined] => {
  const choice = chooseStreamProfiles(profiles);
  return [choice?.main.token, choice?.sub?.token];
};

test('codec first, then resolution: H.264/H.265 over MPEG-4 and MJPEG, sub the smallest other of that class', () => {
  // Hikvision DS-2DF7286-A: the big profile is MPEG-4.
  assert.deepEqual(tokens([p('Profile_1', 'MPEG4', 1920, 1088), p('Profile_2', 'H264', 704, 576), p('Profile_3', 'H264', 704, 576)]), ['Profile_2', 'Profile_3']);
  // AXIS M2025-LE: the same-size MJPEG profile is never the sub stream.
  assert.deepEqual(tokens([p('h264', 'H264', 1920, 1080), p('jpeg', 'JPEG', 1920, 1080)]), ['h264', undefined]);
  assert.deepEqual(tokens([p('mjpeg-big', 'MJPEG', 3840, 2160), p('h265', 'H265', 2560, 1440), p('h264', 'H264', 640, 360)]), ['h265', 'h264']);
  // Only MJPEG and MPEG-4: MPEG-4 is the better of the two.
  assert.deepEqual(tokens([p('j', 'JPEG', 1920, 1080), p('m', 'MPEG4', 1280, 720)]), ['m', undefined]);
  // A profile that does not name its codec (Lorex main) counts as H.264/H.265 and loses only a tie.
  assert.deepEqual(tokens([p('Profile000', 'unknown', 2048, 1536), p('Profile001', 'H264', 704, 480)]), ['Profile000', 'Profile001']);
  assert.deepEqual(tokens([p('u', 'unknown', 1920, 1080), p('k', 'H264', 1920, 1080)]), ['k', 'u']);
  assert.equal(chooseStreamProfiles([]), undefined);
});

test('MACs are stored lower-case with colons, whatever the camera sends', () => {
  assert.equal(normalizeMac('00-07-5F-D3-5D-B7'), '00:07:5f:d3:5d:b7');
  assert.equal(normalizeMac('B8A44F26437D'), 'b8:a4:4f:26:43:7d');
  assert.equal(normalizeMac('0007.5fd3.5db7'), '00:07:5f:d3:5d:b7');
  assert.equal(normalizeMac(' 44:19:B6:4B:F1:A2\n'), '44:19:b6:4b:f1:a2');
  assert.equal(normalizeMac('0:7:5f:d3:5d:b7'), '00:07:5f:d3:5d:b7');
  assert.equal(normalizeMac('00:00:00:00:00:00'), null);
  assert.equal(normalizeMac('not a mac'), null);
  assert.deepEqual(normalizeMacs(['00-07-5F-D3-5D-B7', '00:07:5f:d3:5d:b7', 'x']), ['00:07:5f:d3:5d:b7']);
});

test('XAddrs are tried IPv4 first, the camera\'s order kept within each family', () => {
  assert.deepEqual(orderXaddrs(['http://[fe80::1]/onvif/device_service', 'http://192.168.0.218/onvif/device_service']), [
    'http://192.168.0.218/onvif/device_service',
    'http://[fe80::1]/onvif/device_service',
  ]);
  const axis = ['http://192.168.0.209/a', 'https://192.168.0.209/a', 'http://169.254.251.249/a', 'https://169.254.251.249/a'];
  assert.deepEqual(orderXaddrs(axis), axis);
  assert.deepEqual(orderXaddrs(['http://[::1]:80/x', 'http://cam.local/x', 'http://10.0.0.2/x']), ['http://10.0.0.2/x', 'http://cam.local/x', 'http://[::1]:80/x']);
});

test('an HTTP 401 is a wrong password whatever its body; a SOAP fault names the refused call, not the URL', () => {
  const html = classifyOnvifError(new Error('Wrong ONVIF SOAP response'), 'http://127.0.0.1/onvif/device_service', 'GetCapabilities', 401);
  assert.ok(html instanceof OnvifAuthError);
  assert.match(html.message, /password/);
  const notSoap = classifyOnvifError(new Error('Wrong ONVIF SOAP response'), 'http://127.0.0.1/onvif/device_service', 'GetCapabilities', 200);
  assert.ok(notSoap instanceof OnvifProtocolError);
  const fault = classifyOnvifError(new Error('ONVIF SOAP Fault: Optional Action Not Implemented'), 'http://127.0.0.1/onvif/device_service', 'GetSnapshotUri', 500);
  assert.ok(fault instanceof OnvifProtocolError);
  assert.match(fault.message, /refused GetSnapshotUri \(SOAP fault: Optional Action Not Implemented\)/);
  assert.doesNotMatch(fault.message, /check that the URL/);
});

test('where the real-camera fixtures are missing, the replay tests skip with a message saying where to find them', async () => {
  const { realcamsSkipReason } = await import('../helpers/realcamReplay.ts');
  assert.match(realcamsSkipReason('no-such-camera-model') ?? '', /real-camera fixtures not found at .*no-such-camera-model.*\.\.\/shared\/realcams/);
});
