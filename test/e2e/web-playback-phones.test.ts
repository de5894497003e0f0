/**
 * Recorded playback the way phones offer it, in a real Chromium against a real simulator
 * and `hearth start`, with init scripts that change what the page finds:
 *  (a) iOS Safari 17.1+: no MediaSource, only ManagedMediaSource (Chromium's MediaSource
 *      under that name, with streaming/startstreaming/endstreaming, and refusing to open
 *      unless video.disableRemotePlayback is set, as Safari does). The timeline plays from
 *      the clicked moment (burnt-in clock) and stops fetching while told endstreaming.
 *  (b) no Media Source at all (older iPhones): the page falls back to the browser's own HLS
 *      from the playlist route (Chromium 156 here answers canPlayType(HLS) 'maybe' and plays
 *      it), from the clicked moment by the burnt-in clock.
 *  (c) neither Media Source nor native HLS: the page says so in words and offers Download range.
 *  (d) a browser that cannot decode the recording's codec: the message names the codec
 *      string read from the recording's init segment.
 * And the playlist itself, read by real ffmpeg over HTTP with the session cookie from the
 * clicked moment: version 7, EXT-X-MAP per segment, byte ranges exact to the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { startUiStack } from '../helpers/uiStack.ts';
import { launchBrowser, loginThroughForm, type RecordedPage, type UiBrowser } from '../helpers/browser.ts';
import { clickScrubberAgo, frameCodeOnScreen, pictureSecondsAt, videoDataset } from '../helpers/timelinePage.ts';
import { wallSecondsDiff } from '../../src/simulator/index.ts';
import { firstFrameCode } from '../helpers/frameCodes.ts';
import { readInit, scanInit } from '../../src/mp4/index.ts';
import { chooseRecordedSource, type PlaybackSupport } from '../../web/src/playback/chooseRecordedSource.ts';
import { mediaTimeOf, playlistSpans, wallTimeOf } from '../../web/src/playback/nativeHlsPlayer.ts';

const run = promisify(execFile);

// Init scripts are plain JavaScript strings: the test runner's transpiler would wrap functions
// and classes written here in helpers the page does not have.

/** (a) ManagedMediaSource only, behaving as Safari's does where it matters to a player. */
const managedMediaSourceOnly = `(() => {
  const Native = window.MediaSource;
  const managedUrls = new Set();
  const instances = [];
  const log = { listeners: [], refusedWithoutDisableRemotePlayback: 0, opened: 0 };
  class ManagedMediaSource extends Native {
    constructor() {
      super();
      this.wants = false;
      instances.push(this);
      super.addEventListener('sourceopen', () => {
        log.opened += 1;
        setTimeout(() => this.wish(true), 30);
      });
    }
    get streaming() { return this.wants; }
    wish(on) {
      if (this.wants === on) return;
      this.wants = on;
      this.dispatchEvent(new Event(on ? 'startstreaming' : 'endstreaming'));
    }
    addEventListener(type, listener, options) {
      if (type === 'startstreaming' || type === 'endstreaming') log.listeners.push(type);
      super.addEventListener(type, listener, options);
    }
  }
  delete window.MediaSource;
  Object.defineProperty(window, 'ManagedMediaSource', { value: ManagedMediaSource, configurable: true, writable: true });
  const createObjectURL = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (object) => {
    const url = createObjectURL(object);
    if (object instanceof ManagedMediaSource) managedUrls.add(url);
    return url;
  };
  const src = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'src');
  Object.defineProperty(HTMLMediaElement.prototype, 'src', {
    get: src.get,
    configurable: true,
    enumerable: src.enumerable,
    set(value) {
      // Safari: a ManagedMediaSource never opens on an element that could go to AirPlay.
      if (managedUrls.has(value) && !this.disableRemotePlayback) {
        log.refusedWithoutDisableRemotePlayback += 1;
        return;
      }
      src.set.call(this, value);
    },
  });
  window.__mms = { log, wish: (on) => instances.forEach((m) => m.wish(on)) };
})();`;

/** (b) No Media Source of any kind. */
const noMediaSource = `delete window.MediaSource; delete window.ManagedMediaSource; delete window.WebKitMediaSource;`;

