/**
 * README, "Reliability": hostile cameras against a real `hearth start`. The ONVIF client alone
 * is covered by identity-hostile-device.test.ts; here the whole path is: the adoption API
 * pointed at devices answering with 200 MB bodies, endless drips, endless headers,
 * malformed XML, entity bombs (exponential and quadratic), binary junk, an HTML login
 * page, empty identity and a redirect. Each adoption must fail with a clear 4xx/502 in
 * bounded time, store nothing, and cost the Hearth process bounded memory (RSS sampled
 * from /proc). Then two recorded cameras whose RTSP servers never send a frame (one
 * silent after accept, one completing PLAY and sending no RTP) must end in `retrying`
 * or `offline` with a clear lastError and keep being retried, not hang.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openSqlite } from '../../src/db/sqlite.ts';
import { onvifBehaviours, startHostileOnvif, startHostileRtsp, type HostileOnvif, type HostileRtsp } from '../helpers/fuzzHostileDevices.ts';
import { processMemoryKb, startHearthRig, waitUntil, type HearthRig } from '../helpers/fuzzHearthRig.ts';

const long = process.env.HEARTH_LONG_TESTS === '1';
const parallelAdoptions = long ? 6 : 2;
/** Generous bounds: they catch "unbounded" and "hung", not "slow". */
const maxAdoptMs = 60_000;
const maxRssGrowthMiB = 96;

let onvif: HostileOnvif;
let silent: HostileRtsp;
let mute: HostileRtsp;
let rig: HearthRig;
let rigStartedAtMs = 0;
/** When each frame-less camera was first seen retrying/offline with a lastError (polled from the start). */
const firstFailingAtMs = new Map<string, number>();
let poller: NodeJS.Timeout | undefined;

before(async () => {
  onvif = await startHostileOnvif();
  silent = await startHostileRtsp('silent');
  mute = await startHostileRtsp('mute');
  rigStartedAtMs = Date.now();
  rig = await startHearthRig({
    cameras: [
      { id: 'silent', main: silent.url },
      { id: 'mute', main: mute.url },
    ],
  });
  // Poll from the start, while the ONVIF test runs, so the time to "failing" is measured, not waited for.
  poller = setInterval(() => {
    for (const id of ['silent', 'mute']) {
      if (firstFailingAtMs.has(id)) continue;
      void rig.camera(id).then((view) => {
        if (view && (view.state === 'retrying' || view.state === 'offline') && view.lastError && !firstFailingAtMs.has(id)) firstFailingAtMs.set(id, Date.now());
      });
    }
  }, 1000);
});

after(async () => {
  clearInterval(poller);
  await rig?.stop();
  await onvif?.close();
  await silent?.close();
  await mute?.close();
});

