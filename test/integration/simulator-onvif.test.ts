/**
 * The simulated ONVIF device service, exercised through Hearth's wrapper and
 * through the `onvif` package directly (as a third-party client would).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Cam } from 'onvif';
import {
  connectOnvif,
  OnvifAuthError,
  OnvifTimeoutError,
  type OnvifDevice,
} from '../../src/discovery/onvifClient.ts';
import { fixtureJpeg, startFleet, stopFleet, type SimulatedCamera } from '../helpers/simulatedOnvifFleet.ts';

const twoHoursMs = 2 * 60 * 60_000;
const skewedIndex = 3;

function portOf(camera: SimulatedCamera): number {
  return camera.service.port;
}

/** The `onvif` package, callback API, as its README shows it; resolves once connected. */
function connectDirect(camera: SimulatedCamera, password = camera.password): Promise<Cam> {
  return new Promise((resolve, reject) => {
    const cam = new Cam(
      { hostname: '127.0.0.1', port: portOf(camera), username: camera.username, password, timeout: 5000 },
      (error) => (error ? reject(error) : resolve(cam)),
    );
    cam.on('error', reject);
  });
}

function camCall<T>(invoke: (callback: (error: Error | null, data?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => invoke((error, data) => (error ? reject(error) : resolve(data))));
}

/** Read one property of the package's untyped result, without trusting its declared types (they say string; it may be a number). */
function propertyOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

async function soapPost(url: string, body: string, contentType = 'application/soap+xml; charset=utf-8'): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

function envelope12(bodyXml: string, header = ''): string {
  return `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${header}</s:Header><s:Body>${bodyXml}</s:Body></s:Envelope>`;
}

function usernameToken(username: string, password: string, createdIso: string): string {
  const nonce = randomBytes(16);
  const digest = createHash('sha1').update(Buffer.concat([nonce, Buffer.from(createdIso), Buffer.from(password)])).digest('base64');
  return (
    '<Security xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><UsernameToken>' +
    `<Username>${username}</Username>` +
    `<Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">${digest}</Password>` +
    `<Nonce>${nonce.toString('base64')}</Nonce><Created>${createdIso}</Created></UsernameToken></Security>`
  );
}

describe('simulated ONVIF device service', () => {
  let cameras: SimulatedCamera[] = [];

  before(async () => {
    cameras = await startFleet({ count: 4, clockSkewMs: (index) => (index === skewedIndex ? twoHoursMs : 0) });
  });
  after(async () => {
    await stopFleet(cameras);
  });

  test('the wrapper reads identity, MACs, profiles and stream URIs of each camera', async () => {
    for (const camera of cameras) {
      const device = await connectOnvif({ url: camera.service.url, username: camera.username, password: camera.password, timeoutMs: 5000 });
      try {
        const identity = await device.getDeviceIdentity();
        assert.deepEqual(identity, {
          manufacturer: 'Hearth Sim',
          model: 'HS-100',
          firmwareVersion: camera.firmwareVersion,
          serialNumber: camera.serialNumber,
          hardwareId: `HW-${camera.index}`,
        });
        assert.equal(typeof identity.serialNumber, 'string');
        assert.deepEqual(await device.getMacAddresses(), [`02:00:00:00:00:${String(camera.index + 16).padStart(2, '0')}`]);
        const streams = await device.getStreamUris();
        assert.equal(streams.main.uri, camera.streamUris.main);
        assert.equal(streams.sub?.uri, camera.streamUris.sub);
        assert.deepEqual([streams.main.width, streams.main.height, streams.main.codec], [1280, 720, 'H264']);
        assert.deepEqual([streams.sub?.width, streams.sub?.height, streams.sub?.codec], [640, 360, 'H264']);
      } finally {
        device.close();
      }
    }
  });

  test('the onvif package used directly (new Cam) reads device info and stream URIs of each camera', async () => {
    for (const camera of cameras) {
      const cam = await connectDirect(camera);
      const info = await camCall<unknown>((callback) => cam.getDeviceInformation(callback));
      // Quirk: the package coerces numeric-looking text, so compare as strings.
      assert.equal(String(propertyOf(info, 'serialNumber')), camera.serialNumber);
      const main = await camCall<{ uri: string }>((callback) => cam.getStreamUri({ protocol: 'RTSP', profileToken: 'main' }, callback));
      const sub = await camCall<{ uri: string }>((callback) => cam.getStreamUri({ protocol: 'RTSP', profileToken: 'sub' }, callback));
      assert.equal(main?.uri, camera.streamUris.main);
      assert.equal(sub?.uri, camera.streamUris.sub);
      assert.equal(cam.activeSource?.profileToken, 'main', 'profiles must match the video source token');
    }
  });

  test('the package reads scopes, network interfaces and capabilities from the device service', async () => {
    const camera = cameras[0];
    assert.ok(camera);
    const cam = await connectDirect(camera);
    const scopes = await camCall<unknown>((callback) => cam.getScopes(callback));
    assert.ok(Array.isArray(scopes) && scopes.some((scope) => String(propertyOf(scope, 'scopeItem')).includes('/type/video_encoder')));
    const interfaces = await camCall<unknown>((callback) => cam.getNetworkInterfaces(callback));
    assert.ok(Array.isArray(interfaces));
    assert.equal(propertyOf(propertyOf(interfaces[0], 'info'), 'hwAddress'), '02:00:00:00:00:16');
    const capabilities = await camCall<unknown>((callback) => cam.getCapabilities(callback));
    assert.equal(propertyOf(propertyOf(capabilities, 'media'), 'XAddr'), camera.service.url.replace('device_service', 'media_service'));
    assert.ok(Array.isArray(cam.services) && cam.services.length === 2, 'GetServices lists device and media');
  });

  test('the package alone turns an all-digit serial and firmware "1.10" into numbers; the wrapper keeps the text', async () => {
    const camera = cameras[1];
    assert.ok(camera);
    const cam = await connectDirect(camera);
    const info = await camCall<unknown>((callback) => cam.getDeviceInformation(callback));
    assert.equal(typeof propertyOf(info, 'serialNumber'), 'number');
    assert.equal(propertyOf(info, 'firmwareVersion'), 1.1);
  });

  test('a wrong password is a clear OnvifAuthError naming the address', async () => {
    const camera = cameras[0];
    assert.ok(camera);
    await assert.rejects(
      connectOnvif({ url: camera.service.url, username: camera.username, password: 'wrong', timeoutMs: 5000 }),
      (error: unknown) =>
        error instanceof OnvifAuthError && error.message.includes(camera.service.url) && /username and password/.test(error.message),
    );
    await assert.rejects(connectDirect(camera, 'wrong'), /not authorized/i);
  });

  test('a camera whose clock is 2 h off still authenticates through the wrapper, and after its clock jumps', async () => {
    const camera = cameras[skewedIndex];
    assert.ok(camera);
    const device: OnvifDevice = await connectOnvif({ url: camera.service.url, username: camera.username, password: camera.password, timeoutMs: 5000 });
    try {
      assert.ok(Math.abs(device.clockOffsetMs - twoHoursMs) < 5000, `offset ${device.clockOffsetMs}`);
      assert.equal((await device.getDeviceIdentity()).serialNumber, camera.serialNumber);

      // The package connected directly measures once; when the camera's clock then jumps, it fails.
      const direct = await connectDirect(camera);
      camera.service.setClockSkewMs(-3 * 60 * 60_000);
      await assert.rejects(camCall((callback) => direct.getDeviceInformation(callback)), /not authorized/i);
      // The wrapper re-measures after an auth failure and succeeds.
      assert.equal((await device.getDeviceIdentity()).serialNumber, camera.serialNumber);
      assert.ok(device.clockOffsetMs < -2 * 60 * 60_000);
    } finally {
      camera.service.setClockSkewMs(twoHoursMs);
      device.close();
    }
  });

  test('a WS-UsernameToken signed with the local clock is refused by the skewed camera (400, ter:NotAuthorized)', async () => {
    const camera = cameras[skewedIndex];
    assert.ok(camera);
    const body = envelope12(
      '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>',
      usernameToken(camera.username, camera.password, new Date().toISOString()),
    );
    const stale = await soapPost(camera.service.url, body);
    assert.equal(stale.status, 400);
    assert.match(stale.text, /ter:NotAuthorized/);
    const corrected = envelope12(
      '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>',
      usernameToken(camera.username, camera.password, new Date(Date.now() + twoHoursMs).toISOString()),
    );
    const ok = await soapPost(camera.service.url, corrected);
    assert.equal(ok.status, 200);
    assert.match(ok.text, new RegExp(`<tds:SerialNumber>${camera.serialNumber}</tds:SerialNumber>`));
  });

  test('SOAP edge cases: 1.1 envelope, unknown action, no credentials, DTD, oversized body', async () => {
    const camera = cameras[0];
    assert.ok(camera);
    const url = camera.service.url;

    const soap11 = await soapPost(
      url,
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></soap:Body></soap:Envelope>',
      'text/xml; charset=utf-8',
    );
    assert.equal(soap11.status, 200);
    assert.match(soap11.headers.get('content-type') ?? '', /text\/xml/);
    assert.match(soap11.text, /schemas\.xmlsoap\.org\/soap\/envelope/);
    assert.match(soap11.text, /<tt:UTCDateTime>/);

    const unknown = await soapPost(url, envelope12('<GetTeleporter xmlns="http://www.onvif.org/ver10/device/wsdl"/>'));
    assert.equal(unknown.status, 500);
    assert.match(unknown.text, /ter:ActionNotSupported/);

    const prototypeName = await soapPost(url, envelope12('<toString/>'));
    assert.equal(prototypeName.status, 500);
    assert.match(prototypeName.text, /ter:ActionNotSupported/);

    const anonymous = await soapPost(url, envelope12('<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>'));
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Digest /);
    assert.match(anonymous.text, /ter:NotAuthorized/);

    const dtd = await soapPost(url, `<!DOCTYPE x [<!ENTITY a "aaaa">]>${envelope12('<GetSystemDateAndTime/>')}`);
    assert.equal(dtd.status, 400);

    const huge = await fetch(url, { method: 'POST', body: 'x'.repeat(300 * 1024) }).then(
      (response) => response.status,
      (error: unknown) => (error instanceof Error ? 'reset' : 'unknown'),
    );
    assert.ok(huge === 413 || huge === 'reset', `oversized body answered ${String(huge)}`);
  });

  test('the snapshot URI serves the JPEG behind Digest or Basic auth', async () => {
    const camera = cameras[2];
    assert.ok(camera);
    const device = await connectOnvif({ url: camera.service.url, username: camera.username, password: camera.password, timeoutMs: 5000 });
    const snapshotUri = await device.getSnapshotUri();
    device.close();
    assert.match(snapshotUri, /^http:\/\/127\.0\.0\.1:\d+\/onvif\/snapshot\.jpg\?profile=main$/);

    const challenge = await fetch(snapshotUri);
    assert.equal(challenge.status, 401);
    const wwwAuthenticate = challenge.headers.get('www-authenticate') ?? '';
    await challenge.arrayBuffer();

    const basic = await fetch(snapshotUri, {
      headers: { Authorization: `Basic ${Buffer.from(`${camera.username}:${camera.password}`).toString('base64')}` },
    });
    assert.equal(basic.status, 200);
    assert.equal(basic.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(Buffer.from(await basic.arrayBuffer()), fixtureJpeg);

    // Digest, computed by the onvif package's own implementation (the one Hearth's client uses).
    const path = new URL(snapshotUri).pathname + new URL(snapshotUri).search;
    const signer = new Cam({ hostname: '127.0.0.1', username: camera.username, password: camera.password, autoconnect: false });
    const digest = await fetch(snapshotUri, { headers: { Authorization: signer.digestAuth([wwwAuthenticate], { method: 'GET', path }) } });
    assert.equal(digest.status, 200);
    assert.deepEqual(Buffer.from(await digest.arrayBuffer()), fixtureJpeg);

    const wrong = await fetch(snapshotUri, { headers: { Authorization: `Basic ${Buffer.from(`${camera.username}:nope`).toString('base64')}` } });
    assert.equal(wrong.status, 401);
    await wrong.arrayBuffer();
  });

  test('a frozen camera (accepts TCP, never answers) fails with OnvifTimeoutError within the deadline', async () => {
    const held: net.Socket[] = [];
    const frozen = net.createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => frozen.listen(0, '127.0.0.1', resolve));
    const port = (frozen.address() as net.AddressInfo).port;
    const started = Date.now();
    try {
      await assert.rejects(
        connectOnvif({ url: `http://127.0.0.1:${port}/onvif/device_service`, username: 'a', password: 'b', timeoutMs: 400 }),
        OnvifTimeoutError,
      );
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => frozen.close(() => resolve()));
    }
  });

  test('close() is prompt even with a half-sent request holding a connection', async () => {
    const fleet = await startFleet({ count: 1, serialPrefix: `CLOSE${process.pid}` });
    const camera = fleet[0];
    assert.ok(camera);
    const socket = net.connect(camera.service.port, '127.0.0.1');
    socket.on('error', () => undefined); // The server destroying it is the point of this test.
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /onvif/device_service HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n<s:Env');
    const started = Date.now();
    await stopFleet(fleet);
    assert.ok(Date.now() - started < 500, `close took ${Date.now() - started} ms`);
    socket.destroy();
  });
});
