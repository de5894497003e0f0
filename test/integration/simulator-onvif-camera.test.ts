/**
 * The ONVIF face wired into the real camera simulator (src/simulator/camera.ts):
 * it follows the camera offline, frozen, and through a DHCP-style address swap,
 * so Hearth's identity check has something true to catch.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectOnvif, OnvifConnectionError, OnvifTimeoutError } from '../../src/discovery/onvifClient.ts';
import { probe } from '../../src/discovery/wsDiscoveryProbe.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import type { OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';
import { attachOnvifToSimulator } from '../../src/simulator/onvif/onvifCompanion.ts';

const loopback = '127.0.0.1';

async function serialAt(url: string, username: string, password: string): Promise<string> {
  const device = await connectOnvif({ url, username, password, timeoutMs: 3000 });
  try {
    return (await device.getDeviceIdentity()).serialNumber;
  } finally {
    device.close();
  }
}

describe('ONVIF companion on the camera simulator', () => {
  let simulator: Simulator;
  let onvif: OnvifCamera[] = [];

  before(async () => {
    simulator = await startSimulator({ cameras: 2, serialPrefix: `OC${process.pid}` });
    onvif = await attachOnvifToSimulator(simulator);
  });
  after(async () => {
    await simulator?.stop();
  });

  test('each camera answers ONVIF with its serial and its own RTSP URIs, and is discoverable', async () => {
    const devices = await probe({ interfaceAddresses: [loopback], timeoutMs: 600 });
    for (const [index, camera] of simulator.cameras.entries()) {
      const face = onvif[index];
      assert.ok(face);
      const device = await connectOnvif({ url: face.service.url, ...camera.credentials, timeoutMs: 3000 });
      try {
        const identity = await device.getDeviceIdentity();
        assert.equal(identity.serialNumber, camera.serial);
        assert.equal(identity.hardwareId, camera.hardwareId);
        assert.deepEqual(await device.getMacAddresses(), [camera.mac]);
        const streams = await device.getStreamUris();
        assert.equal(streams.main.uri, camera.rtspUrl('main'));
        assert.equal(streams.sub?.uri, camera.rtspUrl('sub'));
      } finally {
        device.close();
      }
      assert.deepEqual(devices.find((found) => found.urn === face.urn)?.xaddrs, [face.service.url]);
    }
  });

  test('the snapshot URI serves a JPEG taken from the camera itself', async () => {
    const camera = simulator.cameras[0];
    const face = onvif[0];
    assert.ok(camera && face);
    const device = await connectOnvif({ url: face.service.url, ...camera.credentials, timeoutMs: 3000 });
    const uri = await device.getSnapshotUri();
    device.close();
    const basic = Buffer.from(`${camera.credentials.username}:${camera.credentials.password}`).toString('base64');
    const response = await fetch(uri, { headers: { Authorization: `Basic ${basic}` }, signal: AbortSignal.timeout(15_000) });
    assert.equal(response.status, 200);
    const jpeg = Buffer.from(await response.arrayBuffer());
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
  });

  test('after an address swap, the ONVIF URL of A answers with B\'s serial and B\'s streams', async () => {
    const [a, b] = simulator.cameras;
    const [faceA, faceB] = onvif;
    assert.ok(a && b && faceA && faceB);
    const urlA = faceA.service.url;
    const urlB = faceB.service.url;
    const rtspA = a.rtspUrl('main');
    await simulator.swapAddresses(a, b);
    assert.equal(faceB.service.url, urlA);
    assert.equal(faceA.service.url, urlB);
    assert.equal(await serialAt(urlA, b.credentials.username, b.credentials.password), b.serial);
    const device = await connectOnvif({ url: urlA, ...b.credentials, timeoutMs: 3000 });
    try {
      assert.equal((await device.getStreamUris()).main.uri, rtspA, 'B now streams from A\'s old address');
    } finally {
      device.close();
    }
    const devices = await probe({ interfaceAddresses: [loopback], timeoutMs: 600 });
    assert.deepEqual(devices.find((found) => found.urn === faceB.urn)?.xaddrs, [urlA]);
    await simulator.swapAddresses(a, b);
    assert.equal(faceA.service.url, urlA);
  });

  test('offline refuses connections and goes quiet on discovery; frozen hangs until the deadline', async () => {
    const camera = simulator.cameras[1];
    const face = onvif[1];
    assert.ok(camera && face);
    await camera.setOffline();
    try {
      await assert.rejects(serialAt(face.service.url, camera.credentials.username, camera.credentials.password), OnvifConnectionError);
      const devices = await probe({ interfaceAddresses: [loopback], timeoutMs: 500 });
      assert.equal(devices.find((found) => found.urn === face.urn), undefined);
    } finally {
      await camera.setOnline();
    }
    assert.equal(await serialAt(face.service.url, camera.credentials.username, camera.credentials.password), camera.serial);

    camera.freeze(true);
    try {
      const started = Date.now();
      await assert.rejects(
        connectOnvif({ url: face.service.url, ...camera.credentials, timeoutMs: 500 }),
        OnvifTimeoutError,
      );
      assert.ok(Date.now() - started < 2000);
    } finally {
      camera.freeze(false);
    }
    assert.equal(await serialAt(face.service.url, camera.credentials.username, camera.credentials.password), camera.serial);
  });
});
