/**
 * Security review H3: a hostile device sends XML that made our reader (xmlText.ts) and the
 * `onvif` package's namespace regex take quadratic time (1 s at 128 KiB, minutes at the
 * old 2 MiB cap), on the main event loop, before any authentication.
 *
 * - the readers take 2 MiB of pathological input in linear time (bounded generously);
 * - with 4 simulated cameras recording, a hostile device on loopback answers ONVIF calls
 *   with 2 MiB (and 200 KiB, under the body cap) of it, and WS-Discovery probes (pinned
 *   to 127.0.0.1, private port) with 2 MiB of it in datagrams: the main event loop's lag
 *   stays under 1 s and every camera's segments stay contiguous;
 * - an ONVIF worker that stalls is terminated at its deadline and replaced.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { attachOnvifToSimulator } from '../../src/simulator/onvif/onvifCompanion.ts';
import type { OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';
import { connectOnvif, OnvifError, OnvifTimeoutError } from '../../src/discovery/onvifClient.ts';
import { createOnvifWorkerPool, sharedOnvifWorkerPool } from '../../src/discovery/onvifWorkerPool.ts';
import { namespaceRegexCost } from '../../src/discovery/onvifPackageGuard.ts';
import { openPinnedMulticastSocket, type PinnedSocket } from '../../src/discovery/multicastSocket.ts';
import { probeDetailed } from '../../src/discovery/wsDiscoveryProbe.ts';
import { elementText, elementTexts, findElement, firstBodyChildName, textOf } from '../../src/discovery/xmlText.ts';
import { startRecorders, type Recorders } from '../../src/recording/startRecorders.ts';
import { listSegments } from '../../src/recording/segmentRows.ts';
import { makeFixture, sleep, waitFor, type Fixture } from '../helpers/recordingFixture.ts';

const MiB = 1024 * 1024;
const discoveryPort = 40_000 + ((process.pid + 12_007) % 20_000);

const envelope = (body: string): string =>
  '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema">' +
  `<s:Body>${body}</s:Body></s:Envelope>`;
const clockAnswer = envelope(
  '<tds:GetSystemDateAndTimeResponse xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><tds:SystemDateAndTime><tt:UTCDateTime>' +
    '<tt:Date><tt:Year>2026</tt:Year><tt:Month>12</tt:Month><tt:Day>2</tt:Day></tt:Date><tt:Time><tt:Hour>1</tt:Hour><tt:Minute>2</tt:Minute><tt:Second>3</tt:Second></tt:Time>' +
    '</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>',
);

/** A valid document, then a trailing comment (valid XML) full of unclosed openers: the review's input. */
function pathological(head: string, bytes: number, unit = '<UTCDateTime><Uri><RelatesTo xmlns '): string {
  const filler = bytes - head.length - 9;
  return `${head}<!-- ${unit.repeat(Math.max(0, Math.ceil(filler / unit.length)))} -->`;
}