/** (c) No Media Source and no native HLS. */
const noMediaSourceNoHls = `(() => {
  delete window.MediaSource;
  delete window.ManagedMediaSource;
  const canPlayType = HTMLMediaElement.prototype.canPlayType;
  HTMLMediaElement.prototype.canPlayType = function (type) { return /mpegurl/i.test(type) ? '' : canPlayType.call(this, type); };
})();`;

/** (d) A browser that cannot decode H.264 (as Chromium cannot decode H.265): refused by MSE and by <video>. */
const noH264 = `(() => {
  const isTypeSupported = MediaSource.isTypeSupported.bind(MediaSource);
  MediaSource.isTypeSupported = (type) => (/avc1|avc3/.test(type) ? false : isTypeSupported(type));
  const canPlayType = HTMLMediaElement.prototype.canPlayType;
  HTMLMediaElement.prototype.canPlayType = function (type) { return /avc1|avc3/.test(type) ? '' : canPlayType.call(this, type); };
})();`;

async function openTimeline(ui: UiBrowser, url: string, admin: { username: string; password: string }, init: string): Promise<RecordedPage> {
  const opened = await ui.newPage(url, { viewport: { width: 390, height: 844 } });
  await opened.page.addInitScript({ content: init });
  await loginThroughForm(opened.page, url, admin.username, admin.password);
  opened.errors.length = 0;
  await opened.page.goto(url + '/#/timeline/cam-1', { waitUntil: 'domcontentloaded' });
  await opened.page.waitForSelector('.scrubber canvas', { timeout: 15_000 });
  return opened;
}

const currentTime = (page: Page) => page.$eval('.recorded-video video', (v) => (v as HTMLVideoElement).currentTime);

/** Clicks 25 s ago, waits for moving picture, and returns how far (s) its burnt-in clock is from the clicked moment as recorded. */
async function playsFromClick(opened: RecordedPage, stackUrl: string, cameraCode: number): Promise<{ offsetSeconds: number; latencyMs: number; clickedAt: number }> {
  const { page } = opened;
  await page.waitForFunction(() => (document.querySelector('.recorded-video video') as HTMLVideoElement | null)?.currentTime! > 0.3, null, { timeout: 30_000 });
  const clickedAt = await clickScrubberAgo(page, 25_000);
  await page.waitForFunction(() => (document.querySelector('.recorded-video video') as HTMLVideoElement).dataset.seekLatencyMs !== undefined, null, { timeout: 30_000 });
  const latencyMs = Number((await videoDataset(page)).seekLatencyMs);
  const shown = await frameCodeOnScreen(page);
  assert.ok(shown.code, 'the picture carries the simulator frame code');
  assert.equal(shown.code.cameraCode, cameraCode, 'the picture is camera 1');
  const expected = await pictureSecondsAt(opened.context.request, stackUrl, 'cam-1', clickedAt, shown.width);
  const offsetSeconds = wallSecondsDiff(shown.code.wallSeconds, expected.wallSeconds);
  const before = await currentTime(page);
  await page.waitForTimeout(1500);
  assert.ok((await currentTime(page)) > before + 0.5, 'keeps playing');
  return { offsetSeconds, latencyMs, clickedAt };
}

