/**
 * The timeline page in a real chromium against a real simulator and `hearth start`:
 * a click on the scrubber 30 s in the past plays from that moment (checked against the
 * clock the simulator burns into every frame) and keeps playing across a segment
 * boundary; keys change speed and pause; ?t= follows the playhead; "Download range"
 * brings a playable MP4; markers of events with labels (and alerts) drawn apart from plain motion,
 * saying what they were when pointed at; a viewer sees only granted cameras and, for a live-only grant,
 * words instead of a player; nothing leaves the box. Prints the click-to-picture latency.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { startUiStack } from '../helpers/uiStack.ts';
import { runHearth } from '../helpers/hearthProcess.ts';
import { artifactsDir, launchBrowser, loginThroughForm, type RecordedPage } from '../helpers/browser.ts';
import { wallSecondsDiff } from '../../src/simulator/index.ts';
import { clickScrubberAgo, frameCodeOnScreen, pictureSecondsAt } from '../helpers/timelinePage.ts';
import { labelsMissing, seedEvent, seedEventLabels } from '../helpers/objectLabels.ts';
import { pollUntil } from '../helpers/poll.ts';

const run = promisify(execFile);

const videoTime = (page: Page) => page.$eval('.recorded-video video', (v) => (v as HTMLVideoElement).currentTime);

test('timeline: click-to-play from a past moment, across segment boundaries; keys, ?t=, download, viewer scope', { timeout: 240_000 }, async (t) => {
  const [stack, ui] = await Promise.all([startUiStack({ cameras: 3, scene: 'person', segmentSeconds: 4, viewerGrants: 1, motion: false }), launchBrowser()]);
  const downloads = mkdtempSync(path.join(os.tmpdir(), 'hearth-ui-export-'));
  const pages: RecordedPage[] = [];
  t.after(async () => {
    await ui.close();
    await stack.stop();
    rmSync(downloads, { recursive: true, force: true });
  });
  // cam-1: viewer may export; cam-2: live only; cam-3: nothing.
  const env = { HEARTH_CONFIG: path.join(stack.dataDir, 'hearth.yaml'), HEARTH_DATA: stack.dataDir };
  const granted = await runHearth(['user', 'grant', stack.viewer.username, 'cam-2', '--scope', 'live'], { env });
  assert.equal(granted.code, 0, granted.stderr);

  // Log in while the cameras record their first 45 s (startup is the slow part).
  const admin = await ui.newPage(stack.url);
  pages.push(admin);
  const { page } = admin;
  await loginThroughForm(page, stack.url, stack.admin.username, stack.admin.password);
  admin.errors.length = 0; // the live page after login has its own test; these pages are checked here
  await stack.waitForRecording(40, 120_000);
  await page.goto(stack.url + '/#/timeline/cam-1', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.scrubber canvas', { timeout: 15_000 });
  // Without ?t= it starts near the newest recording.
  await page.waitForFunction(() => (document.querySelector('.recorded-video video') as HTMLVideoElement | null)?.currentTime! > 0.3, null, { timeout: 30_000 });
  const options = await page.$$eval('select.camera-picker option', (o) => o.map((e) => (e as HTMLOptionElement).value));
  assert.deepEqual(options, ['cam-1', 'cam-2', 'cam-3']);

  // Zoom to a few minutes around "30 s ago" so one pixel is a fraction of a second, and click there.
  const clickedAt = await clickScrubberAgo(page, 30_000);
  await page.waitForFunction(() => (document.querySelector('.recorded-video video') as HTMLVideoElement).dataset.seekLatencyMs !== undefined, null, { timeout: 30_000 });
  const latencyMs = Number(await page.$eval('.recorded-video video', (v) => (v as HTMLVideoElement).dataset.seekLatencyMs));
  const first = await frameCodeOnScreen(page);
  assert.ok(first.code, 'the picture carries the simulator frame code (read back from the <video>)');
  assert.equal(first.code.cameraCode, stack.simulator.cameras[0]!.cameraCode, 'the picture is camera 1');
  // The recording's own clock: the picture in the first frame of the segment that holds the
  // clicked moment, against that segment's indexed start. The index stamps a segment when
  // its packets arrive, so it trails the picture by the camera's pipeline latency (seconds
  // for the simulator on a loaded 2-core box); "that moment" is the moment as recorded.
  const originMs = Number(await page.$eval('.recorded-video video', (v) => (v as HTMLVideoElement).dataset.originMs));
  const recorded = await pictureSecondsAt(admin.context.request, stack.url, 'cam-1', clickedAt, first.width);
  const { segment: containing, lagSeconds: captureLagSeconds, wallSeconds: expectedWallSeconds } = recorded;
  const offsetSeconds = wallSecondsDiff(first.code.wallSeconds, expectedWallSeconds);
  console.log(
    `timeline: seek latency click -> moving picture ${latencyMs} ms (${await page.$eval('.recorded-video video', (v) => (v as HTMLVideoElement).dataset.seekKind)} seek); ` +
      `first frame ${offsetSeconds >= 0 ? '+' : ''}${offsetSeconds} s from the clicked moment as recorded (the simulator's picture clock trails the index by ${captureLagSeconds} s on this loaded box)`,
  );
  assert.ok(Math.abs(offsetSeconds) <= 2, `plays from within 2 s of the clicked moment (frame clock differs by ${offsetSeconds} s)`);

  // Across the next segment boundary: currentTime passes it and keeps advancing.
  const boundary = (containing.end - originMs) / 1000;
  await page.waitForFunction((b) => (document.querySelector('.recorded-video video') as HTMLVideoElement).currentTime > b + 1, boundary, { timeout: 30_000 });
  const past = await videoTime(page);
  await page.waitForTimeout(1500);
  assert.ok((await videoTime(page)) > past + 0.3, 'keeps playing after the segment boundary');
  const after = await frameCodeOnScreen(page);
  assert.ok(after.code && wallSecondsDiff(after.code.wallSeconds, recorded.firstFrame.wallSeconds) >= Math.floor((containing.end - containing.start) / 1000), 'the picture after the boundary is from the next segment');

  // Keys: 2 = double speed, space = pause/play, ← = 10 s back.
  await page.locator('body').click({ position: { x: 5, y: 5 } }).catch(() => undefined);
  await page.keyboard.press('2');
  assert.equal(await page.$eval('.recorded-video video', (v) => (v as HTMLVideoElement).playbackRate), 2);
  await page.keyboard.press('1');
  await page.keyboard.press(' ');
  assert.equal(await page.$eval('.recorded-video video', (v) => (v as HTMLVideoElement).paused), true, 'space pauses');
  await page.keyboard.press(' ');
  await page.waitForFunction(() => !(document.querySelector('.recorded-video video') as HTMLVideoElement).paused, null, { timeout: 10_000 });
  const before = await videoTime(page);
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction((b) => (document.querySelector('.recorded-video video') as HTMLVideoElement).currentTime < b - 5, before, { timeout: 10_000 });

  // ?t= follows the playhead (debounced ~2 s).
  await page.waitForFunction(() => /[?&]t=\d{13}/.test(location.hash), null, { timeout: 10_000 });
  const tInUrl = Number(/t=(\d+)/.exec(await page.evaluate(() => location.hash))![1]);
  assert.ok(Math.abs(tInUrl - clickedAt) < 60_000, '?t= is near the moment being played');
  await admin.screenshot('timeline');

  // Download range: 20 s from the clicked moment, through the form, as one MP4.
  await page.click('button:has-text("Download range")');
  // Chromium runs in this machine's time zone, like Node: the form takes local times.
  const hms = (d: Date) => [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  const [fromValue, toValue] = [hms(new Date(clickedAt)), hms(new Date(clickedAt + 20_000))];
  await page.fill('input[name=from]', fromValue!);
  await page.fill('input[name=to]', toValue!);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('a:has-text("Download MP4")')]);
  const file = path.join(downloads, download.suggestedFilename());
  await download.saveAs(file);
  const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name,width,height', '-of', 'json', file]);
  const info = JSON.parse(probe.stdout) as { format: { duration: string }; streams: Array<{ codec_name: string; width: number }> };
  const seconds = Number(info.format.duration);
  console.log(`timeline: export ${download.suggestedFilename()} ${statSync(file).size} bytes, ${seconds.toFixed(1)} s, ${info.streams[0]?.codec_name} ${info.streams[0]?.width} px`);
  assert.match(download.suggestedFilename(), /^cam-1-.*\.mp4$/);
  assert.equal(info.streams[0]?.codec_name, 'h264');
  assert.ok(seconds > 12 && seconds < 30, `the export is about 20 s long (${seconds} s)`);

  // A phone.
  // A phone: same session (its requests are recorded with the admin's), a 390x844 screen.
  const phone = { page: await admin.context.newPage(), errors: [] as string[] };
  phone.page.on('pageerror', (error) => phone.errors.push(error.message));
  await phone.page.setViewportSize({ width: 390, height: 844 });
  await phone.page.goto(`${stack.url}/#/timeline/cam-1?t=${Math.round(clickedAt)}`, { waitUntil: 'domcontentloaded' });
  await phone.page.waitForFunction(() => (document.querySelector('.recorded-video video') as HTMLVideoElement | null)?.currentTime! > 0.3, null, { timeout: 30_000 });
  const phoneCode = await frameCodeOnScreen(phone.page);
  assert.ok(phoneCode.code && Math.abs(wallSecondsDiff(phoneCode.code.wallSeconds, expectedWallSeconds)) <= 4, 'a bookmark with ?t= returns to that moment');
  await phone.page.screenshot({ path: path.join(artifactsDir, 'timeline-phone.png') });
  assert.deepEqual(phone.errors, [], 'no script errors on the phone');

  await t.test('markers: labelled events and alerts apart from motion, with what they were in the tooltip', async () => {
    // Three finished events on cam-1 (motion is off here, so they are the only ones), 4 min apart.
    const now = Date.now();
    const plainAt = now - 14 * 60_000;
    const dogAt = now - 10 * 60_000;
    const alertAt = now - 6 * 60_000;
    await seedEvent(stack.dataDir, 'cam-1', plainAt, plainAt + 8000);
    await seedEventLabels(stack.dataDir, await seedEvent(stack.dataDir, 'cam-1', dogAt, dogAt + 8000), [{ label: 'dog', score: 0.71 }], false);
    await seedEventLabels(stack.dataDir, await seedEvent(stack.dataDir, 'cam-1', alertAt, alertAt + 8000), [{ label: 'person', score: 0.93 }], true);
    const coverage = (await page.evaluate(async (q) => (await fetch(`/api/cameras/cam-1/coverage?${q}`)).json(), `from=${plainAt - 60_000}&to=${now}`)) as { events: object[] };
    const missing = labelsMissing('coverage markers', coverage.events);
    assert.equal(missing, null, "the server sends labels (migration 006 and the events route are in this tree)");
    // A fresh page without ?t=: an hour's view ending a few minutes after now holds all three.
    await page.goto('about:blank');
    await page.goto(stack.url + '/#/timeline/cam-1', { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.scrubber canvas', { timeout: 15_000 });
    const canvas = (await page.$('.scrubber canvas'))!;
    /** Points at the middle of the marker of the event at `atMs`: the canvas's tooltip and the marker bar's colour there. */
    const pointAt = async (atMs: number) => {
      const box = (await canvas.boundingBox())!;
      const start = Number(await canvas.getAttribute('data-view-start'));
      const end = Number(await canvas.getAttribute('data-view-end'));
      const y = 29; // inside the marker bar along the top of the band (the band starts 26 px down)
      await page.mouse.move(box.x + ((atMs + 4000 - start) / (end - start)) * box.width, box.y + y);
      // The bar's colour: the brightest pixel a few pixels either side of its middle, in the
      // canvas's own coordinates (its drawing width excludes the border; edges are antialiased).
      const rgb = await canvas.evaluate((c, [midMs, py, viewStart, viewEnd]) => {
        const canvasEl = c as HTMLCanvasElement;
        const ratio = window.devicePixelRatio || 1;
        const px = ((midMs! - viewStart!) / (viewEnd! - viewStart!)) * canvasEl.clientWidth;
        const row = canvasEl.getContext('2d')!.getImageData(Math.round((px - 4) * ratio), Math.round(py! * ratio), Math.round(8 * ratio), 1).data;
        let best = [0, 0, 0];
        for (let i = 0; i < row.length; i += 4) if (row[i]! + row[i + 1]! + row[i + 2]! > best[0]! + best[1]! + best[2]!) best = [row[i]!, row[i + 1]!, row[i + 2]!];
        return best;
      }, [atMs + 4000, y, start, end]);
      return { title: (await canvas.getAttribute('title')) ?? '', rgb };
    };
    const alerted = await pollUntil('the alert marker on the timeline', 30_000, async () => {
      const seen = await pointAt(alertAt);
      return /^Alert: Person at /.test(seen.title) ? seen : null;
    });
    const dog = await pointAt(dogAt);
    const plain = await pointAt(plainAt);
    console.log(`timeline markers: ${JSON.stringify({ alerted, dog, plain })}`);
    assert.match(dog.title, /^Dog at /);
    assert.match(plain.title, /^Motion at /);
    const [ar, ag] = alerted.rgb as [number, number, number];
    const [dr, , db] = dog.rgb as [number, number, number];
    const [pr, pg, pb] = plain.rgb as [number, number, number];
    assert.ok(pr > 200 && pg > 100 && pg < 180 && pb < 90, `plain motion is orange (${plain.rgb})`);
    assert.ok(db > 200 && dr < 150, `a labelled event is blue (${dog.rgb})`);
    assert.ok(ar > 200 && ag < 120, `an alert is red (${alerted.rgb})`);
    await admin.screenshot('timeline-labels');
  });

  // The viewer: cam-1 (export) and cam-2 (live only) in the picker, cam-3 nowhere.
  const viewer = await ui.newPage(stack.url);
  pages.push(viewer);
  await loginThroughForm(viewer.page, stack.url, stack.viewer.username, stack.viewer.password);
  viewer.errors.length = 0;
  await viewer.page.goto(stack.url + '/#/timeline', { waitUntil: 'domcontentloaded' });
  await viewer.page.waitForSelector('select.camera-picker', { timeout: 15_000 });
  assert.deepEqual(await viewer.page.$$eval('select.camera-picker option', (o) => o.map((e) => (e as HTMLOptionElement).value)), ['cam-1', 'cam-2']);
  await viewer.page.waitForFunction(() => (document.querySelector('.recorded-video video') as HTMLVideoElement | null)?.currentTime! > 0.3, null, { timeout: 30_000 });
  await viewer.page.selectOption('select.camera-picker', 'cam-2');
  const liveOnly = await viewer.page.waitForSelector('text=but not its recordings', { timeout: 15_000 });
  assert.match((await liveOnly.textContent()) ?? '', /watch Garden live/);
  await viewer.page.goto(stack.url + '/#/timeline/cam-3', { waitUntil: 'domcontentloaded' });
  await viewer.page.waitForSelector('text=does not exist or you may not see it', { timeout: 15_000 });
  assert.deepEqual(
    viewer.requests.filter((u) => /cam-3|cam-2\/(segments|playlist)/.test(u)),
    [],
    'the viewer page never asks for recordings it may not have',
  );

  for (const p of pages) {
    assert.deepEqual(p.foreign(), [], 'only Hearth\'s own origin is asked');
    assert.deepEqual(p.errors.filter((e) => !/status of 4\d\d/.test(e)), [], 'no script errors');
  }
});
