/**
 * The fallback live view (node-rtsp-stream's MPEG-1 muxer fed from Hearth's own fan-out):
 * a real camera's live picture arrives as MPEG-TS/MPEG-1 that ffprobe reads; two viewers
 * share one transcoder; it stops after the last viewer leaves; a viewer without the grant
 * gets 404 and no transcoder starts for them; JSMpeg in chromium draws the picture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startUiStack } from '../helpers/uiStack.ts';
import { childPids, commandLine } from '../helpers/processCpu.ts';
import sharp from 'sharp';
import { launchBrowser, loginThroughForm } from '../helpers/browser.ts';
import { readLive } from '../helpers/liveRead.ts';
import { login } from '../helpers/apiSession.ts';

const transcoders = (hearthPid: number): number[] => childPids(hearthPid).filter((pid) => commandLine(pid).includes('mpeg1video'));

async function waitFor(what: string, timeoutMs: number, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('fallback live view: MPEG-1 from the fan-out, one shared transcoder, stopped after the last viewer, drawn by JSMpeg', { timeout: 180_000 }, async (t) => {
  const stack = await startUiStack({ cameras: 2, motion: false, viewerGrants: 1 });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hearth-mpeg1-'));
  t.after(async () => {
    await stack.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  await stack.waitForRecording(4);
  const hearthPid = stack.hearth.child.pid!;
  const admin = await login(stack.url, stack.admin.username, stack.admin.password);
  const url = `${stack.url}/api/cameras/${stack.cameraIds[0]}/live.ts`;

  // Two viewers at once share one transcoder.
  const [a, b] = await Promise.all([readLive(url, admin, 8000, 400_000), (async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const running = transcoders(hearthPid).length;
    const read = await readLive(url, admin, 5000, 200_000);
    return { ...read, running };
  })()]);
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  assert.equal(b.running, 1, 'one transcoder while two watch');
  assert.ok(a.bytes.length > 50_000, `got ${a.bytes.length} bytes`);
  let syncOk = 0;
  for (let i = 0; i + 188 <= a.bytes.length && i < 188 * 200; i += 188) if (a.bytes[i] === 0x47) syncOk += 1;
  assert.ok(syncOk >= 190, `MPEG-TS packets (sync bytes ${syncOk}/200)`);
  const file = path.join(tmp, 'live.ts');
  writeFileSync(file, a.bytes);
  const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', file], { encoding: 'utf8' });
  const stream = JSON.parse(probe.stdout).streams[0];
  assert.equal(stream.codec_name, 'mpeg1video');
  assert.equal(stream.width, 640);

  // After the last viewer leaves, the transcoder stops by itself.
  const stoppedAfter = Date.now();
  await waitFor('the transcoder to stop after the last viewer left', 20_000, () => transcoders(hearthPid).length === 0);
  const stopMs = Date.now() - stoppedAfter;

  // A viewer without a grant on camera 2: 404, and no transcoder starts.
  const guest = await login(stack.url, stack.viewer.username, stack.viewer.password);
  const denied = await readLive(`${stack.url}/api/cameras/${stack.cameraIds[1]}/live.ts`, guest, 3000, 1000);
  assert.equal(denied.status, 404);
  assert.equal(transcoders(hearthPid).length, 0);

  // JSMpeg draws it in a browser that cannot decode the camera's codec (here: one that
  // says no to H.264, as most say no to H.265): the live view switches to the canvas.
  const ui = await launchBrowser();
  t.after(() => ui.close());
  const recorded = await ui.newPage(stack.url);
  await recorded.context.addInitScript(() => {
    const original = MediaSource.isTypeSupported.bind(MediaSource);
    MediaSource.isTypeSupported = (type: string) => !/avc1|avc3/.test(type) && original(type);
  });
  await loginThroughForm(recorded.page, stack.url, stack.admin.username, stack.admin.password);
  await recorded.page.goto(`${stack.url}/#/camera/${stack.cameraIds[0]}`);
  await recorded.page.waitForSelector('canvas[data-player=mpeg1]', { timeout: 15_000 });
  const started = Date.now();
  let lit = 0;
  while (Date.now() - started < 30_000) {
    // A screenshot of the element: reads WebGL and 2D canvases alike (WebGL ones cannot be read back by script).
    const png = await recorded.page.locator('canvas[data-player=mpeg1]').screenshot({ timeout: 10_000 });
    const { data, info } = await sharp(png).resize(64, 36, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    lit = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i]! + data[i + 1]! + data[i + 2]! > 60) lit += 1;
    if (lit > 500) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await recorded.screenshot('live-fallback-mpeg1');
  assert.ok(lit > 500, `the canvas shows a picture (${lit} of 2304 pixels lit); page errors: ${recorded.errors.join(' | ')}`);
  assert.deepEqual(recorded.foreign(), []);
  console.log(`web-live-fallback: ${a.bytes.length} bytes of MPEG-TS in 8 s, 1 transcoder for 2 viewers, stopped ${stopMs} ms after the last left, canvas ${lit}/2304 lit`);
});