test('chooseRecordedSource: MSE when it decodes the real codec, else native HLS, else words naming the codec', () => {
  const h265 = { mimeType: 'video/mp4; codecs="hvc1.1.6.L93.B0"', codecs: ['hvc1.1.6.L93.B0'], videoName: 'H.265' };
  const h264 = { mimeType: 'video/mp4; codecs="avc1.64001f,mp4a.40.2"', codecs: ['avc1.64001f', 'mp4a.40.2'], videoName: 'H.264' };
  const asked: string[] = [];
  const chromium: PlaybackSupport = { mse: { kind: 'MediaSource', isTypeSupported: (m) => (asked.push(m), m.includes('avc1')) }, nativeHls: { canPlay: (m) => m.includes('avc1') } };
  assert.deepEqual(chooseRecordedSource(h264, chromium), { kind: 'mse', api: 'MediaSource', mimeType: h264.mimeType });
  assert.deepEqual(asked, [h264.mimeType], 'asked with the exact type string, audio included');
  // Chromium cannot decode H.265 but plays H.264: the player shows the sub stream or Hearth's H.264 copy.
  assert.deepEqual(chooseRecordedSource(h265, chromium), { kind: 'mse', api: 'MediaSource', mimeType: h265.mimeType, hevcFallback: true });
  const noH264: PlaybackSupport = { mse: { kind: 'MediaSource', isTypeSupported: () => false }, nativeHls: null };
  const refused = chooseRecordedSource(h265, noH264);
  assert.equal(refused.kind, 'none');
  assert.match(refused.kind === 'none' ? refused.message : '', /^This recording is H\.265 \(HEVC, hvc1\.1\.6\.L93\.B0\), which this browser cannot decode\..*Download range/);
  const iphone17: PlaybackSupport = { mse: { kind: 'ManagedMediaSource', isTypeSupported: () => true }, nativeHls: { canPlay: () => true } };
  assert.deepEqual(chooseRecordedSource(h265, iphone17), { kind: 'mse', api: 'ManagedMediaSource', mimeType: h265.mimeType });
  assert.deepEqual(chooseRecordedSource(h265, { mse: null, nativeHls: { canPlay: () => true } }), { kind: 'hls' });
  assert.equal(chooseRecordedSource(h264, { mse: null, nativeHls: null }).kind, 'none');
  assert.equal(chooseRecordedSource({ mimeType: null, codecs: [], videoName: null }, chromium).kind, 'none');
});

test('native HLS: media time runs through EXTINF in order, gaps take none', () => {
  const text = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z', '#EXTINF:4.000,', 'a', '#EXT-X-DISCONTINUITY',
    '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:01:00.000Z', '#EXTINF:4.000,', 'b', '#EXT-X-ENDLIST'].join('\n');
  const spans = playlistSpans(text);
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  assert.deepEqual(spans.map((s) => [s.wallStartMs - t0, s.mediaStart, s.durationSeconds]), [[0, 0, 4], [60_000, 4, 4]]);
  assert.equal(mediaTimeOf(spans, t0 + 2500), 2.5);
  assert.equal(mediaTimeOf(spans, t0 + 30_000), 4, 'a moment in the gap plays from the next recording');
  assert.equal(mediaTimeOf(spans, t0 - 1), null, 'before the playlist: load another');
  assert.equal(mediaTimeOf(spans, t0 + 70_000), null);
  assert.equal(wallTimeOf(spans, 5), t0 + 61_000);
});