test('2 MiB of pathological XML: every reader is linear and still finds the real element', { timeout: 30_000 }, () => {
  const figures: string[] = [];
  const bounded = <T>(what: string, run: () => T): T => {
    const t0 = performance.now();
    const value = run();
    const ms = performance.now() - t0;
    figures.push(`${what} ${ms.toFixed(1)} ms`);
    // Generous: linear work is ~10 ms here; the old regexes took minutes at this size.
    assert.ok(ms < 5_000, `${what} took ${ms} ms`);
    return value;
  };
  const xml = pathological(clockAnswer, 2 * MiB);
  assert.ok(xml.length >= 2 * MiB);
  assert.equal(bounded('elementText(Year)', () => elementText(xml, 'Year')), '2026');
  assert.equal(bounded('elementTexts(Uri)', () => elementTexts(xml, 'Uri')).length, 0, 'openers inside a comment are not elements');
  assert.equal(bounded('firstBodyChildName', () => firstBodyChildName(xml)), 'GetSystemDateAndTimeResponse');
  // The same openers outside any comment, never closed.
  const bare = clockAnswer + '<Uri>'.repeat((2 * MiB) / 5);
  assert.equal(bounded('elementText(Uri) over bare openers', () => elementText(bare, 'Uri')), undefined);
  assert.equal(bounded('elementText(Missing) over bare openers', () => elementText(bare, 'Missing')), undefined);
  // Unclosed CDATA, unclosed tags and attribute values without their quote.
  const cdata = '<![CDATA[x'.repeat((2 * MiB) / 10);
  assert.equal(bounded('findElement past an unclosed CDATA', () => findElement(`<a><Uri>${cdata}</Uri></a>`, 'Uri')), undefined, 'an unterminated CDATA ends the document');
  assert.equal(bounded('textOf(unclosed CDATA)', () => textOf({ localName: 'Uri', attributes: new Map(), inner: `ok${cdata}` })), 'ok');
  const attributes = `<a><b ${'x="1" '.repeat((2 * MiB) / 6)}>t</b><c y="${'z'.repeat(2 * MiB)}`;
  assert.equal(bounded('elementText over a 2 MiB tag', () => elementText(attributes, 'b')), 't');
  assert.equal(bounded('findElement(c) with an unclosed quote', () => findElement(attributes, 'c')), undefined);
  // The package's regex is priced before it runs: bare "xmlns" words cost it n²/2 steps.
  const words = `<a>${'xmlns '.repeat((2 * MiB) / 6)}</a>`;
  const cost = bounded('namespaceRegexCost', () => namespaceRegexCost(words));
  assert.ok(cost > 1e11, `priced at ${cost} steps`);
  assert.ok(namespaceRegexCost(clockAnswer) < clockAnswer.length * 2, 'an ordinary answer is cheap');
  console.log(`linear readers, 2 MiB: ${figures.join('; ')}`);
});

let simulator: Simulator;
let onvif: OnvifCamera[];
let fixture: Fixture;
let recorders: Recorders | null = null;
let hostile: Server;
let hostileWsd: PinnedSocket | null = null;
let hostileRequests = 0;
const wsdBytesSent = { total: 0 };

