/**
 * Security review L10: relocation must not offer a camera's credentials to every device
 * that answers discovery. A device whose MAC (per the neighbour table) differs from the
 * camera's bound MAC gets no request at all; the real camera, found with the bound MAC,
 * is followed and the move is audited. On loopback the kernel table has no entries, so the
 * lookup is injected here; identity-swap/identity-recheck cover the unknown-MAC fallback.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { attachOnvifToSimulator } from '../../src/simulator/onvif/onvifCompanion.ts';
import type { OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';
import { adoptCamera } from '../../src/cameras/adoption.ts';
import { getCamera } from '../../src/cameras/cameraRows.ts';
import { moveCameraAddress } from '../../src/cameras/identityRows.ts';
import { createRelocator } from '../../src/cameras/relocate.ts';
import { probe } from '../../src/discovery/wsDiscoveryProbe.ts';
import { macFromIpNeigh, macFromProcArp } from '../../src/discovery/neighbourTable.ts';
import { queryAudit } from '../../src/auth/audit.ts';
import { makeFixture, type Fixture } from '../helpers/recordingFixture.ts';

const discoveryPort = 40_000 + ((process.pid + 3_571) % 20_000);
let simulator: Simulator;
let onvif: OnvifCamera[];
let fixture: Fixture;
let impostor: Server;
const impostorRequests: string[] = [];

before(async () => {
  simulator = await startSimulator({ cameras: 1, serialPrefix: `RM${process.pid}` });
  onvif = await attachOnvifToSimulator(simulator, { discoveryPort });
  fixture = makeFixture([]);
  // Another LAN host answering discovery; it records whatever Hearth sends it.
  impostor = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      impostorRequests.push(`${req.method} ${req.url} ${body.slice(0, 200)}`);
      res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.2', resolve));
});
after(async () => {
  await new Promise<void>((resolve) => impostor.close(() => resolve()));
  await simulator.stop();
  await Promise.all(onvif.map((o) => o.close()));
  fixture.cleanup();
});

test('the neighbour-table readers take complete entries only', () => {
  const arp = [
    'IP address       HW type     Flags       HW address            Mask     Device',
    '192.168.1.20     0x1         0x2         00:07:5F:D3:5D:B7     *        eth0',
    '192.168.1.21     0x1         0x0         00:00:00:00:00:00     *        eth0',
  ].join('\n');
  assert.equal(macFromProcArp(arp, '192.168.1.20'), '00:07:5f:d3:5d:b7');
  assert.equal(macFromProcArp(arp, '192.168.1.21'), null);
  assert.equal(macFromProcArp(arp, '192.168.1.2'), null);
  assert.equal(macFromIpNeigh('fe80::1 dev eth0 lladdr 00:07:5f:d3:5d:b7 REACHABLE\n'), '00:07:5f:d3:5d:b7');
  assert.equal(macFromIpNeigh('fe80::1 dev eth0 FAILED\n'), null);
});

test('relocation skips a responder with another MAC before any request, follows the bound MAC, and audits the move', { timeout: 60_000 }, async () => {
  const { db, log } = fixture;
  const camera = simulator.cameras[0]!;
  const adopted = await adoptCamera({ onvifUrl: onvif[0]!.service.url, ...camera.credentials, name: 'Porch' }, { db, log, timeoutMs: 3000 });
  const boundMac = getCamera(db, adopted.id)?.mac ?? null;
  assert.ok(boundMac, 'the simulator reports a MAC, so one is bound at adoption');

  // The camera "moved": its stored address no longer answers (port 9 on loopback: discard, closed).
  const realUrl = onvif[0]!.service.url;
  moveCameraAddress(db, adopted.id, 'http://127.0.0.1:9/onvif/device_service', { main: 'rtsp://127.0.0.1:9/old', sub: null }, Date.now());

  const impostorUrl = `http://127.0.0.2:${(impostor.address() as AddressInfo).port}/onvif/device_service`;
  const lookups: string[] = [];
  const relocator = createRelocator({
    db,
    log,
    timeoutMs: 3000,
    // The impostor answers discovery first, claiming to be an ONVIF device.
    probe: async () => [
      { urn: 'urn:uuid:impostor', xaddrs: [impostorUrl], scopes: [], types: [], fromAddress: '127.0.0.2' },
      ...(await probe({ interfaceAddresses: ['127.0.0.1'], timeoutMs: 1000, port: discoveryPort })),
    ],
    neighbourMac: async (url) => {
      lookups.push(url);
      return new URL(url).hostname === '127.0.0.2' ? 'de:ad:be:ef:00:01' : boundMac;
    },
  });
  const followed = await relocator.relocate(adopted.id);
  assert.equal(followed, realUrl, 'the camera is followed to where its MAC and serial answer');
  assert.ok(lookups.includes(impostorUrl), 'the impostor was looked up in the neighbour table');
  assert.deepEqual(impostorRequests, [], 'the device with another MAC received no request, so no credentials');
  assert.ok(fixture.logLines.some((line) => line.includes('camera.relocate_mac_mismatch')));

  const audit = queryAudit(db, { username: null, cameraId: adopted.id, fromMs: 0, toMs: Date.now() + 1000, limit: 10 }).filter((row) => row.action === 'camera_relocated');
  assert.equal(audit.length, 1, 'the followed move is in the audit log');
  assert.equal(audit[0]?.outcome, 'ok');
  assert.match(audit[0]?.detail ?? '', new RegExp(`to ${realUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*MAC ${boundMac} matches`));
  console.log(`impostor requests: ${impostorRequests.length}; audit: ${audit[0]?.detail}`);
});
