/**
 * Web security (docs/DESIGN.md, "LAN only") against a running server and real SQLite: DNS rebinding
 * (H1), the throttle race (H2), lockout (M1), audit flooding (M2), password change
 * throttle (L9), weak passwords (L8), forwarded requests (L4).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, loggedIn, passwordOf, startServerFixture } from '../helpers/serverFixture.ts';
import { rawRequest } from '../helpers/rawHttp.ts';
import { hostAllowed } from '../../src/http/hostAllowList.ts';
import { parseConfigDocument } from '../../src/config/parse.ts';
import { ConfigError } from '../../src/config/validate.ts';
import { startHearth } from '../../src/hearth.ts';
import { defaultConfig } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';

test('H1 rebinding: a Host that public DNS could point here gets 421 naming http.allowedHosts; LAN names pass; Origin must be on the list', async () => {
  const server = await startServerFixture();
  try {
    const port = new URL(server.url).port;
    const evil = { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` };
    const refused: string[] = [];
    for (const [method, pathname, body] of [['POST', '/api/login', { username: 'bob', password: passwordOf('bob') }], ['GET', '/api/health'], ['GET', '/'], ['GET', '/metrics'], ['GET', '/api/segments/1']] as const) {
      const answer = await rawRequest(server.url + pathname, { method, body, headers: evil });
      assert.equal(answer.status, 421, `${method} ${pathname}: ${answer.text}`);
      assert.match(answer.text, /http\.allowedHosts/);
      assert.equal(answer.headers['set-cookie'], undefined, 'no session for a rebound name');
      refused.push(pathname);
    }
    // The same login by names that cannot be rebound.
    const passed: string[] = [];
    for (const host of [`127.0.0.1:${port}`, `192.168.1.10:8080`, `hearth.local:8080`, `nvr:${port}`, `[::1]:${port}`, `localhost`, `cam.home.arpa`, `box.lan`]) {
      const answer = await rawRequest(`${server.url}/api/login`, { body: { username: 'bob', password: passwordOf('bob') }, headers: { Host: host, Origin: `http://${host}` } });
      assert.equal(answer.status, 200, `${host}: ${answer.text}`);
      passed.push(host);
    }
    // CSRF: Origin equal to a rebound Host is not enough (the Host guard stops it first; the
    // Origin check holds on its own for a Host that passed but an Origin that is not listed).
    const bob = await loggedIn(server.url, 'bob');
    const cross = await bob.json('/api/me/password', 'POST', { currentPassword: passwordOf('bob'), newPassword: 'another-long-pass' }, { Origin: `http://evil.example:${port}` });
    assert.equal(cross.status, 403);
    console.log(`rebinding refused: ${refused.length}/${refused.length} routes with Host evil.example answered 421; ${passed.length} LAN names passed`);
  } finally {
    await server.stop();
  }
});

test('H1: the allow-list function and the http.allowedHosts config key', () => {
  for (const host of ['10.0.0.2', '10.0.0.2:8080', '[fd00::7]:80', 'hearth', 'HEARTH.LOCAL', 'x.internal.', 'a.home']) assert.ok(hostAllowed(host, []), host);
  for (const host of ['evil.example', 'nvr.example.com:8080', 'local', '127.0.0.1.nip.io', '[::1', '', 'a b', '::1']) {
    if (host === 'local') continue; // a single label: allowed
    assert.ok(!hostAllowed(host, []), host);
  }
  assert.ok(hostAllowed('NVR.example.com:443', ['nvr.example.com']));
  const parsed = parseConfigDocument({ http: { allowedHosts: ['NVR.Example.com'] } });
  assert.deepEqual(parsed.http.allowedHosts, ['nvr.example.com']);
  assert.deepEqual(parseConfigDocument({}).http.allowedHosts, []);
  assert.throws(() => parseConfigDocument({ http: { allowedHosts: ['https://nvr.example.com:8080/'] } }), (e: unknown) => e instanceof ConfigError && /http\.allowedHosts\.0|http\.allowedHosts\[0\]/.test(e.message) && /bare names/.test(e.message));
  assert.throws(() => parseConfigDocument({ http: { allowedHosts: 'nvr.example.com' } }), ConfigError);
});

test('H1: a name listed under http.allowedHosts is served by hearth start', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hearth-hosts-'));
  const log = createLogger({ sink: { write: () => {} } });
  const config = { ...defaultConfig(), dataDir, http: { port: 0, host: '127.0.0.1', allowNonLan: false, allowedHosts: ['nvr.example.com'] } };
  const hearth = await startHearth(config, log);
  try {
    assert.equal((await rawRequest(`${hearth.url}/api/health`, { headers: { Host: 'nvr.example.com:8080' } })).status, 200);
    assert.equal((await rawRequest(`${hearth.url}/api/health`, { headers: { Host: 'other.example.com' } })).status, 421);
  } finally {
    await hearth.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('H2: 30 parallel wrong logins from one address: at most 10 evaluated (401), the rest 429', async () => {
  const server = await startServerFixture();
  try {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => rawRequest(`${server.url}/api/login`, { body: { username: 'ann', password: `guess-${i}` }, localAddress: '127.0.0.20' })),
    );
    const counts = { 401: 0, 429: 0, other: 0 };
    for (const a of answers) {
      if (a.status === 401) counts[401] += 1;
      else if (a.status === 429) counts[429] += 1;
      else counts.other += 1;
    }
    console.log(`30 parallel guesses: ${counts[401]} evaluated (401), ${counts[429]} refused (429), ${counts.other} other`);
    assert.equal(counts.other, 0);
    assert.ok(counts[401] <= 10, `${counts[401]} guesses were evaluated`);
    assert.ok(counts[401] >= 1);
    const rows = (server.db.prepare("SELECT count(*) AS n FROM login_failures WHERE address = '127.0.0.20'").get() as { n: number }).n;
    assert.equal(rows, counts[401], 'every evaluated guess is counted, nothing else');
    // Parallel RIGHT passwords from one machine (a household's tabs, a script) are not
    // refused: an attempt still being checked holds a place in the budget until it succeeds.
    const right = await Promise.all(
      Array.from({ length: 20 }, (_, i) => rawRequest(`${server.url}/api/login`, { body: { username: ['bob', 'kid', 'gran', 'lodger'][i % 4], password: passwordOf(['bob', 'kid', 'gran', 'lodger'][i % 4]!) }, localAddress: '127.0.0.21' })),
    );
    assert.deepEqual([...new Set(right.map((a) => a.status))], [200]);
  } finally {
    await server.stop();
  }
});

test('M1: wrong passwords from one address never lock the account for another address; setup codes likewise', async () => {
  let clockMs = Date.now();
  const server = await startServerFixture({ now: () => clockMs });
  try {
    const loginUrl = `${server.url}/api/login`;
    let wrong = 0;
    for (let i = 0; i < 14; i += 1) {
      const answer = await rawRequest(loginUrl, { body: { username: 'ann', password: `guess-${i}` }, localAddress: '127.0.0.40' });
      assert.equal(answer.status, i < 10 ? 401 : 429, answer.text);
      wrong += 1;
      clockMs += 1_000;
    }
    // The attacker's own address stays blocked, even with the right password...
    assert.equal((await rawRequest(loginUrl, { body: { username: 'ann', password: passwordOf('ann') }, localAddress: '127.0.0.40' })).status, 429);
    // ...while the admin, from her own machine, still gets in (slowed down, not locked).
    const started = Date.now();
    const other = await rawRequest(loginUrl, { body: { username: 'ANN', password: passwordOf('ann') }, localAddress: '127.0.0.41' });
    assert.equal(other.status, 200, other.text);
    console.log(`lockout from another address impossible: after ${wrong} wrong passwords from 127.0.0.40, the right one from 127.0.0.41 logged in (slowed ${Date.now() - started} ms)`);
  } finally {
    await server.stop();
  }

  const fresh = await startServerFixture({}, { users: false });
  try {
    const code = /setup code ([A-Z0-9-]+)/.exec(fresh.logLines.join('\n'))?.[1];
    assert.ok(code);
    for (let i = 0; i < 12; i += 1) {
      const answer = await rawRequest(`${fresh.url}/api/setup`, { body: { code: 'AAAA-BBBB-CCCC', username: 'eve', password: 'eve-long-password' }, localAddress: '127.0.0.9' });
      assert.equal(answer.status, i < 10 ? 401 : 429, answer.text);
    }
    const made = await rawRequest(`${fresh.url}/api/setup`, { body: { code, username: 'ann', password: passwordOf('ann') }, localAddress: '127.0.0.1' });
    assert.equal(made.status, 201, made.text);
  } finally {
    await fresh.stop();
  }
});

test('M2: throttled attempts are counted on one audit row per address and window, not a row each', async () => {
  const server = await startServerFixture();
  try {
    for (let i = 0; i < 10; i += 1) await rawRequest(`${server.url}/api/login`, { body: { username: 'bob', password: `guess-${i}` }, localAddress: '127.0.0.50' });
    for (let i = 0; i < 100; i += 1) {
      const answer = await rawRequest(`${server.url}/api/login`, { body: { username: `x${i}`.padEnd(64, 'y'), password: 'whatever-long' }, localAddress: '127.0.0.50' });
      assert.equal(answer.status, 429);
    }
    const rows = server.db.prepare("SELECT detail FROM audit_log WHERE action = 'login_throttled'").all() as { detail: string }[];
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.match(rows[0]?.detail ?? '', /^refused 100 attempt/);
    // Many addresses: past 100 rows a window, the rest share one "(many)" row.
    for (let a = 0; a < 110; a += 1) {
      server.db.prepare("INSERT INTO login_failures (at_ms, address, username) SELECT ?, ?, 'z' FROM (SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9 UNION SELECT 10)").run(Date.now(), `10.9.${a}.1`);
    }
    const { recordRefusal } = await import('../../src/auth/audit.ts');
    for (let a = 0; a < 110; a += 1) {
      recordRefusal(server.db, { atMs: Date.now(), userId: null, username: 'z', action: 'login_throttled', cameraId: null, outcome: 'denied', address: `10.9.${a}.1`, detail: null }, 60_000);
    }
    const total = (server.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'login_throttled'").get() as { n: number }).n;
    assert.equal(total, 101, 'at most 100 rows a window, plus the shared one');
  } finally {
    await server.stop();
  }
});

test('L9 and L8: changing the password is throttled, may not reuse the current one, and refuses common passwords', async () => {
  const server = await startServerFixture();
  try {
    const bob = await loggedIn(server.url, 'bob');
    const same = await bob.json('/api/me/password', 'POST', { currentPassword: passwordOf('bob'), newPassword: passwordOf('bob') });
    assert.equal(same.status, 400);
    const common = await bob.json('/api/me/password', 'POST', { currentPassword: passwordOf('bob'), newPassword: 'Password123' });
    assert.equal(common.status, 400);
    assert.match(((await common.json()) as { message: string }).message, /guessers try/);
    const admin = await loggedIn(server.url, 'ann');
    const named = await admin.json('/api/users', 'POST', { username: 'nanny1234', role: 'viewer', password: 'NANNY1234' });
    assert.equal(named.status, 400);
    // Last: these wrong guesses block this test's address.
    const kid = await loggedIn(server.url, 'kid');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await kid.json('/api/me/password', 'POST', { currentPassword: `guess-${i}-long`, newPassword: 'brand-new-pass' })).status);
    assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429]);
  } finally {
    await server.stop();
  }
});

test('L4: a loopback request forwarded by a proxy is refused, not taken as local', async () => {
  const server = await startServerFixture();
  try {
    for (const header of ['X-Forwarded-For', 'Forwarded', 'X-Real-IP']) {
      const answer = await rawRequest(`${server.url}/api/health`, { headers: { [header]: header === 'Forwarded' ? 'for=203.0.113.7' : '203.0.113.7' } });
      assert.equal(answer.status, 403, header);
      assert.match(answer.text, /proxy/);
    }
    assert.equal((await new Client(server.url).request('/api/health')).status, 200);
  } finally {
    await server.stop();
  }
});

/**
 * This process may only talk to loopback: while `run` runs, a TCP connect to any other
 * host fails at once inside the process (no packet, no DNS lookup) and is counted. A
 * build without the L2 check then fails this test instead of sending anything out.
 */
