/**
 * The web UI shell in a real chromium: the first-run form trades the setup code for an
 * admin, login and logout work through the form, and the page never asks any origin
 * but Hearth's own. Also: the bundle is served with the right caching, and a box whose
 * UI is not built says how to build it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { startHearthProcess } from '../helpers/hearthProcess.ts';
import { launchBrowser, loginThroughForm } from '../helpers/browser.ts';
import { webAppRoutes } from '../../src/http/webApp.ts';

test('first run in the browser: setup code from the log makes the admin; logout and login again; no foreign request', { timeout: 120_000 }, async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-web-shell-'));
  const hearth = await startHearthProcess(['--port', '0', '--host', '127.0.0.1', '--data', dataDir], { timeoutMs: 60_000 });
  const ui = await launchBrowser();
  t.after(async () => {
    await ui.close();
    await hearth.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });
  const code = /first-run setup code (\S+)/.exec(hearth.output())?.[1];
  assert.ok(code, 'hearth start logs the first-run setup code');

  const recorded = await ui.newPage(hearth.url);
  const { page } = recorded;
  await page.goto(hearth.url + '/', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('input[name=code]', { timeout: 15_000 });
  await recorded.screenshot('first-run');
  await page.fill('input[name=code]', 'WRONG-CODE-0000');
  await page.fill('input[name=username]', 'alice');
  await page.fill('input[name=password]', 'correct-horse-1');
  await page.fill('input[name=repeat]', 'correct-horse-1');
  await page.click('button[type=submit]');
  const alert = await page.waitForSelector('[role=alert]', { timeout: 15_000 });
  assert.match((await alert.textContent()) ?? '', /setup code is wrong/);

  await page.fill('input[name=code]', code);
  await page.click('button[type=submit]');
  await page.waitForSelector('nav.topnav', { timeout: 15_000 });
  assert.match((await page.textContent('nav.topnav')) ?? '', /alice/);
  assert.match((await page.textContent('nav.topnav')) ?? '', /Settings/, 'an admin sees Settings');

  await page.click('nav.topnav button:has-text("Log out")');
  await page.waitForSelector('input[name=username]', { timeout: 15_000 });
  assert.equal(await page.$('input[name=code]'), null, 'after setup the login form has no setup code field');
  await page.fill('input[name=username]', 'alice');
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('button[type=submit]');
  await page.waitForSelector('[role=alert]', { timeout: 15_000 });
  await recorded.screenshot('login-failed');
  await loginThroughForm(page, hearth.url, 'alice', 'correct-horse-1');

  const html = await fetch(hearth.url + '/');
  assert.equal(html.status, 200);
  assert.equal(html.headers.get('cache-control'), 'no-cache');
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(await html.text())?.[1];
  assert.ok(asset, 'index.html names its bundle');
  const script = await fetch(hearth.url + asset);
  assert.equal(script.status, 200);
  assert.match(script.headers.get('cache-control') ?? '', /immutable/);
  assert.equal((await fetch(hearth.url + '/assets/nope.js')).status, 404);
  assert.equal((await fetch(hearth.url + '/api/nope')).headers.get('content-type')?.startsWith('application/json'), true, 'API 404s stay JSON');

  assert.deepEqual(recorded.foreign(), [], 'the page asked only its own origin');
  assert.deepEqual(recorded.errors.filter((e) => !/401|Unauthorized|status of 4\d\d/.test(e)), [], 'no script errors');
  console.log(`web-shell: ${recorded.requests.length} requests, 0 to a foreign origin`);
});

test('a box whose UI is not built answers 503 with the command that builds it', async (t) => {
  const empty = mkdtempSync(path.join(os.tmpdir(), 'hearth-web-empty-'));
  const app = express().use(webAppRoutes(empty));
  const server = app.listen(0, '127.0.0.1');
  t.after(() => {
    server.close();
    rmSync(empty, { recursive: true, force: true });
  });
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { accept: 'text/html' } });
  assert.equal(response.status, 503);
  assert.match(await response.text(), /npm run build:web/);
});
