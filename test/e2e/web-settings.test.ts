/**
 * Settings in a real chromium: the camera list, a config camera shown read-only with its
 * file, a camera added by RTSP URL that records at once, its name/sensitivity/mask edited
 * by dragging on the snapshot, its object settings (alert kinds, minimum score, a named zone drawn
 * on the snapshot) saved and shown again, ONVIF adoption by address (wrong password refused, nothing
 * stored; right one stores the serial), grants changed in the users table, and a viewer
 * who sees no settings at all. Every request stays on Hearth's origin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, loginThroughForm } from '../helpers/browser.ts';
import { startUiStack } from '../helpers/uiStack.ts';
import { startFleet, stopFleet } from '../helpers/simulatedOnvifFleet.ts';
import { pollUntil } from '../helpers/poll.ts';

interface ObjectSettings {
  enabled: boolean;
  alert: string[];
  minScore: number;
  zones: Array<{ name: string; labels: string[]; x: number; y: number; w: number; h: number }>;
}

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

  await t.test('objects: alert kinds, minimum score and a named zone round-trip through PATCH; a config camera shows them read-only', async () => {
    const before = (await api('/api/cameras/shed/settings')) as { objects: ObjectSettings };
    assert.deepEqual(before.objects, { enabled: true, alert: ['person', 'vehicle', 'animal'], minScore: 0.5, zones: [] }, 'an adopted camera starts with the default object settings');
    // (The page is this camera's already: reload, so nothing of the save above is left on it.)
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForSelector('[data-testid=objects-section] [data-testid=zone-canvas]', { timeout: 15_000 });
    await page.uncheck('input[name=objectsAlert][value=vehicle]');
    await page.fill('input[name=minScore]', '70');
    await page.press('input[name=minScore]', 'Tab');
    await page.waitForSelector('[data-testid=objects-section] label:has-text("Minimum score: 70%")', { timeout: 5_000 });
    // A zone on the lower left of the picture, for people and vehicles.
    const zoneBox = (await (await page.$('[data-testid=zone-canvas]'))!.boundingBox())!;
    await page.mouse.move(zoneBox.x + zoneBox.width * 0.1, zoneBox.y + zoneBox.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(zoneBox.x + zoneBox.width * 0.3, zoneBox.y + zoneBox.height * 0.7, { steps: 5 });
    await page.mouse.move(zoneBox.x + zoneBox.width * 0.5, zoneBox.y + zoneBox.height * 0.9, { steps: 5 });
    await page.mouse.up();
    assert.equal((await page.$$('[data-testid=zone]')).length, 1, 'the drag drew one zone');
    assert.equal((await page.$$('[data-testid=mask]')).length, 1, 'drawing a zone added no mask');
    await page.fill('input[name=zoneName0]', 'driveway');
    assert.equal(await page.isChecked('input[name=zoneLabels0][value=person]'), true, 'a new zone is for people');
    await page.check('input[name=zoneLabels0][value=vehicle]');
    await admin.screenshot('settings-camera-objects');
    const [patched] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/cameras/shed/settings') && r.request().method() === 'PATCH', { timeout: 15_000 }),
      page.click('button[type=submit]:has-text("Save")'),
    ]);
    assert.equal(patched.status(), 200, await patched.text());
    const sent = patched.request().postDataJSON() as { objects?: ObjectSettings };
    assert.deepEqual(sent.objects?.alert, ['person', 'animal'], 'the PATCH carries the objects settings');
    await page.waitForSelector('[role=status]:has-text("Saved")', { timeout: 15_000 });

    const after = (await api('/api/cameras/shed/settings')) as { objects: ObjectSettings; motion: { masks: unknown[] } };
    const { zones, ...rest } = after.objects;
    assert.deepEqual(rest, { enabled: true, alert: ['person', 'animal'], minScore: 0.7 });
    assert.equal(zones.length, 1, JSON.stringify(zones));
    const zone = zones[0]!;
    assert.equal(zone.name, 'driveway');
    assert.deepEqual([...zone.labels].sort(), ['person', 'vehicle']);
    assert.ok(Math.abs(zone.x - 0.1) < 0.02 && Math.abs(zone.y - 0.5) < 0.02 && Math.abs(zone.w - 0.4) < 0.02 && Math.abs(zone.h - 0.4) < 0.02, JSON.stringify(zone));
    assert.equal(after.motion.masks.length, 1, 'the mask saved before is still there');

    // A fresh page shows what was saved.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForSelector('input[name=zoneName0]', { timeout: 15_000 });
    assert.equal(await page.inputValue('input[name=zoneName0]'), 'driveway');
    assert.equal(await page.inputValue('input[name=minScore]'), '70');
    assert.deepEqual(
      await page.$$eval('input[name=objectsAlert]', (boxes) => boxes.filter((b) => (b as HTMLInputElement).checked).map((b) => (b as HTMLInputElement).value)),
      ['person', 'animal'],
    );

    // Out of range is refused by the server, and the page says why.
    const refused = await page.evaluate(async () => {
      const r = await fetch('/api/cameras/shed/settings', { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ objects: { enabled: true, alert: ['person'], minScore: 1.5, zones: [] } }) });
      return { status: r.status, body: await r.text() };
    });
    assert.equal(refused.status, 400, refused.body);
    assert.match(refused.body, /minScore/);

    // A config camera: the same section, read-only, with its YAML.
    await page.goto(`${stack.url}/#/settings/cameras/${stack.cameraIds[0]}`);
    await page.waitForSelector('[data-testid=objects-section]', { timeout: 15_000 });
    assert.equal(await page.isDisabled('input[name=objectsEnabled]'), true, 'object settings of a config camera are read-only');
    assert.equal(await page.isDisabled('input[name=minScore]'), true);
    assert.match((await page.textContent('details:has-text("YAML for these object settings") pre')) ?? '', /objects:\n\s+enabled: true\n\s+alert: \[person, vehicle, animal\]/);
  });

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
