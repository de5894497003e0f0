/**
 * In Debian's Chromium, which cannot decode H.265: cameras that send H.265 (GStreamer's
 * RTSP server with x265enc, not Hearth's simulator) are recorded by a real `hearth start`.
 * One without a sub stream plays from the clicked moment through Hearth's H.264 copy, the
 * picture moving, the player saying in words that it is converted on this box for this
 * browser; one with an H.264 sub stream plays that recording instead and says so. Prints
 * the click-to-moving-picture latency of each (the first includes the conversion).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { runHearth, startHearthProcess, type RunningHearthProcess } from '../helpers/hearthProcess.ts';
import { launchBrowser, loginThroughForm, type UiBrowser } from '../helpers/browser.ts';
import { startH265RtspCamera, type H265RtspCamera } from '../helpers/h265RtspCamera.ts';

const run = promisify(execFile);
const video = '.recorded-video video';

/** Sum of luma over the picture on screen at 64x36, and its spread (a blank frame has none). */
async function pictureStats(page: Page): Promise<{ luma: number[]; spread: number }> {
  return page.evaluate((selector) => {
    const v = document.querySelector(selector) as HTMLVideoElement;
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 36;
    const g = canvas.getContext('2d', { willReadFrequently: true })!;
    g.drawImage(v, 0, 0, 64, 36);
    const rgba = g.getImageData(0, 0, 64, 36).data;
    const luma: number[] = [];
    for (let i = 0; i < rgba.length; i += 4) luma.push(Math.round(0.299 * rgba[i]! + 0.587 * rgba[i + 1]! + 0.114 * rgba[i + 2]!));
    return { luma, spread: Math.max(...luma) - Math.min(...luma) };
  }, video);
}

