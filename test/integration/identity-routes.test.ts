/** The discovery/adoption API routes: admin only, clear errors, passwords never echoed. */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import express from 'express';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { attachOnvifToSimulator } from '../../src/simulator/onvif/onvifCompanion.ts';
import type { OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';
import { discoveryRoutes } from '../../src/http/routes/discovery.ts';
import { errorHandler } from '../../src/http/errors.ts';
import type { RouteContext } from '../../src/http/context.ts';
import type { DiscoveryService } from '../../src/discovery/discoveryService.ts';
import { listCameras } from '../../src/cameras/cameraRows.ts';
import { makeFixture, type Fixture } from '../helpers/recordingFixture.ts';

let simulator: Simulator;
let onvif: OnvifCamera[];
let fixture: Fixture;
let server: Server;
let base = '';
let role: 'admin' | 'viewer' = 'admin';

before(async () => {
  simulator = await startSimulator({ cameras: 1, serialPrefix: `RT${process.pid}` });
  onvif = await attachOnvifToSimulator(simulator, { discoveryInterface: null });
  fixture = makeFixture([]);
  const discovery: DiscoveryService = {
    latest: () => ({ devices: [], atMs: null, interfaces: [], problem: null }),
    probeNow: async () => ({ devices: [], atMs: Date.now(), interfaces: ['lo'], problem: null }),
    stop: () => undefined,
  };
  // Only what these routes use; the real RouteContext is built in app.ts.
  const ctx = { db: fixture.db, log: fixture.log, now: () => Date.now() } as unknown as RouteContext;
  const app = express();
  app.use(express.json({ limit: '16kb' }));
  app.use((_req, res, next) => {
    res.locals.user = { userId: 1, username: 'u', role, tokenHash: 'test' };
    next();
  });
  app.use('/api', discoveryRoutes(ctx, discovery));
  app.use(errorHandler(fixture.log));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await simulator.stop();
  await Promise.all(onvif.map((o) => o.close()));
  fixture.cleanup();
});

const post = (path: string, body: unknown): Promise<Response> =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

test('viewers may not adopt', async () => {
  role = 'viewer';
  try {
    assert.equal((await post('/cameras/adopt', {})).status, 403);
    assert.equal((await fetch(`${base}/discovery`)).status, 403);
  } finally {
    role = 'admin';
  }
});

test('adopt: wrong password is 401 with a clear message and stores nothing; right one is 201 without the password', async () => {
  const camera = simulator.cameras[0]!;
  const wrong = await post('/cameras/adopt', { xaddr: onvif[0]!.service.url, username: camera.credentials.username, password: 'nope' });
  assert.equal(wrong.status, 401);
  assert.match(((await wrong.json()) as { message: string }).message, /refused user .* Nothing was saved/);
  assert.deepEqual(listCameras(fixture.db), []);

  const right = await post('/cameras/adopt', { onvifUrl: onvif[0]!.service.url, ...camera.credentials, name: 'Porch' });
  const text = await right.text();
  assert.equal(right.status, 201, text);
  assert.ok(!text.includes(camera.credentials.password), 'no password in the response');
  assert.equal((JSON.parse(text) as { identity: { serial: string } }).identity.serial, camera.serial);
  assert.equal(right.headers.get('cache-control'), 'private, no-store');
});

test('manual add by RTSP URL: LAN only, identity unverified', async () => {
  assert.equal((await post('/cameras/manual', { id: 'garage', name: 'Garage', rtspMain: 'rtsp://8.8.8.8/x' })).status, 400);
  const ok = await post('/cameras/manual', { id: 'garage', name: 'Garage', rtspMain: 'rtsp://u:p@192.168.1.30:554/s1' });
  assert.equal(ok.status, 201);
  assert.deepEqual(((await ok.json()) as { identity: unknown }).identity, { serial: null, verified: false });
  assert.equal((await post('/cameras/manual', { id: 'garage', name: 'Garage', rtspMain: 'rtsp://192.168.1.31/s1' })).status, 409);
});
