/** Accounts against a running server and real SQLite: setup code, sessions, throttling, CSRF, headers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Client, loggedIn, passwordOf, startServerFixture } from '../helpers/serverFixture.ts';
import { hashToken } from '../../src/auth/sessions.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHearth } from '../../src/hearth.ts';
import { defaultConfig } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';

/** A request from a chosen loopback source address (127.0.0.x), to stand for different LAN machines. */
function postFrom(localAddress: string, url: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(url, { method: 'POST', localAddress, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

test('first run: no default password, a one-time code from the log makes the first admin', async () => {
  const server = await startServerFixture({}, { users: false });
  try {
    const line = server.logLines.find((l) => l.includes('first-run setup code')) ?? '';
    const code = /setup code ([A-Z0-9-]+)/.exec(line)?.[1];
    assert.ok(code, `setup code in the log: ${server.logLines.join('\n')}`);
    const client = new Client(server.url);
    assert.equal((await client.login('admin', 'admin')).status, 401, 'no default account');
    const wrong = await client.json('/api/setup', 'POST', { code: 'AAAA-BBBB-CCCC', username: 'ann', password: passwordOf('ann') });
    assert.equal(wrong.status, 401);
    const weak = await client.json('/api/setup', 'POST', { code, username: 'ann', password: 'short' });
    assert.equal(weak.status, 400);
    assert.match(((await weak.json()) as { message: string }).message, /at least 8/);
    const ok = await client.json('/api/setup', 'POST', { code: code.toLowerCase(), username: 'ann', password: passwordOf('ann') });
    assert.equal(ok.status, 201, await ok.clone().text());
    const me = (await (await client.request('/api/me')).json()) as { username: string; role: string; cameras: string[]; recordings: string[]; export: string[] };
    const all = ['front-door', 'garden', 'nursery'];
    assert.deepEqual(me, { username: 'ann', role: 'admin', cameras: all, recordings: all, export: all });
    const again = await new Client(server.url).json('/api/setup', 'POST', { code, username: 'eve', password: passwordOf('eve') });
    assert.equal(again.status, 409, 'the code works once');
  } finally {
    await server.stop();
  }
});

test('sessions: hashed in SQLite, HttpOnly SameSite=Strict, rotated on login, ended by logout and password change', async () => {
  const server = await startServerFixture();
  try {
    const anon = new Client(server.url);
    const unauth = await anon.request('/api/cameras');
    assert.equal(unauth.status, 401);
    assert.match(((await unauth.json()) as { message: string }).message, /log in/);

    const login = await anon.login('bob');
    assert.equal(login.status, 200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.equal(login.headers.get('cache-control'), 'private, no-store');
    const token = (anon.cookie ?? '').split('=')[1] ?? '';
    const stored = server.db.prepare('SELECT token_hash FROM sessions').all() as { token_hash: string }[];
    assert.ok(stored.some((r) => r.token_hash === hashToken(token)), 'stored by hash');
    assert.ok(!stored.some((r) => r.token_hash === token), 'never the token itself');

    // Rotation: logging in again with the old cookie ends the old session.
    const oldCookie = anon.cookie;
    assert.equal((await anon.login('bob')).status, 200);
    assert.notEqual(anon.cookie, oldCookie);
    const stale = new Client(server.url);
    stale.cookie = oldCookie;
    assert.equal((await stale.request('/api/me')).status, 401);

    // Logout ends the session server-side (a copied cookie stops working too).
    const copy = new Client(server.url);
    copy.cookie = anon.cookie;
    assert.equal((await anon.request('/api/logout', { method: 'POST' })).status, 204);
    assert.equal((await copy.request('/api/me')).status, 401);

    // Password change ends every session of the user, and keeps this device logged in.
    const phone = await loggedIn(server.url, 'kid');
    const laptop = await loggedIn(server.url, 'kid');
    const wrong = await laptop.json('/api/me/password', 'POST', { currentPassword: 'nope-nope', newPassword: 'new-password-1' });
    assert.equal(wrong.status, 401);
    const changed = await laptop.json('/api/me/password', 'POST', { currentPassword: passwordOf('kid'), newPassword: 'new-password-1' });
    assert.equal(changed.status, 200, await changed.clone().text());
    assert.equal((await phone.request('/api/me')).status, 401, 'other sessions ended');
    assert.equal((await laptop.request('/api/me')).status, 200, 'this device has a fresh session');
    assert.equal((await new Client(server.url).login('kid')).status, 401, 'old password gone');
    assert.equal((await new Client(server.url).login('kid', 'new-password-1')).status, 200);

    // Removing a user ends their sessions at once.
    const admin = await loggedIn(server.url, 'ann');
    const gran = await loggedIn(server.url, 'gran');
    assert.equal((await admin.request('/api/users/gran', { method: 'DELETE' })).status, 204);
    assert.equal((await gran.request('/api/me')).status, 401);
  } finally {
    await server.stop();
  }
});

test('brute force: the 11th wrong password within a minute is 429 per address; the account is slowed, never locked for other machines', async () => {
  // The real policy (10 per 60 s) on an injected clock: deterministic under load, no minute of sleep.
  let clockMs = Date.now();
  const server = await startServerFixture({ now: () => clockMs });
  try {
    const loginUrl = `${server.url}/api/login`;
    // Ten wrong passwords for bob from one machine, spread over 50 s...
    for (let i = 0; i < 10; i += 1) {
      assert.equal((await postFrom('127.0.0.2', loginUrl, { username: 'bob', password: `guess-${i}` })).status, 401);
      clockMs += 5_000;
    }
    // ...and the 11th from that machine, even with the right password, is refused.
    const eleventh = await postFrom('127.0.0.2', loginUrl, { username: 'bob', password: passwordOf('bob') });
    assert.equal(eleventh.status, 429, eleventh.text);
    // The first failure was 50 s ago: it leaves the window in 10 s.
    assert.match(eleventh.text, /try again in 10 s/);
    // Bob himself, from his own machine, still gets in: the account is only slowed down.
    assert.equal((await postFrom('127.0.0.3', loginUrl, { username: 'bob', password: passwordOf('bob') })).status, 200);
    // Other accounts from a clean address are unaffected.
    assert.equal((await postFrom('127.0.0.4', loginUrl, { username: 'kid', password: passwordOf('kid') })).status, 200);

    // Per address: one machine guessing ten different names is stopped too.
    for (let i = 0; i < 10; i += 1) {
      assert.equal((await postFrom('127.0.0.5', loginUrl, { username: `nobody${i}`, password: 'whatever-1' })).status, 401);
    }
    assert.equal((await postFrom('127.0.0.5', loginUrl, { username: 'ann', password: passwordOf('ann') })).status, 429);

    // After the window the right password works from both machines.
    clockMs += 60_001;
    const after = await postFrom('127.0.0.2', loginUrl, { username: 'bob', password: passwordOf('bob') });
    assert.equal(after.status, 200, after.text);
    assert.equal((await postFrom('127.0.0.5', loginUrl, { username: 'ann', password: passwordOf('ann') })).status, 200);
    const audit = server.db.prepare("SELECT action, count(*) AS n FROM audit_log WHERE action LIKE 'login%' GROUP BY action").all() as { action: string; n: number }[];
    const counts = Object.fromEntries(audit.map((r) => [r.action, r.n]));
    assert.equal(counts.login_failed, 20);
    assert.equal(counts.login_throttled, 2, 'one aggregated row per address and window');
    assert.equal(counts.login, 4);
  } finally {
    await server.stop();
  }
});

test('CSRF: state changes from another origin or as a form are refused; same-origin JSON passes', async () => {
  const server = await startServerFixture();
  try {
    const admin = await loggedIn(server.url, 'ann');
    const host = new URL(server.url).host;
    const cross = await admin.json('/api/users/lodger/grants/garden', 'PUT', { scope: 'live' }, { Origin: 'http://evil.example' });
    assert.equal(cross.status, 403);
    assert.match(((await cross.json()) as { message: string }).message, /another origin/);
    const fetchSite = await admin.json('/api/users/lodger/grants/garden', 'PUT', { scope: 'live' }, { 'Sec-Fetch-Site': 'cross-site' });
    assert.equal(fetchSite.status, 403);
    const form = await admin.request('/api/users/lodger/grants/garden', {
      method: 'PUT',
      body: 'scope=live',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: `http://${host}` },
    });
    assert.equal(form.status, 415);
    const lodgerGrants = () => server.db.prepare("SELECT camera_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'lodger' ORDER BY camera_id").all();
    assert.deepEqual(lodgerGrants(), [{ camera_id: 'front-door' }], 'the refused requests changed nothing');
    const same = await admin.json('/api/users/lodger/grants/garden', 'PUT', { scope: 'live' }, { Origin: `http://${host}`, 'Sec-Fetch-Site': 'same-origin' });
    assert.equal(same.status, 200, await same.clone().text());
    // Logout from another site cannot log you out either.
    assert.equal((await admin.request('/api/logout', { method: 'POST', headers: { Origin: 'http://evil.example' } })).status, 403);
    assert.equal((await admin.request('/api/me')).status, 200);
  } finally {
    await server.stop();
  }
});

test('security headers: CSP self only, no framing, nosniff, private no-store on per-user data', async () => {
  const server = await startServerFixture();
  try {
    const viewer = await loggedIn(server.url, 'kid');
    for (const pathname of ['/api/me', '/api/cameras', '/api/events', '/api/nope', '/api/health']) {
      const response = await viewer.request(pathname);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/, pathname);
      assert.match(csp, /frame-ancestors 'none'/, pathname);
      assert.doesNotMatch(csp, /https?:/, pathname);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', pathname);
      if (pathname !== '/api/health') assert.equal(response.headers.get('cache-control'), 'private, no-store', pathname);
    }
  } finally {
    await server.stop();
  }
});

test('audit API: admins only, filters by user, camera and time; rows older than the retention are pruned', async () => {
  const server = await startServerFixture();
  try {
    const old = Date.now() - 200 * 24 * 3_600_000;
    server.db.prepare("INSERT INTO audit_log (at_ms, username, action, camera_id, outcome) VALUES (?, 'kid', 'live', 'garden', 'ok')").run(old);
    const kid = await loggedIn(server.url, 'kid');
    const forbidden = await kid.request('/api/audit');
    assert.equal(forbidden.status, 403);
    assert.match(((await forbidden.json()) as { message: string }).message, /only an admin/);
    assert.equal((await kid.request('/api/events/' + String(server.media.get('garden')?.eventIds[0]))).status, 200);
    assert.equal((await kid.request('/api/events/' + String(server.media.get('nursery')?.eventIds[0]))).status, 404);

    const admin = await loggedIn(server.url, 'ann'); // a login prunes
    assert.equal((server.db.prepare('SELECT count(*) AS n FROM audit_log WHERE at_ms = ?').get(old) as { n: number }).n, 0, 'pruned by age');
    type Row = { at: number; user: string; action: string; camera: string | null; outcome: string; address: string; detail: string };
    const mine = (await (await admin.request('/api/audit?user=kid')).json()) as Row[];
    assert.deepEqual(mine.map((r) => `${r.action}:${r.camera ?? ''}:${r.outcome}`), ['recordings:nursery:denied', 'recordings:garden:ok', 'login::ok']);
    assert.ok(mine.every((r) => r.user === 'kid' && r.address === '127.0.0.1'));
    assert.match(mine[0]?.detail ?? '', /^GET \/api\/events\/\d+$/);
    const nursery = (await (await admin.request('/api/audit?camera=nursery')).json()) as Row[];
    assert.deepEqual(nursery.map((r) => r.user), ['kid']);
    const none = (await (await admin.request(`/api/audit?from=${Date.now() - 2 * 86_400_000}&to=${Date.now() - 3_600_000}`)).json()) as Row[];
    assert.deepEqual(none, []);
    const limited = (await (await admin.request('/api/audit?limit=1')).json()) as Row[];
    assert.equal(limited.length, 1);
  } finally {
    await server.stop();
  }
});

test('hearth start prints a one-time setup code when no user exists, and none once one does', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hearth-setup-'));
  const lines: string[] = [];
  const log = createLogger({ sink: { write: (line) => lines.push(line) } });
  const config = { ...defaultConfig(), dataDir, http: { port: 0, host: '127.0.0.1', allowNonLan: false } };
  try {
    const first = await startHearth(config, log);
    const code = /first-run setup code ([A-Z0-9-]+)/.exec(lines.join('\n'))?.[1];
    assert.ok(code, lines.join('\n'));
    const client = new Client(first.url);
    const made = await client.json('/api/setup', 'POST', { code, username: 'ann', password: passwordOf('ann') });
    assert.equal(made.status, 201);
    await first.stop();
    lines.length = 0;
    const second = await startHearth(config, log);
    assert.doesNotMatch(lines.join('\n'), /setup code/);
    assert.equal((await new Client(second.url).login('ann')).status, 200);
    await second.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('admins manage users and grants through the API; viewers cannot', async () => {
  const server = await startServerFixture();
  try {
    const admin = await loggedIn(server.url, 'ann');
    const created = await admin.json('/api/users', 'POST', { username: 'nanny', role: 'viewer', password: passwordOf('nanny') });
    assert.equal(created.status, 201, await created.clone().text());
    assert.equal((await admin.json('/api/users', 'POST', { username: 'NANNY', role: 'viewer', password: passwordOf('nanny') })).status, 409);
    const nanny = await loggedIn(server.url, 'nanny');
    assert.deepEqual(((await (await nanny.request('/api/me')).json()) as { cameras: string[] }).cameras, []);
    const granted = await admin.json('/api/users/nanny/grants/nursery', 'PUT', { scope: 'live' });
    assert.deepEqual(await granted.json(), { username: 'nanny', camera: 'nursery', scope: 'live' });
    assert.deepEqual(((await (await nanny.request('/api/me')).json()) as { cameras: string[] }).cameras, ['nursery'], 'effective on the next request');
    const scopes = (await (await nanny.request('/api/me')).json()) as { recordings: string[]; export: string[] };
    assert.deepEqual([scopes.recordings, scopes.export], [[], []], '/api/me: live only, so the UI offers no playback or download');
    assert.equal((await nanny.request('/api/events?camera=nursery')).status, 404);
    assert.equal((await admin.request('/api/users/nanny/grants/nursery', { method: 'PUT' })).status, 200, 'no body: scope recordings');
    assert.equal((await nanny.request('/api/events?camera=nursery')).status, 200);
    const users = (await (await admin.request('/api/users')).json()) as Array<{ username: string; role: string; grants: unknown[] }>;
    assert.deepEqual(users.find((u) => u.username === 'nanny'), { username: 'nanny', role: 'viewer', grants: [{ camera: 'nursery', scope: 'recordings' }] });
    assert.ok(!JSON.stringify(users).includes('scrypt'), 'no password hashes');
    assert.equal((await nanny.request('/api/users')).status, 403);
    assert.equal((await nanny.json('/api/users/nanny/grants/garden', 'PUT', { scope: 'export' })).status, 403);
    assert.equal((await admin.request('/api/users/nanny/grants/nursery', { method: 'DELETE' })).status, 204);
    assert.equal((await admin.request('/api/users/nanny/grants/nursery', { method: 'DELETE' })).status, 404);
    assert.deepEqual(((await (await nanny.request('/api/me')).json()) as { cameras: string[] }).cameras, []);
    const trail = (await (await admin.request('/api/audit?user=ann')).json()) as Array<{ action: string; camera: string | null; detail: string }>;
    assert.deepEqual(
      trail.filter((r) => r.action !== 'login').map((r) => `${r.action} ${r.camera ?? '-'} ${r.detail}`),
      ['grant_revoked nursery nanny', 'grant_set nursery nanny scope=recordings', 'grant_set nursery nanny scope=live', 'user_added - nanny as viewer'],
    );
  } finally {
    await server.stop();
  }
});
