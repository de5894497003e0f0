import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { openDatabase } from '../../src/db/connection.ts';
import { createSession } from '../../src/auth/sessions.ts';
import { insertUser } from '../../src/auth/userRows.ts';
import { metricsRoutes } from '../../src/http/routes/metrics.ts';
import { formatExposition } from '../../src/metrics/exposition.ts';
import { sessionCookieName } from '../../src/http/session.ts';
import { parsePrometheusText } from '../helpers/prometheusText.ts';

function fixture() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hearth-metrics-'));
  const db = openDatabase(path.join(dataDir, 'hearth.db'));
  const now = Date.now();
  for (const id of ['porch', 'garden']) {
    db.prepare("INSERT INTO cameras (id, name, source, created_at_ms, updated_at_ms) VALUES (?, ?, 'config', ?, ?)").run(id, id, now, now);
  }
  const seg = db.prepare('INSERT INTO segments (camera_id, start_ms, end_ms, bytes, path, deleting) VALUES (?, ?, ?, ?, ?, ?)');
  seg.run('porch', 0, 10_000, 1000, 'porch/1.mp4', 0);
  seg.run('porch', 10_000, 20_000, 2500, 'porch/2.mp4', 0);
  seg.run('porch', 20_000, 30_000, 9999, 'porch/3.mp4', 1); // being deleted: not counted
  seg.run('garden', 0, 10_000, 700, 'garden/1.mp4', 0);
  db.prepare("INSERT INTO events (camera_id, start_ms, end_ms, score) VALUES ('garden', 1, 2, 0.5)").run();
  const app = express();
  app.use(
    metricsRoutes({
      db,
      source: {
        db,
        dataDir,
        cameraStates: () => [
          { cameraId: 'porch', state: 'recording' },
          { cameraId: 'garden', state: 'retrying' },
        ],
        reconnects: () => new Map([['garden', 3]]),
      },
    }),
  );
  return { db, app };
}

async function listen(app: express.Express, host: string) {
  const server = app.listen(0, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

test('/metrics from loopback parses strictly and reports per-camera state, segments, bytes, reconnects, events, disk', async () => {
  const { app, db } = fixture();
  const server = await listen(app, '127.0.0.1');
  try {
    const response = await fetch(`${server.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(response.headers.get('cache-control'), 'private, no-store');
    const families = parsePrometheusText(await response.text());
    const value = (metric: string, labels: Record<string, string>) =>
      families.get(metric)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    for (const f of families.values()) assert.ok(f.help && f.type !== 'untyped', `${f.name} has HELP and TYPE`);
    assert.equal(value('hearth_camera_state', { camera: 'porch', state: 'recording' }), 1);
    assert.equal(value('hearth_camera_state', { camera: 'porch', state: 'retrying' }), 0);
    assert.equal(value('hearth_camera_state', { camera: 'garden', state: 'retrying' }), 1);
    assert.equal(value('hearth_recorded_segments', { camera: 'porch' }), 2);
    assert.equal(value('hearth_recorded_bytes', { camera: 'porch' }), 3500);
    assert.equal(value('hearth_recorded_bytes', { camera: 'garden' }), 700);
    assert.equal(value('hearth_camera_reconnects_total', { camera: 'garden' }), 3);
    assert.equal(value('hearth_camera_reconnects_total', { camera: 'porch' }), 0);
    assert.equal(value('hearth_motion_events', { camera: 'garden' }), 1);
    assert.equal(value('hearth_motion_events', { camera: 'porch' }), 0);
    assert.equal(families.get('hearth_camera_reconnects_total')?.type, 'counter');
    const total = value('hearth_data_disk_bytes', { kind: 'total' }) ?? 0;
    const available = value('hearth_data_disk_bytes', { kind: 'available' }) ?? -1;
    assert.ok(total > 0 && available >= 0 && available <= total);
  } finally {
    await server.close();
    db.close();
  }
});

test('label values and HELP text are escaped so a strict parser reads them back exactly', () => {
  const tricky = 'a "quoted" back\\slash\nnew line';
  const text = formatExposition([
    { name: 'x_total', help: 'help with \\ and\nline', type: 'counter', samples: [{ labels: { camera: tricky }, value: 1 }] },
    { name: 'y', help: 'inf', type: 'gauge', samples: [{ value: Infinity }, { labels: { k: '' }, value: NaN }] },
  ]);
  const families = parsePrometheusText(text);
  assert.equal(families.get('x_total')?.samples[0]?.labels.camera, tricky);
  assert.equal(families.get('x_total')?.help, 'help with \\ and\nline');
  assert.equal(families.get('y')?.samples[0]?.value, Infinity);
  assert.throws(() => parsePrometheusText('# TYPE a gauge\na{l="bad \\x"} 1\n'), /bad escape/);
  assert.throws(() => parsePrometheusText('a 1\n'), /without HELP\/TYPE/);
  assert.throws(() => formatExposition([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }]), /invalid metric name/);
});

test('/metrics from a LAN address needs an admin session', async (t) => {
  // The machine's own non-loopback address stands in for a LAN client: traffic stays in the kernel.
  const { networkInterfaces } = await import('node:os');
  const lanAddress = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  if (!lanAddress) {
    t.skip('no non-loopback IPv4 address on this machine');
    return;
  }
  const { app, db } = fixture();
  const admin = insertUser(db, { username: 'ada', role: 'admin', passwordHash: 'x', nowMs: Date.now() });
  const viewer = insertUser(db, { username: 'vic', role: 'viewer', passwordHash: 'x', nowMs: Date.now() });
  const adminToken = createSession(db, admin.id, lanAddress, Date.now());
  const viewerToken = createSession(db, viewer.id, lanAddress, Date.now());
  const server = await listen(app, lanAddress);
  try {
    assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
    assert.equal((await fetch(`${server.url}/metrics`, { headers: { cookie: `${sessionCookieName}=${viewerToken}` } })).status, 404);
    const ok = await fetch(`${server.url}/metrics`, { headers: { cookie: `${sessionCookieName}=${adminToken}` } });
    assert.equal(ok.status, 200);
    assert.ok(parsePrometheusText(await ok.text()).has('hearth_camera_state'));
  } finally {
    await server.close();
    db.close();
  }
});

test('the reconnect counter counts each new failure stamp once per camera', async () => {
  const { startReconnectCounter } = await import('../../src/metrics/reconnectCounter.ts');
  let porch: number | null = null;
  const counter = startReconnectCounter(() => [{ cameraId: 'porch', lastErrorAtMs: porch }, { cameraId: 'garden', lastErrorAtMs: 5 }], 60_000);
  try {
    counter.sample();
    assert.equal(counter.counts().get('garden'), undefined, 'failures before start are the baseline');
    porch = 100;
    counter.sample();
    counter.sample(); // same stamp: not counted twice
    porch = 200;
    counter.sample();
    assert.equal(counter.counts().get('porch'), 2);
  } finally {
    counter.stop();
  }
});
