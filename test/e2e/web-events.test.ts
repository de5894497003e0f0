/**
 * The events page in a real chromium against a real simulator (scripted motion) and
 * `hearth start`: thumbnails of motion events, newest first; a click plays the event's
 * clip; the camera and day filters; labels (person, vehicle, alerts) as badges with their scores,
 * the "Seen" filter asking the API with label=/alert=1 and kept in the URL; a viewer granted one camera sees only that camera
 * in the filter and only its events, and never asks for another camera's thumbnails;
 * nothing leaves the box.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startUiStack } from '../helpers/uiStack.ts';
import { launchBrowser, loginThroughForm, type RecordedPage } from '../helpers/browser.ts';
import { labelsMissing, seedEventLabels } from '../helpers/objectLabels.ts';
import { pollUntil } from '../helpers/poll.ts';

interface ApiEvent {
  id: number;
  camera: string;
  start: number;
  end: number | null;
}

const fetchJson = <T>(page: Page, url: string) => page.evaluate(async (u) => (await fetch(u)).json(), url) as Promise<T>;

function localDay(ms: number): string {
  const d = new Date(ms);
  return [d.getFullYear(), d.getMonth() + 1, d.getDate()].map((n, i) => (i === 0 ? String(n) : String(n).padStart(2, '0'))).join('-');
}

test('events: thumbnails of scripted motion, click plays the clip, filters, viewer sees only granted cameras', { timeout: 240_000 }, async (t) => {
  const [stack, ui] = await Promise.all([startUiStack({ cameras: 2, scene: 'person', segmentSeconds: 4, viewerGrants: 1 }), launchBrowser()]);
  const pages: RecordedPage[] = [];
  t.after(async () => {
    await ui.close();
    await stack.stop();
  });

  const admin = await ui.newPage(stack.url);
  pages.push(admin);
  const { page } = admin;
  await loginThroughForm(page, stack.url, stack.admin.username, stack.admin.password);
  admin.errors.length = 0; // the live page after login has its own test; these pages are checked here

  // Bounded wait until both cameras have a motion event (the 'person' scene walks through).
  let all: ApiEvent[] = [];
  for (let attempt = 0; attempt < 120; attempt += 1) {
    all = await fetchJson<ApiEvent[]>(page, '/api/events');
    if (new Set(all.map((e) => e.camera)).size === 2) break;
    await page.waitForTimeout(1000);
  }
  assert.deepEqual([...new Set(all.map((e) => e.camera))].sort(), ['cam-1', 'cam-2'], 'the scripted motion made events on both cameras');
  // A clip needs its recording indexed: wait for the segment after the newest event start.
  await stack.waitForRecording(12);

  await page.goto(stack.url + '/#/events', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.event-card img', { timeout: 15_000 });
  await page.waitForFunction(() => Array.from(document.querySelectorAll('.event-card img')).some((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0), null, { timeout: 15_000 });
  const shownIds = await page.$$eval('.event-card', (cards) => cards.map((c) => Number((c as HTMLElement).dataset.eventId)));
  const starts = shownIds.map((id) => all.find((e) => e.id === id)?.start ?? Infinity);
  assert.ok(shownIds.length >= 2, 'the grid shows the events');
  assert.deepEqual([...starts].sort((a, b) => b - a), starts, 'newest first');
  await admin.screenshot('events');

  // Click the oldest card (its recording is surely indexed): the clip plays.
  await page.click(`.event-card[data-event-id="${shownIds[shownIds.length - 1]}"]`);
  await page.waitForSelector('.event-overlay video', { timeout: 10_000 });
  await page.waitForFunction(() => (document.querySelector('.event-overlay video') as HTMLVideoElement).currentTime > 0.3, null, { timeout: 30_000 });
  const t0 = await page.$eval('.event-overlay video', (v) => (v as HTMLVideoElement).currentTime);
  await page.waitForTimeout(1500);
  const t1 = await page.$eval('.event-overlay video', (v) => (v as HTMLVideoElement).currentTime);
  console.log(`events: ${shownIds.length} cards; clip currentTime ${t0.toFixed(2)} -> ${t1.toFixed(2)} s`);
  assert.ok(t1 > t0 + 0.3, 'the clip plays (currentTime advances)');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.event-overlay', { state: 'detached', timeout: 5_000 });

  // "Open in timeline" lands on the camera's timeline 2 s before the event, playing.
  const oldest = all.find((e) => e.id === shownIds[shownIds.length - 1])!;
  await page.click(`.event-card[data-event-id="${oldest.id}"]`);
  await page.click('.event-overlay a:has-text("Open in timeline")');
  await page.waitForFunction(() => location.hash.startsWith('#/timeline/'), null, { timeout: 10_000 });
  // (?t= then follows the playhead, so allow for a few seconds of play.)
  const landed = /^#\/timeline\/([^?]+)\?t=(\d+)$/.exec(await page.evaluate(() => location.hash));
  assert.ok(landed && landed[1] === oldest.camera && Math.abs(Number(landed[2]) - (oldest.start - 2000)) < 10_000, `lands on ${oldest.camera} at the event (${landed?.[0]})`);
  await page.waitForFunction(() => (document.querySelector('.recorded-video video') as HTMLVideoElement | null)?.currentTime! > 0.3, null, { timeout: 30_000 });
  await page.goto(stack.url + '/#/events', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.event-card', { timeout: 15_000 });

  // Filters: one camera; a day with nothing.
  await page.selectOption('select[name=camera]', 'cam-2');
  await page.waitForFunction(() => location.hash.includes('camera=cam-2'), null, { timeout: 5_000 });
  await page.waitForFunction(() => {
    const cards = Array.from(document.querySelectorAll('.event-card')) as HTMLElement[];
    return cards.length > 0 && cards.every((c) => c.dataset.camera === 'cam-2');
  }, null, { timeout: 15_000 });
  await page.fill('input[name=day]', localDay(Date.now() - 3 * 86_400_000));
  const empty = await page.waitForSelector('.empty-note', { timeout: 15_000 }).catch(async (error: Error) => {
    // Say what the page showed instead (once flaky in CI, never reproduced here).
    const shown = await page.evaluate(() => ({ hash: location.hash, day: document.querySelector<HTMLInputElement>('input[name=day]')?.value, text: document.querySelector('.page.events')?.textContent?.slice(0, 400) }));
    throw new Error(`${error.message}\nthe page showed: ${JSON.stringify(shown)}; last requests: ${admin.requests.slice(-8).join(' ')}`);
  });
  assert.match((await empty.textContent()) ?? '', /No motion on/);
  await page.fill('input[name=day]', localDay(Date.now()));
  await page.waitForSelector('.event-card', { timeout: 15_000 });

  await t.test('labels: badges with scores, alerts apart, the Seen filter in the URL and the API query', async () => {
    const missing = labelsMissing('events', await fetchJson<object[]>(page, '/api/events?limit=5'));
    assert.equal(missing, null, "the server sends labels (migration 006 and the events route are in this tree)");
    // One finished event per camera gets labels: a person that alerted on cam-1, a car on cam-2
    // (the events listed at the start may still have been open then).
    const [person, car] = await pollUntil('a finished event on each camera', 60_000, async () => {
      const now = await fetchJson<ApiEvent[]>(page, '/api/events');
      const newestEnded = (camera: string) => now.filter((e) => e.camera === camera && e.end !== null).sort((a, b) => b.start - a.start)[0];
      const found = [newestEnded('cam-1'), newestEnded('cam-2')];
      return found[0] && found[1] ? (found as [ApiEvent, ApiEvent]) : null;
    });
    await seedEventLabels(stack.dataDir, person.id, [{ label: 'person', score: 0.874 }], true);
    await seedEventLabels(stack.dataDir, car.id, [{ label: 'car', score: 0.641 }], false);
    const cardOf = (id: number) => `.event-card[data-event-id="${id}"]`;
    const shownIds = () => page.$$eval('.event-card', (cards) => cards.map((c) => Number((c as HTMLElement).dataset.eventId)));
    // Every card shown satisfies `ok`, and `mustShow` are among them.
    const waitForCards = async (what: string, mustShow: number[], ok: string) => {
      await page
        .waitForFunction(
          ([must, okSelector]) => {
            const cards = Array.from(document.querySelectorAll('.event-card')) as HTMLElement[];
            const ids = cards.map((c) => Number(c.dataset.eventId));
            const loading = Array.from(document.querySelectorAll('p.muted')).some((p) => p.textContent === 'Loading events…');
            return !loading && (must as number[]).every((id) => ids.includes(id)) && cards.every((c) => c.matches(okSelector as string));
          },
          [mustShow, ok] as const,
          { timeout: 15_000 },
        )
        .catch(async (error: Error) => {
          throw new Error(`${what}: ${error.message}; shown ${JSON.stringify(await shownIds())}, hash ${await page.evaluate(() => location.hash)}`);
        });
    };

    await page.goto(stack.url + '/#/events', { waitUntil: 'domcontentloaded' });
    await page.waitForSelector(`${cardOf(person.id)} .label-badge[data-label=person]`, { timeout: 15_000 });
    assert.match((await page.textContent(`${cardOf(person.id)} .label-badge[data-label=person]`)) ?? '', /person\s*87%/);
    assert.match((await page.textContent(`${cardOf(car.id)} .label-badge[data-label=car]`)) ?? '', /car\s*64%/);
    assert.equal(await page.getAttribute(cardOf(person.id), 'data-alert'), '1', 'the alert is marked');
    assert.ok(await page.$(`${cardOf(person.id)}.alert .alert-tag`), 'an alert carries its tag');
    assert.equal(await page.$(`${cardOf(car.id)}.alert`), null, 'a label that is not an alert is not marked as one');
    const [alertBorder, plainBorder] = await Promise.all([person.id, car.id].map((id) => page.$eval(cardOf(id), (c) => getComputedStyle(c).borderTopColor)));
    assert.notEqual(alertBorder, plainBorder, 'an alert looks different from other events');
    await admin.screenshot('events-labels');

    const asked = (pattern: RegExp) => admin.requests.some((u) => u.includes('/api/events?') && pattern.test(u));
    await page.selectOption('select[name=label]', 'person');
    await page.waitForFunction(() => location.hash.includes('label=person'), null, { timeout: 5_000 });
    await waitForCards('Person', [person.id], '.event-card:has(.label-badge.kind-person)');
    assert.ok(asked(/[?&]label=person(&|$)/), 'the person filter asks the API for label=person');
    await page.selectOption('select[name=label]', 'vehicle');
    await waitForCards('Vehicle', [car.id], '.event-card:has(.label-badge.kind-vehicle)');
    await page.selectOption('select[name=label]', 'alert');
    await page.waitForFunction(() => location.hash.includes('label=alert'), null, { timeout: 5_000 });
    await waitForCards('Alerts', [person.id], '.event-card.alert');
    assert.ok(asked(/[?&]alert=1(&|$)/), 'the alerts filter asks the API for alert=1');
    await page.selectOption('select[name=label]', 'none');
    await page.waitForFunction(() => location.hash.includes('label=none'), null, { timeout: 5_000 });
    await waitForCards('Motion only', [], '.event-card:not(.labelled)');
    const motionOnly = await shownIds();
    assert.ok(!motionOnly.includes(person.id) && !motionOnly.includes(car.id), 'motion only leaves labelled events out');
    assert.ok(asked(/[?&]label=none(&|$)/));

    // The filter lives in the URL: a reload (or a bookmark) keeps it, with the camera filter beside it.
    await page.goto(stack.url + '/#/events?camera=cam-2&label=vehicle', { waitUntil: 'domcontentloaded' });
    await waitForCards('Vehicle on cam-2 from the URL', [car.id], '.event-card[data-camera="cam-2"]:has(.label-badge.kind-vehicle)');
    assert.equal(await page.inputValue('select[name=label]'), 'vehicle');
    await page.selectOption('select[name=camera]', 'cam-1');
    await page.waitForFunction(() => location.hash.includes('camera=cam-1') && location.hash.includes('label=vehicle'), null, { timeout: 5_000 });
  });

  // The viewer: cam-1 only, in the filter and in the grid.
  const viewer = await ui.newPage(stack.url, { viewport: { width: 390, height: 844 } });
  pages.push(viewer);
  await loginThroughForm(viewer.page, stack.url, stack.viewer.username, stack.viewer.password);
  viewer.errors.length = 0;
  const me = await fetchJson<{ cameras: string[]; recordings: string[]; export: string[] }>(viewer.page, '/api/me');
  assert.deepEqual([me.cameras, me.recordings, me.export], [['cam-1'], ['cam-1'], ['cam-1']], '/api/me names the cameras per scope');
  await viewer.page.goto(stack.url + '/#/events', { waitUntil: 'domcontentloaded' });
  await viewer.page.waitForSelector('.event-card', { timeout: 15_000 });
  assert.deepEqual(await viewer.page.$$eval('select[name=camera] option', (o) => o.map((e) => (e as HTMLOptionElement).value)), ['', 'cam-1']);
  const viewerCameras = await viewer.page.$$eval('.event-card', (cards) => [...new Set(cards.map((c) => (c as HTMLElement).dataset.camera))]);
  assert.deepEqual(viewerCameras, ['cam-1'], 'the viewer sees only events of the granted camera');
  await viewer.screenshot('events-phone');
  // Asking for the other camera by URL lists nothing of it.
  await viewer.page.goto(stack.url + '/#/events?camera=cam-2', { waitUntil: 'domcontentloaded' });
  await viewer.page.waitForSelector('[role=alert], .empty-note', { timeout: 15_000 });
  assert.equal(await viewer.page.$('.event-card'), null);
  const otherIds = all.filter((e) => e.camera !== 'cam-1').map((e) => e.id);
  const leaked = viewer.requests.filter((u) => otherIds.some((id) => u.endsWith(`/api/events/${id}/thumbnail`)));
  assert.deepEqual(leaked, [], 'no thumbnail of another camera is ever requested');

  for (const p of pages) {
    assert.deepEqual(p.foreign(), [], "only Hearth's own origin is asked");
    assert.deepEqual(p.errors.filter((e) => !/status of 4\d\d/.test(e)), [], 'no script errors');
  }
});