async function waitForRecordedSeconds(dataDir: string, cameraId: string, seconds: number, hearth: RunningHearthProcess, timeoutMs: number, stream = 'main'): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const db = new Database(path.join(dataDir, 'hearth.db'), { readonly: true, fileMustExist: true });
    let ms = 0;
    try {
      ms = (db.prepare('SELECT coalesce(sum(end_ms - start_ms), 0) AS ms FROM segments WHERE camera_id = ? AND stream = ?').get(cameraId, stream) as { ms: number }).ms;
    } finally {
      db.close();
    }
    if (ms >= seconds * 1000) return;
    if (Date.now() > deadline) throw new Error(`${cameraId} did not record ${seconds} s within ${timeoutMs} ms (has ${ms} ms); hearth output:\n${hearth.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('timeline in Chromium: a recorded H.265 camera plays from the clicked moment, converted on the box or from its sub stream, and says which', { timeout: 240_000 }, async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-ui-h265-'));
  let camera: H265RtspCamera | undefined;
  let hearth: RunningHearthProcess | undefined;
  let ui: UiBrowser | undefined;
  t.after(async () => {
    await ui?.close();
    await hearth?.stop('SIGTERM');
    await camera?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  [camera, ui] = await Promise.all([startH265RtspCamera({
      mounts: [
        { path: '/h265', codec: 'h265', width: 640, height: 360, fps: 10, gop: 20, kbps: 400 },
        { path: '/h265-b', codec: 'h265', width: 640, height: 360, fps: 10, gop: 20, kbps: 400 },
        { path: '/h265-b-sub', codec: 'h264', width: 320, height: 180, fps: 10, gop: 20, kbps: 80 },
      ],
    }), launchBrowser()]);
  const configFile = path.join(dataDir, 'hearth.yaml');
  writeFileSync(configFile, ['recording:', '  segmentSeconds: 4', 'cameras:', '  - id: hevc-1', '    name: Back door', '    streams:', `      main: ${camera.url}`, '    motion:', '      enabled: false',
    '  - id: hevc-2', '    name: Side gate', '    streams:', `      main: ${camera.urlOf('/h265-b')}`, `      sub: ${camera.urlOf('/h265-b-sub')}`, '    motion:', '      enabled: false', ''].join('\n'));
  const env = { HEARTH_CONFIG: configFile, HEARTH_DATA: dataDir, HEARTH_LOG_LEVEL: 'info' };
  const admin = { username: 'admin', password: 'admin-pass-1234' };
  const added = await runHearth(['user', 'add', admin.username, '--role', 'admin', '--password-stdin'], { env, input: admin.password + '\n' });
  assert.equal(added.code, 0, added.stderr);
  hearth = await startHearthProcess(['--port', '0', '--host', '127.0.0.1'], { env, timeoutMs: 60_000 });
  const url = hearth.url;

  const { page, requests, errors, foreign, screenshot } = await ui.newPage(url);
  assert.equal(await page.evaluate(() => MediaSource.isTypeSupported('video/mp4; codecs="hev1.1.6.L93.B0"')), false, 'this Chromium cannot decode H.265 (else this test proves nothing)');
  const refused: string[] = [];
  page.on('response', (r) => void (r.status() >= 400 && refused.push(`${r.status()} ${new URL(r.url()).pathname}`)));
  await loginThroughForm(page, url, admin.username, admin.password);
  // The live grid after login asks for snapshots of cameras that have recorded nothing yet (404): not this test's business.
  await page.goto('about:blank');
  await waitForRecordedSeconds(dataDir, 'hevc-1', 36, hearth, 150_000);
  errors.length = 0;
  refused.length = 0;

  // The recording itself is H.265 (what the camera sent, stream-copied).
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path.join(dataDir, 'hearth.db'), { readonly: true });
  const newest = db.prepare("SELECT path FROM segments WHERE camera_id = 'hevc-1' ORDER BY start_ms DESC LIMIT 1").get() as { path: string };
  db.close();
  const probed = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', path.join(dataDir, 'recordings', newest.path)]);
  assert.equal(probed.stdout.trim(), 'hevc', 'the camera is recorded as H.265');

  await page.goto(url + '/#/timeline/hevc-1', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.scrubber canvas', { timeout: 15_000 });
  // Without ?t= it starts near the newest recording, already through the fallback.
  await page.waitForFunction((s) => (document.querySelector(s) as HTMLVideoElement | null)?.currentTime! > 0.3, video, { timeout: 60_000 });

  // Zoom in around "20 s ago" and click there.
  const canvas = (await page.$('.scrubber canvas'))!;
  const spotOf = async (wallMs: number) => {
    const box = (await canvas.boundingBox())!;
    const start = Number(await canvas.getAttribute('data-view-start'));
    const end = Number(await canvas.getAttribute('data-view-end'));
    assert.ok(wallMs > start && wallMs < end, 'the scrubber shows the target');
    const x = Math.round(box.x + ((wallMs - start) / (end - start)) * box.width);
    return { x, y: box.y + box.height * 0.7, atMs: start + ((x - box.x) / box.width) * (end - start) };
  };
  let spot = await spotOf(Date.now() - 20_000);
  await page.mouse.move(spot.x, spot.y);
  for (let i = 0; i < 3; i += 1) await page.mouse.wheel(0, -300);
  await page.waitForTimeout(300);
  spot = await spotOf(Date.now() - 20_000);
  await page.$eval(video, (v) => delete (v as HTMLVideoElement).dataset.seekLatencyMs);
  await page.mouse.click(spot.x, spot.y);
  const clickedAt = spot.atMs;
  await page.waitForFunction((s) => (document.querySelector(s) as HTMLVideoElement).dataset.seekLatencyMs !== undefined, video, { timeout: 60_000 });
  const state = await page.$eval(video, (v) => {
    const el = v as HTMLVideoElement;
    return { latencyMs: Number(el.dataset.seekLatencyMs), kind: el.dataset.seekKind, source: el.dataset.playbackSource, wallMs: Number(el.dataset.originMs) + el.currentTime * 1000, width: el.videoWidth };
  });
  const offsetSeconds = (state.wallMs - clickedAt) / 1000;
  console.log(`timeline h265: click -> moving picture ${state.latencyMs} ms (${state.kind} seek, source ${state.source}); playhead ${offsetSeconds >= 0 ? '+' : ''}${offsetSeconds.toFixed(2)} s from the clicked moment; ${state.width} px wide`);
  assert.equal(state.source, 'h264-copy', 'plays Hearth\'s H.264 copy');
  assert.ok(offsetSeconds >= -0.5 && offsetSeconds <= 2, `plays from the clicked moment (playhead ${offsetSeconds.toFixed(2)} s from it)`);

  // The picture moves (the ball, the clock) and is a picture, not a blank frame.
  const before = await pictureStats(page);
  const timeBefore = await page.$eval(video, (v) => (v as HTMLVideoElement).currentTime);
  await page.waitForTimeout(1500);
  const after = await pictureStats(page);
  const timeAfter = await page.$eval(video, (v) => (v as HTMLVideoElement).currentTime);
  const changed = before.luma.filter((l, i) => Math.abs(l - after.luma[i]!) > 12).length;
  assert.ok(timeAfter > timeBefore + 0.5, `currentTime advances (${timeBefore.toFixed(2)} -> ${timeAfter.toFixed(2)})`);
  assert.ok(before.spread > 40 && after.spread > 40, 'a picture is on screen');
  assert.ok(changed > 5, `the picture moves (${changed} of 2304 points changed in 1.5 s)`);

  // In words, over the player.
  const note = await page.textContent('.playback-source');
  assert.match(note ?? '', /converted on this box for this browser/);
  assert.ok(requests.some((u) => /\/api\/segments\/\d+\/h264\.mp4$/.test(u)), 'the player asked for the H.264 copy');
  await screenshot('timeline-h265');

  // A camera with an H.264 sub stream: its sub recording plays, and the player says so.
  await waitForRecordedSeconds(dataDir, 'hevc-2', 20, hearth, 120_000, 'sub');
  const copiesBefore = requests.filter((u) => u.endsWith('/h264.mp4')).length;
  await page.goto(url + '/#/timeline/hevc-2', { waitUntil: 'domcontentloaded' });
  // The start near the newest recording plays first (its own seek must be over before the click's).
  await page.waitForFunction((s) => {
    const v = document.querySelector(s) as HTMLVideoElement | null;
    return v?.dataset.playbackSource === 'sub' && v.currentTime > 0.3 && v.dataset.seekLatencyMs !== undefined;
  }, video, { timeout: 60_000 });
  const canvas2 = (await page.$('.scrubber canvas'))!;
  const box2 = (await canvas2.boundingBox())!;
  const [start2, end2] = [Number(await canvas2.getAttribute('data-view-start')), Number(await canvas2.getAttribute('data-view-end'))];
  const target2 = Date.now() - 14_000;
  const x2 = Math.round(box2.x + ((target2 - start2) / (end2 - start2)) * box2.width);
  const clicked2 = start2 + ((x2 - box2.x) / box2.width) * (end2 - start2);
  await page.$eval(video, (v) => delete (v as HTMLVideoElement).dataset.seekLatencyMs);
  await page.mouse.click(x2, box2.y + box2.height * 0.7);
  await page.waitForFunction((s) => (document.querySelector(s) as HTMLVideoElement).dataset.seekLatencyMs !== undefined, video, { timeout: 60_000 });
  const sub = await page.$eval(video, (v) => {
    const el = v as HTMLVideoElement;
    return { latencyMs: Number(el.dataset.seekLatencyMs), kind: el.dataset.seekKind, source: el.dataset.playbackSource, wallMs: Number(el.dataset.originMs) + el.currentTime * 1000, width: el.videoWidth, t: el.currentTime };
  });
  const subOffset = (sub.wallMs - clicked2) / 1000;
  console.log(`timeline h265 sub: click -> moving picture ${sub.latencyMs} ms (${sub.kind} seek, source ${sub.source}); playhead ${subOffset >= 0 ? '+' : ''}${subOffset.toFixed(2)} s from the clicked moment; ${sub.width} px wide`);
  assert.equal(sub.source, 'sub');
  assert.equal(sub.width, 320, 'the picture is the sub stream\'s');
  assert.ok(subOffset >= -0.5 && subOffset <= 2, `plays from the clicked moment (playhead ${subOffset.toFixed(2)} s from it)`);
  await page.waitForTimeout(1500);
  assert.ok((await page.$eval(video, (v) => (v as HTMLVideoElement).currentTime)) > sub.t + 0.5, 'and keeps playing');
  assert.match((await page.textContent('.playback-source')) ?? '', /shown as H\.264 from the sub stream/);
  assert.equal(requests.filter((u) => u.endsWith('/h264.mp4')).length, copiesBefore, 'nothing converted for a camera with a sub recording');
  await screenshot('timeline-h265-sub');
  assert.deepEqual(foreign(), [], 'nothing leaves the box');
  assert.deepEqual(errors, [], `no script or console errors (refused requests: ${refused.join(', ') || 'none'})`);
});