before(async () => {
  simulator = await startSimulator({ cameras: 4, media: 'loop', serialPrefix: `HX${process.pid}` });
  onvif = await attachOnvifToSimulator(simulator, { discoveryPort: discoveryPort + 1 });
  fixture = makeFixture(
    simulator.cameras.map((camera, index) => ({ id: `cam${index}`, url: camera.rtspUrl('main', true) })),
    { segmentSeconds: 2 },
  );
  const bodies = {
    // Just under the old 2 MiB cap, so before this fix it was read whole (minutes of regex).
    big: pathological(clockAnswer, 2 * MiB - 2048),
    // Under the body cap: reaches the package's parser and ours.
    under: pathological(clockAnswer, 200 * 1024),
    // Under the cap, no "xmlns" words: passes the regex guard, so our reader gets it all.
    nons: pathological(clockAnswer, 200 * 1024, '<UTCDateTime><Uri><Media><XAddr>'),
  };
  hostile = createServer((req, res) => {
    hostileRequests += 1;
    req.resume();
    res.on('error', () => undefined);
    req.socket.on('error', () => undefined);
    const kind = (req.url ?? '').split('/')[1] as keyof typeof bodies;
    res.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=utf-8' }).end(bodies[kind] ?? bodies.big);
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await recorders?.stop();
  await hostileWsd?.close();
  await new Promise<void>((resolve) => hostile.close(() => resolve()));
  hostile.closeAllConnections();
  await simulator.stop();
  await Promise.all(onvif.map((o) => o.close()));
  fixture.cleanup();
});

/** Answers every probe with 2 MiB of pathological ProbeMatches in datagrams just under the size bound, plus oversized ones. */
async function startHostileResponder(): Promise<PinnedSocket> {
  const pinned = await openPinnedMulticastSocket({ interfaceAddress: '127.0.0.1', role: 'listener', port: discoveryPort });
  pinned.socket.on('message', (message, remote) => {
    const messageId = /<(?:\w+:)?MessageID>([^<]{1,200})</.exec(message.toString('utf8'))?.[1];
    if (messageId === undefined) return;
    const head =
      '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">' +
      `<s:Header><a:RelatesTo>${messageId}</a:RelatesTo></s:Header><s:Body><d:ProbeMatches xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">`;
    const inBound = Buffer.from(pathological(head, 15 * 1024, '<RelatesTo><ProbeMatch><XAddrs>'));
    const oversized = Buffer.from(pathological(head, 60 * 1024, '<RelatesTo><ProbeMatch><XAddrs>'));
    let sent = 0;
    const burst = (): void => {
      for (let i = 0; i < 8 && sent < 2 * MiB; i += 1) {
        const datagram = sent % (8 * inBound.length) === 0 ? oversized : inBound;
        sent += datagram.length;
        pinned.socket.send(datagram, remote.port, remote.address, () => undefined);
      }
      if (sent < 2 * MiB) setImmediate(burst);
      else wsdBytesSent.total += sent;
    };
    burst();
  });
  return pinned;
}

/** Segment gaps per camera over the run: consecutive segments must touch (1 s slack for cut points). */
function gapsOf(cameraId: string): { count: number; worstGapMs: number; firstMs: number; lastMs: number } {
  const segments = listSegments(fixture.db, cameraId).sort((a, b) => a.startMs - b.startMs);
  let worstGapMs = 0;
  for (let i = 1; i < segments.length; i += 1) worstGapMs = Math.max(worstGapMs, segments[i]!.startMs - segments[i - 1]!.endMs);
  return { count: segments.length, worstGapMs, firstMs: segments[0]?.startMs ?? 0, lastMs: segments.at(-1)?.endMs ?? 0 };
}

/** On a gap: the camera's rows (ms after its first) and what its segment clock said, so the failure tells where the time went. */
function segmentStory(cameraId: string): string {
  const segments = listSegments(fixture.db, cameraId).sort((a, b) => a.startMs - b.startMs);
  const first = segments[0]?.startMs ?? 0;
  const rows = segments.map((s) => `${s.startMs - first}..${s.endMs - first}`).join(' ');
  const lines = fixture.logLines.filter((l) => l.includes(`camera=${cameraId} `) && /segment\.|recorder\./.test(l)).slice(-40);
  return `rows (ms after the first): ${rows}\n${lines.join('\n')}`;
}

test('hostile ONVIF answers and discovery replies (2 MiB) while 4 cameras record: lag under 1 s, no segment lost', { timeout: 240_000 }, async () => {
  recorders = await startRecorders({ db: fixture.db, config: fixture.config, log: fixture.log, dataDir: fixture.dataDir });
  const live = recorders;
  const ids = simulator.cameras.map((_c, index) => `cam${index}`);
  await waitFor('4 cameras recording with 2 segments each', () => ids.every((id) => live.states().find((s) => s.cameraId === id)?.state === 'recording' && listSegments(fixture.db, id).length >= 2), 90_000);
  hostileWsd = await startHostileResponder();

  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const startMs = Date.now();
  const port = (hostile.address() as AddressInfo).port;
  const outcomes: string[] = [];
  const ignored: Record<string, number> = {};
  for (let round = 0; round < 4; round += 1) {
    const conversations = ['big', 'under', 'nons'].map(async (kind) => {
      const t0 = Date.now();
      try {
        const device = await connectOnvif({ url: `http://127.0.0.1:${port}/${kind}/onvif/device_service`, username: 'admin', password: 'x', timeoutMs: 3_000 });
        device.close();
        outcomes.push(`${kind}: connected?!`);
      } catch (error) {
        assert.ok(error instanceof OnvifError, `typed error, got ${String(error)}`);
        outcomes.push(`${kind}: ${error.name} in ${Date.now() - t0} ms`);
      }
    });
    const discovery = probeDetailed({ interfaceAddresses: ['127.0.0.1'], timeoutMs: 1_500, port: discoveryPort }).then((result) => {
      assert.equal(result.devices.length, 0, 'no device comes out of the hostile replies');
      for (const [key, value] of Object.entries(result.ignored)) ignored[key] = (ignored[key] ?? 0) + Number(value);
    });
    await Promise.all([...conversations, discovery]);
  }
  // Recording keeps going past the hostile phase: one more segment period and a bit.
  await sleep(3_000);
  lag.disable();
  const hostileMs = Date.now() - startMs;
  const maxLagMs = lag.max / 1e6;
  const p99LagMs = lag.percentile(99) / 1e6;

  const perCamera = ids.map((id) => ({ id, ...gapsOf(id) }));
  console.log(
    `hostile phase ${hostileMs} ms: ${hostileRequests} ONVIF requests answered with 2 MiB/200 KiB, ${(wsdBytesSent.total / MiB).toFixed(1)} MiB of discovery replies (2 MiB per probe message) (ignored ${JSON.stringify(ignored)}); ` +
      `event-loop lag max ${maxLagMs.toFixed(0)} ms, p99 ${p99LagMs.toFixed(0)} ms; outcomes ${outcomes.join(', ')}; ` +
      `segments ${perCamera.map((c) => `${c.id} ${c.count} (worst gap ${c.worstGapMs} ms)`).join(', ')}; workers ${JSON.stringify(sharedOnvifWorkerPool().stats())}`,
  );
  assert.ok(wsdBytesSent.total >= 2 * MiB, 'the hostile responder sent its 2 MiB');
  assert.ok(hostileRequests >= 12, 'every conversation reached the hostile device');
  assert.ok(maxLagMs < 1_000, `event-loop lag reached ${maxLagMs} ms`);
  for (const camera of perCamera) {
    assert.equal(live.states().find((s) => s.cameraId === camera.id)?.state, 'recording', `${camera.id} still recording`);
    assert.ok(camera.worstGapMs <= 1_000, `${camera.id}: a gap of ${camera.worstGapMs} ms between segments\n${segmentStory(camera.id)}`);
    assert.ok(camera.firstMs < startMs && camera.lastMs > startMs + hostileMs - 4_000, `${camera.id}: segments cover the hostile phase`);
  }
});

test('an ONVIF worker that stalls is terminated at its deadline and replaced; the main loop never waits on it', { timeout: 90_000 }, async () => {
  const pool = createOnvifWorkerPool({ workerUrl: new URL('../helpers/stallingOnvifWorker.js', import.meta.url), stallMs: 1_000, maxWorkers: 1 });
  const lag = monitorEventLoopDelay({ resolution: 10 });
  try {
    lag.enable();
    const t0 = Date.now();
    await assert.rejects(pool.connect({ url: 'http://127.0.0.1:9/stall/onvif/device_service', username: 'a', password: 'b', timeoutMs: 2_000 }), (error: unknown) => {
      assert.ok(error instanceof OnvifTimeoutError, String(error));
      assert.match(error.message, /kept Hearth's ONVIF worker busy/);
      return true;
    });
    const stalledForMs = Date.now() - t0;
    lag.disable();
    assert.equal(pool.stats().terminated, 1);
    // The one worker slot is free again: a real camera answers through a fresh worker.
    const camera = simulator.cameras[0]!;
    const device = await pool.connect({ url: onvif[0]!.service.url, ...camera.credentials, timeoutMs: 3_000 });
    try {
      assert.equal((await device.getDeviceIdentity()).serialNumber, camera.serial);
    } finally {
      device.close();
    }
    console.log(`stalled worker stopped after ${stalledForMs} ms (worker start-up included); main-loop lag meanwhile max ${(lag.max / 1e6).toFixed(0)} ms`);
    assert.ok(lag.max / 1e6 < 1_000);
  } finally {
    await pool.close();
  }
});
