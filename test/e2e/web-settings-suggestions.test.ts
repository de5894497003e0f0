/**
 * Suggested masks in a real chromium: a camera added by RTSP URL, with no mask drawn,
 * watched by Hearth's motion; the simulator's burnt-in clock (its frame code, which
 * changes every second, top-left) is learned, appears in the mask editor as a dashed
 * suggestion, and Keep saves it as a real mask through the settings PATCH.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, loginThroughForm } from '../helpers/browser.ts';
import { startUiStack } from '../helpers/uiStack.ts';
import { pollUntil } from '../helpers/poll.ts';

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

test('the learned clock appears as a suggested mask in the editor, and Keep saves it as a mask', { timeout: 240_000 }, async (t) => {
  // The config camera records without motion; the camera under test is added like a user would.
  const stack = await startUiStack({ cameras: 1, motion: false, viewerGrants: 1 });
  const ui = await launchBrowser();
  t.after(async () => {
    await ui.close();
    await stack.stop();
  });
  const admin = await ui.newPage(stack.url);
  const { page } = admin;
  await loginThroughForm(page, stack.url, stack.admin.username, stack.admin.password);
  const call = async (path: string, method = 'GET', body?: unknown) =>
    page.evaluate(
      async ([p, m, b]) => {
        const response = await fetch(p as string, { method: m as string, headers: b ? { 'Content-Type': 'application/json' } : {}, body: b ? JSON.stringify(b) : undefined });
        return { status: response.status, body: await response.json() };
      },
      [path, method, body] as const,
    );
  const added = await call('/api/cameras/manual', 'POST', { id: 'shed', name: 'Shed', rtspMain: stack.simulator.cameras[0]!.rtspUrl('sub', true) });
  assert.equal(added.status, 201, JSON.stringify(added.body));

  const startedAt = Date.now();
  // The simulator's clock strip is at the top of the picture.
  const isClock = (r: Rect): boolean => r.y < 0.15 && r.w * r.h <= 0.06;
  // Wait for the clock itself, not for the first suggestion: on a loaded box another learned
  // region could come first (the person's entry did, before the fix: see below).
  let lastSeen: Rect[] = [];
  const learned = await pollUntil('a suggested mask for the clock', 90_000, async () => {
    const answer = (await call('/api/cameras/shed/motion/suggested-masks')).body as { suggestions: Rect[] };
    lastSeen = answer.suggestions;
    return answer.suggestions.some(isClock) ? answer.suggestions : null;
  }, { everyMs: 1_000 }).catch((error: Error) => {
    const motionLines = stack.hearth.output().split('\n').filter((l) => /motion|shed/.test(l)).slice(-20);
    throw new Error(`${error.message}; the clock strip never was among the suggestions: ${JSON.stringify(lastSeen)}; hearth said:\n${motionLines.join('\n')}`);
  });
  console.log(`web-settings-suggestions: suggested ${JSON.stringify(learned)} ${Date.now() - startedAt} ms after the camera was added`);
  const clockAt = learned.findIndex(isClock);
  assert.ok(clockAt >= 0, `the clock strip is among the suggestions: ${JSON.stringify(learned)}`);
  // Seen in CI on a loaded box: the person's entry at the left edge learned too, when the picture
  // froze as they stepped in (test/integration/motion-freeze.test.ts). Never again: a homeowner
  // keeping it would mask the door. The person walks at y 230–310 of 360.
  const others = learned.filter((_r, i) => i !== clockAt);
  if (others.length > 0) console.log(`web-settings-suggestions: also suggested (not the clock): ${JSON.stringify(others)}`);
  assert.ok(!learned.some((r) => r.y + r.h > 0.5), `nothing on the person's path is suggested: ${JSON.stringify(learned)}`);

  await page.goto(`${stack.url}/#/settings/cameras/shed`);
  await page.waitForSelector('[data-testid=suggested-mask]', { timeout: 15_000 });
  assert.equal((await page.$$('[data-testid=suggested-mask]')).length, learned.length);
  assert.equal((await page.$$('[data-testid=mask]')).length, 0, 'nothing is a mask yet');
  const style = await page.$eval('[data-testid=suggested-mask]', (el) => getComputedStyle(el).borderTopStyle);
  assert.equal(style, 'dashed', 'a suggestion is drawn differently from a mask');
  await admin.screenshot('settings-suggested-mask');

  await page.click(`button[aria-label="Keep suggested mask ${clockAt + 1}"]`);
  await page.waitForSelector('[role=status]:has-text("Kept as a mask")', { timeout: 15_000 });
  await page.waitForSelector('[data-testid=mask]', { timeout: 5_000 });
  const settings = (await call('/api/cameras/shed/settings')).body as { motion: { masks: Rect[] } };
  assert.deepEqual(settings.motion.masks, [learned[clockAt]], 'the suggestion is saved as a mask');
  const after = (await call('/api/cameras/shed/motion/suggested-masks')).body as { suggestions: Rect[] };
  assert.ok(!after.suggestions.some((r) => JSON.stringify(r) === JSON.stringify(learned[clockAt])), 'and is no longer suggested');
  assert.equal((await page.$$('[data-testid=suggested-mask]')).length, after.suggestions.length);
  await admin.screenshot('settings-suggested-mask-kept');
  assert.deepEqual(admin.foreign(), [], 'the page asked only its own origin');
});