test('phones: ManagedMediaSource, native HLS, neither, and a codec the browser cannot decode', { timeout: 300_000 }, async (t) => {
  const [stack, ui] = await Promise.all([startUiStack({ cameras: 1, scene: 'person', segmentSeconds: 4, viewerGrants: 1, motion: false }), launchBrowser()]);
  t.after(async () => {
    await ui.close();
    await stack.stop();
  });
  await stack.waitForRecording(45, 150_000);
  const cameraCode = stack.simulator.cameras[0]!.cameraCode;
  const pages: RecordedPage[] = [];

  // (a) ManagedMediaSource only.
  const managed = await openTimeline(ui, stack.url, stack.admin, managedMediaSourceOnly);
  pages.push(managed);
  const a = await playsFromClick(managed, stack.url, cameraCode);
  const aData = await videoDataset(managed.page);
  const mmsLog = (await managed.page.evaluate(() => (window as unknown as { __mms: { log: unknown } }).__mms.log)) as { listeners: string[]; refusedWithoutDisableRemotePlayback: number; opened: number };
  console.log(`phones (a) ManagedMediaSource: ${aData.playback} ${aData.codec}; first frame ${a.offsetSeconds >= 0 ? '+' : ''}${a.offsetSeconds} s from the clicked moment; click to moving picture ${a.latencyMs} ms; sources opened ${mmsLog.opened}`);
  assert.equal(aData.playback, 'ManagedMediaSource');
  assert.equal(mmsLog.refusedWithoutDisableRemotePlayback, 0, 'disableRemotePlayback is set before the source is attached');
  assert.ok(mmsLog.listeners.includes('startstreaming') && mmsLog.listeners.includes('endstreaming'), 'the player listens to startstreaming/endstreaming');
  assert.ok(Math.abs(a.offsetSeconds) <= 2, `plays from within 2 s of the clicked moment (${a.offsetSeconds} s)`);
  // endstreaming: no segment fetched while the browser says it has enough; startstreaming: fetching resumes.
  const segmentRequests = () => managed.requests.filter((u) => /\/api\/segments\/\d+$/.test(u)).length;
  await managed.page.evaluate(() => (window as unknown as { __mms: { wish(on: boolean): void } }).__mms.wish(false));
  const quietFrom = segmentRequests();
  await managed.page.waitForTimeout(8000);
  assert.equal(segmentRequests(), quietFrom, 'no segment fetched during endstreaming (8 s of playing through a 20 s buffer)');
  await managed.page.evaluate(() => (window as unknown as { __mms: { wish(on: boolean): void } }).__mms.wish(true));
  const resumed = Date.now();
  while (segmentRequests() === quietFrom && Date.now() - resumed < 20_000) await managed.page.waitForTimeout(250);
  assert.ok(segmentRequests() > quietFrom, 'fetching resumes at startstreaming');

  // (b) no Media Source: native HLS from the playlist route.
  const hls = await openTimeline(ui, stack.url, stack.admin, noMediaSource);
  pages.push(hls);
  const b = await playsFromClick(hls, stack.url, cameraCode);
  const bData = await videoDataset(hls.page);
  console.log(`phones (b) no Media Source: ${bData.playback} ${bData.codec}; first frame ${b.offsetSeconds >= 0 ? '+' : ''}${b.offsetSeconds} s from the clicked moment; click to moving picture ${b.latencyMs} ms`);
  assert.equal(bData.playback, 'hls');
  assert.ok(hls.requests.some((u) => u.includes('/api/cameras/cam-1/playlist.m3u8?from=')), 'the video plays the playlist route');
  assert.ok(Math.abs(b.offsetSeconds) <= 2, `plays from within 2 s of the clicked moment (${b.offsetSeconds} s)`);

  // (c) neither: words, and Download range.
  const neither = await openTimeline(ui, stack.url, stack.admin, noMediaSourceNoHls);
  pages.push(neither);
  const words = await neither.page.waitForSelector('.recorded-video .player-note.problem', { timeout: 30_000 });
  const cText = (await words.textContent()) ?? '';
  console.log(`phones (c) neither: "${cText}"`);
  assert.match(cText, /can play neither Media Source video nor HLS/);
  assert.match(cText, /Download range/);
  assert.ok(await neither.page.isVisible('button:has-text("Download range")'), 'the Download range button is there');
  assert.equal((await videoDataset(neither.page)).playback, 'none:no-player');
  await neither.screenshot('timeline-phone-no-player');

  // (d) the recording's codec refused: the message names the codec read from the init segment.
  const noDecode = await openTimeline(ui, stack.url, stack.admin, noH264);
  pages.push(noDecode);
  const refusal = await noDecode.page.waitForSelector('.recorded-video .player-note.problem', { timeout: 30_000 });
  const dText = (await refusal.textContent()) ?? '';
  const segments = (await (await noDecode.context.request.get(`${stack.url}/api/cameras/cam-1/segments?from=${Date.now() - 120_000}&to=${Date.now()}`)).json()) as Array<{ url: string }>;
  const init = readInit(new Uint8Array(await (await noDecode.context.request.get(stack.url + segments[0]!.url)).body()))!;
  console.log(`phones (d) codec refused: "${dText}"`);
  assert.ok(dText.includes(`This recording is H.264 (${init.codecs[0]})`), `names the recording's codec ${init.codecs[0]}: ${dText}`);
  assert.match(dText, /which this browser cannot decode/);

  // The playlist, as a native HLS player reads it: ffmpeg over HTTP with the session cookie, from the clicked moment.
  const cookies = await hls.context.cookies(stack.url);
  assert.ok(cookies.length > 0, 'a session cookie');
  const from = Math.round(b.clickedAt);
  const playlistUrl = `${stack.url}/api/cameras/cam-1/playlist.m3u8?from=${from}&to=${from + 20_000}`;
  const text = await (await hls.context.request.get(playlistUrl)).text();
  assert.match(text, /^#EXTM3U\n#EXT-X-VERSION:(\d+)\n/);
  assert.ok(Number(/#EXT-X-VERSION:(\d+)/.exec(text)![1]) >= 7, 'EXT-X-VERSION ≥ 7 (fMP4 with EXT-X-MAP)');
  const maps = [...text.matchAll(/#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@0"/g)];
  const ranges = [...text.matchAll(/#EXT-X-BYTERANGE:(\d+)@(\d+)\n(\S+)/g)];
  assert.ok(maps.length >= 4 && maps.length === ranges.length, `an EXT-X-MAP for each of the ${ranges.length} segments`);
  for (const [i, range] of ranges.entries()) {
    const [, length, offset, uri] = range;
    const [, mapUri, initLength] = maps[i]!;
    assert.equal(mapUri, uri, 'the map is the segment\'s own init section');
    assert.equal(offset, initLength, 'media starts where the init section ends');
    const body = new Uint8Array(await (await hls.context.request.get(stack.url + uri)).body());
    assert.equal(Number(initLength) + Number(length), body.length, `segment ${uri}: init + media byte ranges cover the file exactly`);
    const scan = scanInit(body.subarray(0, Number(initLength)), body.length);
    assert.ok(scan.kind === 'fragmented' && scan.initLength === Number(initLength) && scan.next === 'past-read', `segment ${uri}: the init range ends at the moov`);
  }
  const start = /#EXT-X-START:TIME-OFFSET=([\d.]+),PRECISE=YES/.exec(text);
  const firstStart = Date.parse(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(text)![1]!);
  // A click between two segments (a few ms apart) starts at the next one, with no offset.
  assert.ok(start || firstStart >= from, `EXT-X-START points at the clicked moment inside the first segment (from=${from}):\n${text.slice(0, 600)}`);
  const startOffset = start?.[1] ?? '0';
  // Set-Cookie lines as ffmpeg's http protocol takes them (it drops a cookie whose domain is an IP address).
  const cookieArgs = cookies.map((c) => `${c.name}=${c.value}; path=${c.path}`).join('\n');
  const probe = await run('ffprobe', ['-v', 'error', '-cookies', cookieArgs, '-show_entries', 'format=duration:stream=codec_name,width', '-of', 'json', playlistUrl], { timeout: 60_000 });
  const probed = JSON.parse(probe.stdout) as { format: { duration: string }; streams: Array<{ codec_name: string; width: number }> };
  const extinf = [...text.matchAll(/#EXTINF:([\d.]+),/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  assert.equal(probed.streams[0]?.codec_name, 'h264');
  assert.ok(Math.abs(Number(probed.format.duration) - extinf) < 2, `ffprobe reads ${probed.format.duration} s through the playlist (EXTINF sum ${extinf.toFixed(1)} s)`);
  const width = probed.streams[0]!.width;
  const code = await firstFrameCode(playlistUrl, width, { inputOptions: ['-cookies', cookieArgs], outputOptions: ['-ss', startOffset], timeoutMs: 60_000 });
  assert.ok(code, 'ffmpeg decodes a frame with the frame code from the playlist');
  const expected = await pictureSecondsAt(hls.context.request, stack.url, 'cam-1', from, width);
  const hlsOffset = wallSecondsDiff(code.wallSeconds, expected.wallSeconds);
  console.log(`phones playlist: ${ranges.length} segments, EXT-X-START ${startOffset} s, ffprobe ${Number(probed.format.duration).toFixed(1)} s h264 ${width} px; ffmpeg's frame at EXT-X-START is ${hlsOffset >= 0 ? '+' : ''}${hlsOffset} s from the clicked moment`);
  assert.ok(Math.abs(hlsOffset) <= 1, `the playlist's start is the clicked moment (${hlsOffset} s)`);

  for (const p of pages) {
    assert.deepEqual(p.foreign(), [], 'only Hearth\'s own origin is asked');
    assert.deepEqual(p.errors.filter((e) => !/status of 4\d\d/.test(e)), [], 'no script errors');
  }
});