async function loopbackOnly<T>(run: () => Promise<T>): Promise<{ result: T; blocked: string[] }> {
  type AnyFn = (this: net.Socket, ...args: unknown[]) => net.Socket;
  const original = net.Socket.prototype.connect as unknown as AnyFn;
  const blocked: string[] = [];
  (net.Socket.prototype as unknown as { connect: AnyFn }).connect = function (this: net.Socket, ...args: unknown[]) {
    const first = args[0];
    const options = (Array.isArray(first) ? first[0] : first) as { host?: unknown; path?: unknown } | number | string;
    const host = typeof options === 'object' && options !== null && typeof options.path !== 'string' ? String(options.host ?? 'localhost') : 'localhost';
    if (!/^(127\.|::1$|localhost$|::ffff:127\.)/.test(host)) {
      blocked.push(host);
      process.nextTick(() => this.destroy(Object.assign(new Error(`connect to ${host} blocked by the test (loopback only)`), { code: 'ECONNREFUSED' })));
      return this;
    }
    return original.apply(this, args);
  };
  try {
    return { result: await run(), blocked };
  } finally {
    (net.Socket.prototype as unknown as { connect: AnyFn }).connect = original;
  }
}

test('L2: adoption by ONVIF address takes LAN IP literals only (no public address, no host name)', async () => {
  const server = await startServerFixture();
  try {
    const admin = await loggedIn(server.url, 'ann');
    const { blocked } = await loopbackOnly(async () => {
      for (const onvifUrl of ['http://203.0.113.7:18600/onvif/device_service', 'http://camera.example.com/onvif/device_service', 'http://[2001:db8::7]/onvif/device_service']) {
        const answer = await admin.json('/api/cameras/adopt', 'POST', { onvifUrl, username: 'admin', password: 'secret-pass' });
        assert.equal(answer.status, 400, onvifUrl);
        assert.match(((await answer.json()) as { message: string }).message, /private \(LAN\) IP address/);
      }
    });
    assert.deepEqual(blocked, [], 'no connection attempt off loopback');
  } finally {
    await server.stop();
  }
});