test('adopting hostile ONVIF devices fails clearly, in bounded time and memory, and stores nothing', { timeout: 600_000 }, async () => {
  const pid = rig.pid;
  const baseline = processMemoryKb(pid);
  assert.ok(baseline, 'Hearth is running');
  const rows: string[] = [];
  let worstGrowthKb = 0;
  let worstMs = 0;
  for (const behaviour of onvifBehaviours) {
    const before = processMemoryKb(pid)!;
    let peakKb = before.rssKb;
    const sampler = setInterval(() => {
      const now = processMemoryKb(pid);
      if (now) peakKb = Math.max(peakKb, now.rssKb);
    }, 50);
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: parallelAdoptions }, async () => {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), maxAdoptMs + 30_000);
        try {
          const response = await rig.admin.request('/api/cameras/adopt', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ onvifUrl: onvif.url(behaviour), username: 'admin', password: 'whatever' }),
            signal: controller.signal,
          });
          const body = (await response.json()) as { error?: string; message?: string };
          return { status: response.status, error: body.error ?? '', message: body.message ?? '', ms: Date.now() - started };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    clearInterval(sampler);
    const after = processMemoryKb(pid);
    assert.ok(after, `Hearth is still running after the ${behaviour} device`);
    const growthKb = Math.max(0, peakKb - before.rssKb);
    const ms = Math.max(...results.map((r) => r.ms));
    worstGrowthKb = Math.max(worstGrowthKb, growthKb);
    worstMs = Math.max(worstMs, ms);
    const first = results[0]!;
    rows.push(`${behaviour}: ${[...new Set(results.map((r) => r.status))].join('/')} ${first.error} in ${ms} ms, RSS +${(growthKb / 1024).toFixed(1)} MiB peak; "…${first.message.slice(-110)}"`);
    for (const r of results) {
      assert.ok([400, 401, 409, 502].includes(r.status), `${behaviour}: adoption answered ${r.status} ${r.error} ${r.message}`);
      assert.ok(r.message.length > 20 && r.message.includes('127.0.0.1'), `${behaviour}: the error names the device: "${r.message}"`);
      assert.doesNotMatch(r.message, /Cannot read|undefined|TypeError|is not a function/, `${behaviour}: the error speaks to a homeowner, not in JavaScript internals`);
      assert.ok(r.ms < maxAdoptMs, `${behaviour}: adoption took ${r.ms} ms`);
    }
    assert.ok(growthKb < maxRssGrowthMiB * 1024, `${behaviour}: Hearth RSS grew ${(growthKb / 1024).toFixed(1)} MiB`);
  }
  const health = await fetch(`${rig.url}/api/health`);
  assert.equal(health.status, 200);
  const cameras = (await (await rig.admin.request('/api/cameras')).json()) as Array<{ id: string }>;
  assert.deepEqual(cameras.map((c) => c.id).sort(), ['mute', 'silent'], 'no hostile device was stored');

  console.log(`hostile ONVIF: ${onvifBehaviours.length} behaviours x ${parallelAdoptions} parallel adoptions; worst ${worstMs} ms, worst RSS growth ${(worstGrowthKb / 1024).toFixed(1)} MiB (baseline ${(baseline.rssKb / 1024).toFixed(0)} MiB)`);
  for (const row of rows) console.log(`  ${row}`);
  console.log(`  requests the device saw: ${JSON.stringify(onvif.requests)}`);
});

test('an RTSP camera that never sends a frame ends in retrying/offline with a clear lastError and is retried, not hung', { timeout: 300_000 }, async () => {
  const started = rigStartedAtMs;
  const failing = async (id: string): Promise<{ state: string; lastError: string | null } | null> => {
    const view = await rig.camera(id);
    return view && (view.state === 'retrying' || view.state === 'offline') && view.lastError ? view : null;
  };
  await waitUntil('both frame-less cameras retrying or offline with a lastError', async () => (await failing('silent')) !== null && (await failing('mute')) !== null, 120_000, 1000);
  await waitUntil('the poller saw both failing', async () => firstFailingAtMs.size === 2, 10_000, 200);
  const failedMs = Math.max(...firstFailingAtMs.values()) - started;
  const silentView = (await rig.camera('silent'))!;
  const muteView = (await rig.camera('mute'))!;
  // Not hung on the first attempt: each server sees Hearth come back.
  await waitUntil('a second connection to each frame-less camera', async () => silent.connections >= 2 && mute.connections >= 2, 120_000, 1000);
  const retriedMs = Date.now() - started;

  const db = openSqlite(path.join(rig.dataDir, 'hearth.db'));
  try {
    const segments = db.prepare("SELECT count(*) AS n FROM segments WHERE camera_id IN ('silent', 'mute')").get() as { n: number };
    assert.equal(segments.n, 0, 'no segment was indexed for a camera that sent no frame');
  } finally {
    db.close();
  }
  console.log(`frame-less RTSP: both retrying/offline with a lastError within ${failedMs} ms of Hearth starting (silent ${firstFailingAtMs.get('silent')! - started} ms, mute ${firstFailingAtMs.get('mute')! - started} ms); each retried (2nd connection) by ${retriedMs} ms`);
  console.log(`  silent: ${silentView.state}, ${silent.connections} connections; lastError "${silentView.lastError}"`);
  console.log(`  mute: ${muteView.state}, ${mute.connections} connections, RTSP methods ${[...new Set(mute.methods)].join(',')}; lastError "${muteView.lastError}"`);
  for (const view of [silentView, muteView]) {
    assert.ok(view.lastError && view.lastError.length > 15, `a clear lastError: "${view.lastError}"`);
  }
  assert.ok(mute.methods.includes('PLAY'), 'the mute camera got as far as PLAY');
});
