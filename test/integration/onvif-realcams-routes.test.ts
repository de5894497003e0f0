/**
 * POST /api/cameras/adopt against replayed real cameras: the answers the admin's browser
 * sees. A Hikvision's HTML 401 is 401 "wrong password" (it was "Wrong ONVIF SOAP
 * response"), a Media2-only Axis is 201 (it was 502 blaming the URL), a TVT without
 * GetSnapshotUri is 201 with the snapshot empty and a note.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { discoveryRoutes } from '../../src/http/routes/discovery.ts';
import { errorHandler } from '../../src/http/errors.ts';
import type { RouteContext } from '../../src/http/context.ts';
import { listCameras } from '../../src/cameras/cameraRows.ts';
import { makeFixture, type Fixture } from '../helpers/recordingFixture.ts';
import { realcamsSkipReason, startRealcamReplay, type RealcamReplay } from '../helpers/realcamReplay.ts';

const skip = realcamsSkipReason();

interface AdoptAnswer {
  id?: string;
  message?: string;
  identity?: { serial: string; mac: string | null };
  streams?: { main: { profile: string; codec: string }; sub: { profile: string } | null };
  snapshotUri?: string | null;
  notes?: string[];
}

describe('adopting replayed real cameras over the API', { skip }, () => {
  let fixture: Fixture;
  let server: Server;
  let base = '';
  const replays: RealcamReplay[] = [];

  before(async () => {
    fixture = makeFixture([]);
    // Only what these routes use; the real RouteContext is built in app.ts (as in identity-routes.test.ts).
    const ctx = { db: fixture.db, log: fixture.log, now: () => Date.now() } as unknown as RouteContext;
    const app = express();
    app.use(express.json({ limit: '16kb' }));
    app.use((_req, res, next) => {
      res.locals.user = { userId: 1, username: 'ann', role: 'admin', tokenHash: 'test' };
      next();
    });
    app.use('/api', discoveryRoutes(ctx, null));
    app.use(errorHandler(fixture.log));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await Promise.all(replays.map((r) => r.close()));
    fixture?.cleanup();
  });

  const adopt = async (body: object): Promise<{ status: number; json: AdoptAnswer; text: string }> => {
    const response = await fetch(`${base}/cameras/adopt`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, json: JSON.parse(text) as AdoptAnswer, text };
  };
  const start = async (model: string, variants: string[] = []): Promise<RealcamReplay> => {
    const replay = await startRealcamReplay({ model, variants });
    replays.push(replay);
    return replay;
  };

  test('Hikvision html-401 with a wrong password: 401 naming the password, nothing stored', async () => {
    const hik = await start('hikvision-ds2df7286', ['html-401']);
    const answer = await adopt({ xaddr: hik.deviceUrl, username: hik.username, password: 'guess' });
    assert.equal(answer.status, 401, answer.text);
    assert.match(answer.json.message ?? answer.text, /refused user "admin" and that password/);
    assert.doesNotMatch(answer.text, /Wrong ONVIF SOAP response/);
    assert.deepEqual(listCameras(fixture.db), []);
  });

  test('Axis media2-only: 201 with the Media2 stream and a note; no MJPEG sub', async () => {
    const axis = await start('axis-m2025le', ['media2-only']);
    const answer = await adopt({ onvifUrl: axis.deviceUrl, username: axis.username, password: axis.password, id: 'axis' });
    assert.equal(answer.status, 201, answer.text);
    assert.equal(answer.json.streams?.main.profile, 'profile_1_h264');
    assert.equal(answer.json.streams?.sub, null);
    assert.ok(answer.json.notes?.some((note) => /Media2/.test(note)), answer.text);
    assert.doesNotMatch(answer.text, new RegExp(axis.password), 'the password is never echoed');
  });

  test('TVT (Digest, no GetSnapshotUri): 201 with snapshotUri null and a note saying so', async () => {
    const tvt = await start('tvt-oem-ipc');
    const answer = await adopt({ onvifUrl: tvt.deviceUrl, username: tvt.username, password: tvt.password, id: 'tvt' });
    assert.equal(answer.status, 201, answer.text);
    assert.equal(answer.json.snapshotUri, null);
    assert.equal(answer.json.identity?.mac, '00:18:ae:00:00:01');
    assert.ok(answer.json.notes?.some((note) => /snapshot/.test(note)), answer.text);
  });

  test('Bosch: 201 with the MAC it sends with dashes stored with colons', async () => {
    const bosch = await start('bosch-flexidome-5100i');
    const answer = await adopt({ onvifUrl: bosch.deviceUrl, username: bosch.username, password: bosch.password, id: 'bosch' });
    assert.equal(answer.status, 201, answer.text);
    assert.equal(answer.json.identity?.mac, '00:07:5f:d3:5d:b7');
    assert.deepEqual(answer.json.notes, []);
  });
});
