/**
 * Settings in a real chromium: the camera list, a config camera shown read-only with its
 * file, a camera added by RTSP URL that records at once, its name/sensitivity/mask edited
 * by dragging on the snapshot, ONVIF adoption by address (wrong password refused, nothing
 * stored; right one stores the serial), grants changed in the users table, and a viewer
 * who sees no settings at all. Every request stays on Hearth's origin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, loginThroughForm } from '../helpers/browser.ts';
import { startUiStack } from '../helpers/uiStack.ts';
import { startFleet, stopFleet } from '../helpers/simulatedOnvifFleet.ts';
import { pollUntil } from '../helpers/poll.ts';

test('settings: cameras, add by URL, edit with a mask, ONVIF adoption, grants; viewers see none of it', { timeout: 240_000 }, async (t) => {
  const stack = await startUiStack({ cameras: 2, motion: false, viewerGrants: 1 });
  const fleet = await startFleet({ count: 1, discoveryPort: 20000 + (process.pid % 10000), serialPrefix: `WS${process.pid}` });
  const ui = await launchBrowser();
  t.after(async () => {
    await ui.close();
    await stopFleet(fleet);
    await stack.stop();
  });
  const admin = await ui.newPage(stack.url);
  const { page } = admin;
  await loginThroughForm(page, stack.url, stack.admin.username, stack.admin.password);
  const api = async (path: string) => page.evaluate(async (p) => (await fetch(p)).json(), path);

  // The camera list, and a config camera is read-only with the file named.
  await page.goto(`${stack.url}/#/settings/cameras`);
  await page.waitForSelector('table.camera-table tbody tr >> nth=1', { timeout: 15_000 });
  assert.match((await page.textContent('table.camera-table')) ?? '', /Front door[\s\S]*Garden/);
  await admin.screenshot('settings-cameras');
  await page.click('table.camera-table a:has-text("Front door")');
  await page.waitForSelector('.notice:has-text("hearth.yaml")', { timeout: 15_000 });
  assert.equal(await page.$('button[type=submit]:has-text("Save")'), null, 'no Save for a config camera');

  // Add by RTSP URL: it starts recording without a restart.
  await page.goto(`${stack.url}/#/settings/add`);
  await page.waitForSelector('form[aria-label="Add by RTSP URL"]');
  await page.fill('input[name=id]', 'shed');
  await page.fill('form[aria-label="Add by RTSP URL"] input[name=name]', 'Shed');
  await page.fill('input[name=rtspMain]', stack.simulator.cameras[1]!.rtspUrl('sub', true));
  await page.click('form[aria-label="Add by RTSP URL"] button[type=submit]');
  await page.waitForSelector('h2:has-text("Added Shed")', { timeout: 15_000 });
  const recording = await pollUntil('the added camera to record', 90_000, async () => {
    const cams = (await api('/api/cameras')) as Array<{ id: string; state: string }>;
    return cams.find((c) => c.id === 'shed' && c.state === 'recording') ?? null;
  });
  assert.equal(recording.state, 'recording');

  // Edit it: name, sensitivity, and a mask dragged on the snapshot.
  await page.goto(`${stack.url}/#/settings/cameras/shed`);
  await page.waitForSelector('[data-testid=mask-canvas]', { timeout: 15_000 });
  await page.fill('input[name=name]', 'Garden shed');
  await page.$eval('input[name=sensitivity]', (el: HTMLInputElement) => {
    el.value = '75';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const box = (await (await page.$('[data-testid=mask-canvas]'))!.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.1);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.3, { steps: 5 });
  await page.mouse.up();
  assert.equal((await page.$$('[data-testid=mask]')).length, 1, 'the drag drew one mask');
  await admin.screenshot('settings-camera-mask');
  await page.click('button[type=submit]:has-text("Save")');
  await page.waitForSelector('[role=status]:has-text("Saved")', { timeout: 15_000 });
  const saved = (await api('/api/cameras/shed/settings')) as { name: string; motion: { sensitivity: number; masks: Array<{ x: number; y: number; w: number; h: number }> } };
  assert.equal(saved.name, 'Garden shed');
  assert.equal(saved.motion.sensitivity, 75);
  assert.equal(saved.motion.masks.length, 1);
  const [mask] = saved.motion.masks;
  assert.ok(Math.abs(mask!.x - 0.1) < 0.02 && Math.abs(mask!.w - 0.4) < 0.02 && Math.abs(mask!.h - 0.2) < 0.02, JSON.stringify(mask));

  // ONVIF adoption by address: discovery is off here (no multicast), the page says so.
  await page.goto(`${stack.url}/#/settings/add`);
  await page.waitForSelector('.notice:has-text("discovery is off")', { timeout: 15_000 });
  const camera = fleet[0]!;
  await page.fill('input[name=onvifAddress]', camera.service.url);
  await page.click('form[aria-label="Add by ONVIF address"] button[type=submit]');
  await page.fill('form[aria-label="Camera credentials"] input[name=name]', 'Porch');
  await page.fill('form[aria-label="Camera credentials"] input[name=username]', camera.username);
  await page.fill('form[aria-label="Camera credentials"] input[name=password]', 'wrong-password');
  await page.click('form[aria-label="Camera credentials"] button[type=submit]');
  const refused = await page.waitForSelector('form[aria-label="Camera credentials"] [role=alert]', { timeout: 30_000 });
  const refusal = (await refused.textContent()) ?? '';
  assert.match(refusal, /password|credentials|refused/i, refusal);
  assert.equal(((await api('/api/cameras')) as unknown[]).length, 3, 'a wrong password stores nothing');
  await admin.screenshot('settings-adopt-refused');
  await page.fill('form[aria-label="Camera credentials"] input[name=password]', camera.password);
  await page.click('form[aria-label="Camera credentials"] button[type=submit]');
  await page.waitForSelector(`[role=status]:has-text("${camera.serialNumber}")`, { timeout: 30_000 });
  const adopted = ((await api('/api/cameras')) as Array<{ id: string; identity: { serial: string; verified: boolean } }>).find((c) => c.identity.serial === camera.serialNumber);
  assert.ok(adopted?.identity.verified, 'the adopted camera carries its verified serial');

  // Grants: give the viewer live on the second camera.
  await page.goto(`${stack.url}/#/settings/users`);
  const select = `tr[data-user=${stack.viewer.username}] select[data-camera=${stack.cameraIds[1]}]`;
  await page.waitForSelector(select, { timeout: 15_000 });
  await page.selectOption(select, 'live');
  await pollUntil('the grant to be stored', 15_000, async () => {
    const users = (await api('/api/users')) as Array<{ username: string; grants: Array<{ camera: string; scope: string }> }>;
    return users.find((u) => u.username === stack.viewer.username)?.grants.find((g) => g.camera === stack.cameraIds[1] && g.scope === 'live') ?? null;
  });
  await admin.screenshot('settings-users');
  assert.deepEqual(admin.foreign(), [], 'the admin pages asked only their own origin');

  // A viewer: no Settings link, settings routes show the live page, settings API refused.
  const viewer = await ui.newPage(stack.url);
  await loginThroughForm(viewer.page, stack.url, stack.viewer.username, stack.viewer.password);
  assert.doesNotMatch((await viewer.page.textContent('nav.topnav')) ?? '', /Settings/);
  await viewer.page.goto(`${stack.url}/#/settings/users`);
  await viewer.page.waitForTimeout(500);
  assert.equal(await viewer.page.$('table.grants'), null, 'a viewer never sees the users table');
  const status = await viewer.page.evaluate(async () => (await fetch('/api/cameras/shed/settings')).status);
  assert.equal(status, 403);
  assert.deepEqual(viewer.foreign(), []);
  console.log(`web-settings: ${admin.requests.length + viewer.requests.length} requests checked, 0 foreign; added camera recording; mask ${JSON.stringify(mask)}`);
});
