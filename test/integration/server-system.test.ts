/**
 * GET /api/system (admin): recording bytes from the segments table, the disk from statfs,
 * the forecast of days kept, each camera's state and last error, CPU and memory. Viewers
 * get 403. Plus the forecast arithmetic on its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedIn, recordedFromMs, segmentMs, segmentsPerCamera, startServerFixture } from '../helpers/serverFixture.ts';
import { forecastStorage } from '../../src/recording/recordingUsage.ts';
import { defaultConfig } from '../../src/config/schema.ts';

test('the system route reports storage, forecast, camera states and process figures to an admin only', async (t) => {
  // "Now" is just after the fixture's recordings, so they count as the recent write rate.
  const nowMs = recordedFromMs + segmentsPerCamera * segmentMs + 120_000;
  const server = await startServerFixture({ now: () => nowMs });
  t.after(() => server.stop());
  server.status.set('garden', { state: 'retrying', lastError: 'camera "garden" does not answer at 127.0.0.1:1', lastErrorAtMs: nowMs - 5_000 });

  const ann = await loggedIn(server.url, 'ann');
  const response = await ann.request('/api/system');
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('cache-control'), 'private, no-store');
  const body = (await response.json()) as {
    storage: { recordingBytes: number; totalBytes: number; availableBytes: number; usedBytes: number; maxDiskPercent: number; rootMissing: boolean };
    forecast: { bytesPerDay: number | null; daysKept: number; daysByAge: number; limitedBy: string };
    cameras: Array<{ id: string; state: string; lastError: string | null; lastErrorAtMs: number | null; recordingBytes: number; oldestMs: number | null }>;
    process: { cpuPercent: number; rssBytes: number; loadAverage: number[]; cpuCores: number };
  };
  const expectedBytes = [...server.media.values()].reduce((n, m) => n + m.bytes.length * segmentsPerCamera, 0);
  assert.equal(body.storage.recordingBytes, expectedBytes);
  assert.equal(body.storage.rootMissing, false);
  assert.ok(body.storage.totalBytes > 0 && body.storage.availableBytes > 0 && body.storage.usedBytes <= body.storage.totalBytes);
  assert.equal(body.storage.maxDiskPercent, 90);
  const spanMs = nowMs - recordedFromMs;
  assert.ok(body.forecast.bytesPerDay !== null && Math.abs(body.forecast.bytesPerDay - (expectedBytes * 86_400_000) / spanMs) < 1);
  assert.equal(body.forecast.daysByAge, 14);
  assert.ok(body.forecast.daysKept > 0 && body.forecast.daysKept <= 14);
  assert.deepEqual(body.cameras.map((c) => c.id).sort(), ['front-door', 'garden', 'nursery']);
  const garden = body.cameras.find((c) => c.id === 'garden')!;
  assert.equal(garden.state, 'retrying');
  assert.match(garden.lastError ?? '', /does not answer/);
  assert.equal(garden.lastErrorAtMs, nowMs - 5_000);
  assert.equal(garden.oldestMs, recordedFromMs);
  assert.ok(body.process.rssBytes > 0 && body.process.cpuCores >= 1 && body.process.loadAverage.length === 3);

  const bob = await loggedIn(server.url, 'bob');
  assert.equal((await bob.request('/api/system')).status, 403, 'a viewer may not read the system page');
});

test('the forecast is the shorter of the age limit and the disk budget at the current rate', () => {
  const retention = { ...defaultConfig().retention, days: 14, maxDiskPercent: 90 };
  const gb = 1e9;
  const disk = { totalBytes: 100 * gb, usedBytes: 30 * gb, availableBytes: 70 * gb };
  // 20 GB of recordings + 10 GB of other files; budget 90 GB → 80 GB for recordings; 10 GB/day → 8 days.
  const byDisk = forecastStorage({ recordingBytes: 20 * gb, bytesPerDay: 10 * gb, disk, retention, cameraDays: [14, 7] });
  assert.equal(byDisk.limitedBy, 'disk');
  assert.equal(Math.round(byDisk.allowedBytes / gb), 80);
  assert.equal(Math.round(byDisk.daysKept * 10) / 10, 8);
  const byAge = forecastStorage({ recordingBytes: 20 * gb, bytesPerDay: 1 * gb, disk, retention, cameraDays: [14, 30] });
  assert.deepEqual([byAge.limitedBy, byAge.daysKept, Math.round(byAge.daysByDisk!)], ['age', 30, 80]);
  const noRate = forecastStorage({ recordingBytes: 0, bytesPerDay: null, disk, retention, cameraDays: [] });
  assert.deepEqual([noRate.limitedBy, noRate.daysKept, noRate.daysByDisk], ['age', 14, null]);
});
