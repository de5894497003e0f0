/**
 * Hostile input (README, "Reliability"). Every API route (src/http/routes/*, src/http/API.md) and a few
 * non-API paths get random and boundary values in path parameters, query strings, JSON
 * bodies, content types and cookies, as an admin, as a viewer and anonymously, from a
 * seeded PRNG (printed; HEARTH_FUZZ_SEED replays). Requests are written on raw sockets, so
 * bytes a well-behaved client library would refuse to send (NUL, CR LF, raw unicode) go
 * out too. Nothing may answer 500, the server must keep answering /api/health, and no
 * response may carry a canary file planted outside the data dir (or the database file).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loggedIn, recordedFromMs, segmentMs, startServerFixture } from '../helpers/serverFixture.ts';
import { hostileBody, hostileJson, hostileRawBodies, hostileStrings, oneMegabyte, Rng, type FuzzTargets } from '../helpers/fuzzValues.ts';

const long = process.env.HEARTH_LONG_TESTS === '1';
const maxRequests = Number(process.env.HEARTH_FUZZ_REQUESTS ?? (long ? 30_000 : 4_000));
const maxMs = long ? 300_000 : 40_000;
const workers = 4;
const seed = Number(process.env.HEARTH_FUZZ_SEED ?? randomBytes(4).readUInt32BE(0));

interface Route {
  method: string;
  path: string;
  query?: readonly string[];
  body?: readonly string[];
  weight?: number;
}

/** Every route of the LAN API (src/http/app.ts and src/http/routes/*), plus the web UI and /metrics. */
const routes: Route[] = [
  { method: 'GET', path: '/api/health' },
  { method: 'GET', path: '/api/setup' },
  { method: 'POST', path: '/api/setup', body: ['code', 'username', 'password'] },
  { method: 'POST', path: '/api/login', body: ['username', 'password'], weight: 2 },
  { method: 'POST', path: '/api/logout' },
  { method: 'GET', path: '/api/me' },
  { method: 'POST', path: '/api/me/password', body: ['currentPassword', 'newPassword'] },
  { method: 'GET', path: '/api/cameras' },
  { method: 'GET', path: '/api/cameras/:camera', weight: 3 },
  { method: 'GET', path: '/api/cameras/:camera/snapshot' },
  { method: 'GET', path: '/api/cameras/:camera/live.mp4', weight: 2 },
  { method: 'GET', path: '/api/cameras/:camera/segments', query: ['from', 'to'], weight: 3 },
  { method: 'GET', path: '/api/cameras/:camera/coverage', query: ['from', 'to', 'stream', 'minGapMs'], weight: 2 },
  { method: 'GET', path: '/api/cameras/:camera/playlist.m3u8', query: ['from', 'to'], weight: 3 },
  { method: 'GET', path: '/api/segments/:number', weight: 3 },
  { method: 'GET', path: '/api/events', query: ['camera', 'from', 'to', 'limit'], weight: 3 },
  { method: 'GET', path: '/api/events/:number', weight: 2 },
  { method: 'GET', path: '/api/events/:number/thumbnail', weight: 2 },
  { method: 'GET', path: '/api/export', query: ['camera', 'from', 'to'], weight: 2 },
  { method: 'GET', path: '/api/users' },
  { method: 'POST', path: '/api/users', body: ['username', 'role', 'password'], weight: 2 },
  { method: 'DELETE', path: '/api/users/:name' },
  { method: 'PUT', path: '/api/users/:name/grants/:camera', body: ['scope'], weight: 2 },
  { method: 'DELETE', path: '/api/users/:name/grants/:camera' },
  { method: 'GET', path: '/api/audit', query: ['user', 'camera', 'from', 'to', 'limit'], weight: 2 },
  { method: 'GET', path: '/api/discovery' },
  { method: 'POST', path: '/api/discovery/probe' },
  { method: 'POST', path: '/api/cameras/adopt', body: ['onvifUrl', 'xaddr', 'username', 'password', 'id', 'name'], weight: 2 },
  { method: 'POST', path: '/api/cameras/manual', body: ['id', 'name', 'rtspMain', 'rtspSub'], weight: 2 },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/:any', weight: 2 },
  { method: 'GET', path: '/assets/:any', weight: 2 },
  { method: 'GET', path: '/api/:any' },
];
const weighted = routes.flatMap((r) => Array<Route>(r.weight ?? 1).fill(r));

interface Answer {
  status: number | null;
  bytes: Buffer;
  timedOut: boolean;
}

/** One request on a fresh socket; reads at most `capBytes` of the answer, waits at most `timeoutMs`. */
function rawRequest(port: number, head: string, body: Buffer, capBytes: number, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let got = 0;
    let done = false;
    const finish = (timedOut: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const bytes = Buffer.concat(chunks);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(bytes.subarray(0, 20).toString('latin1'));
      resolve({ status: match ? Number(match[1]) : null, bytes, timedOut });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= capBytes) finish(false);
    });
    socket.on('end', () => finish(false));
    socket.on('close', () => finish(false));
    socket.on('error', () => finish(false));
    socket.once('connect', () => {
      socket.write(Buffer.from(head, 'utf8'));
      if (body.length > 0) socket.write(body);
    });
  });
}

test(`fuzz: every API route with hostile params, queries, bodies and cookies (seed printed), as admin, viewer and anonymous`, { timeout: 600_000 }, async () => {
  const canaryDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-canary-'));
  const canaryToken = `CANARY-${randomBytes(12).toString('hex')}`;
  const canaryFile = path.join(canaryDir, 'secret.txt');
  writeFileSync(canaryFile, `${canaryToken}\n`);
  const server = await startServerFixture({ maxConcurrentExports: 1 }).catch((error: unknown) => {
    rmSync(canaryDir, { recursive: true, force: true });
    throw error;
  });
  const rng = new Rng(seed);
  console.log(`fuzz: seed ${seed} (replay with HEARTH_FUZZ_SEED=${seed}), up to ${maxRequests} requests or ${maxMs} ms`);
  try {
    const port = Number(new URL(server.url).port);
    const admin = await loggedIn(server.url, 'ann');
    const viewer = await loggedIn(server.url, 'kid');
    const viewerLive = await loggedIn(server.url, 'lodger');
    const media = [...server.media.values()];
    const targets: FuzzTargets = {
      canaryFile,
      realIds: [...media.map((m) => m.id), 'attic', 'a', 'a-'],
      realNumbers: [...media.flatMap((m) => [...m.segmentIds, ...m.eventIds]), 0, 99_999],
      // Never the fuzzing identities themselves: deleting them would end the run's sessions.
      realNames: ['bob', 'gran', 'nobody', 'x'],
    };
    const strings = hostileStrings(targets);
    const valueFor = (kind: string): string => {
      if (kind === 'camera' && rng.chance(0.4)) return rng.pick(targets.realIds);
      if (kind === 'number' && rng.chance(0.4)) return String(rng.pick(targets.realNumbers));
      if (kind === 'name' && rng.chance(0.3)) return rng.pick(targets.realNames);
      return rng.pick(strings);
    };
    const timeFor = (): string =>
      rng.chance(0.5) ? String(recordedFromMs + rng.int(4) * segmentMs - rng.int(2) * 1000 + (rng.chance(0.5) ? 2 * segmentMs : 0)) : rng.pick(strings);
    /** Mostly %-encoded; sometimes the raw bytes (a raw socket sends whatever it is given). */
    const encode = (value: string): string => (rng.chance(0.8) ? encodeURIComponent(value) : value.replace(/[\s?#]/g, (c) => encodeURIComponent(c)));

    const badCookies = [
      'hearth_session=' + 'A'.repeat(43),
      'hearth_session=../../etc/passwd',
      'hearth_session=' + 'x'.repeat(9_000),
      `hearth_session=${'💥'.repeat(10)}`,
      'hearth_session',
      '=;=;;==',
      'hearth_session="quoted"',
      'hearth_session=%00%00',
    ];
    const identities = ['admin', 'viewer', 'viewerLive', 'anonymous', 'badCookie'] as const;

    const tally = {
      sent: 0,
      byStatus: {} as Record<string, number>,
      byIdentity: {} as Record<string, number>,
      byRoute: {} as Record<string, number>,
      megabyteBodies: 0,
      violations: [] as string[],
      noStatus: 0,
    };
    const started = Date.now();

    let picked = 0;
    const one = async (): Promise<void> => {
      // Three rounds over every route first, so a slow (shared, loaded) machine still covers them all.
      const route = picked < routes.length * 3 ? routes[picked % routes.length]! : rng.pick(weighted);
      picked += 1;
      const identity = rng.pick(identities);
      let pathname = route.path.replace(/:(\w+)/g, (_m, kind: string) => encode(valueFor(kind)));
      if (route.query) {
        const parts: string[] = [];
        for (const key of route.query) {
          if (rng.chance(0.15)) continue;
          const value = key === 'from' || key === 'to' ? timeFor() : key === 'camera' ? valueFor('camera') : key === 'user' ? valueFor('name') : rng.pick(strings);
          const name = rng.chance(0.05) ? `${key}[x]` : key;
          parts.push(`${name}=${encode(value)}`);
          if (rng.chance(0.05)) parts.push(`${key}=${encode(rng.pick(strings))}`); // given twice
        }
        if (parts.length > 0) pathname += `?${parts.join('&')}`;
      }
      const method = rng.chance(0.04) ? rng.pick(['PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PUT', 'DELETE', 'POST', 'GET']) : route.method;

      // Body: a hostile JSON object for routes that take one, otherwise sometimes junk; now and then 1 MB.
      let body = '';
      if (route.body && rng.chance(0.8)) body = JSON.stringify(hostileBody(rng, targets, route.body));
      else if (rng.chance(0.15)) body = rng.pick(hostileRawBodies(rng));
      else if (rng.chance(0.05)) body = JSON.stringify(hostileJson(rng, targets));
      if (rng.chance(0.02)) {
        body = JSON.stringify({ username: 'x'.repeat(oneMegabyte), password: 'y' });
        tally.megabyteBodies += 1;
      }
      const contentType = rng.chance(0.75)
        ? 'application/json'
        : rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/json; charset=🦊', '', 'application/*']);

      let cookie: string | null = null;
      if (identity === 'admin') cookie = admin.cookie;
      else if (identity === 'viewer') cookie = viewer.cookie;
      else if (identity === 'viewerLive') cookie = viewerLive.cookie;
      else if (identity === 'badCookie') cookie = rng.pick(badCookies);
      // A real session must not log itself out, or the rest of the run is anonymous.
      if (route.path === '/api/logout' && identity !== 'anonymous') cookie = rng.pick(badCookies);

      const headers = [`${method} ${pathname} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
      if (cookie) headers.push(`Cookie: ${cookie}`);
      const bodyBytes = Buffer.from(body, 'utf8');
      if (bodyBytes.length > 0 || rng.chance(0.1)) {
        if (contentType) headers.push(`Content-Type: ${contentType}`);
        headers.push(`Content-Length: ${bodyBytes.length}`);
      }
      if (rng.chance(0.05)) headers.push(`Origin: ${rng.pick(['http://evil.example', 'null', `http://127.0.0.1:${port}`, '💥'])}`);
      if (rng.chance(0.05)) headers.push(`Range: ${rng.pick(['bytes=0-10', 'bytes=-5', 'bytes=99999999-', 'bytes=5-1', 'bytes=0-1,3-4', 'lines=1-2', 'bytes=abc'])}`);
      if (rng.chance(0.03)) headers.push(`Content-Encoding: ${rng.pick(['gzip', 'deflate', 'br', 'identity', 'x-unknown'])}`);
      if (rng.chance(0.02)) headers.push(`Accept: ${rng.pick(['text/html', '*/*', 'image/*', '💥'])}`);
      const head = `${headers.join('\r\n')}\r\n\r\n`;

      const answer = await rawRequest(port, head, bodyBytes, 256 * 1024, 20_000);
      tally.sent += 1;
      const key = `${route.method} ${route.path}`;
      tally.byRoute[key] = (tally.byRoute[key] ?? 0) + 1;
      tally.byIdentity[identity] = (tally.byIdentity[identity] ?? 0) + 1;
      const statusKey = answer.status === null ? (answer.timedOut ? 'timeout' : 'closed') : String(answer.status);
      tally.byStatus[statusKey] = (tally.byStatus[statusKey] ?? 0) + 1;
      const what = `${method} ${pathname.slice(0, 160)} as ${identity}`;
      if (answer.status === null) {
        tally.noStatus += 1;
        // Streams may be cut at the byte cap; anything else must answer with a status line.
        tally.violations.push(`${what}: no HTTP answer (${answer.timedOut ? 'timed out' : 'connection closed'})`);
      } else if (answer.status === 500 || (answer.status > 500 && !(answer.status === 502 && route.path === '/api/cameras/adopt') && answer.status !== 503)) {
        tally.violations.push(`${what}: ${answer.status} ${answer.bytes.subarray(0, 400).toString('utf8').split('\r\n\r\n')[1] ?? ''}`);
      }
      if (answer.bytes.includes(canaryToken)) tally.violations.push(`${what}: served the canary file outside the data dir`);
      if (answer.bytes.includes('SQLite format 3')) tally.violations.push(`${what}: served the database file`);
    };

    let stop = false;
    let sinceHealth = 0;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (!stop) {
          if (tally.sent >= maxRequests || Date.now() - started > maxMs) {
            stop = true;
            break;
          }
          await one();
          sinceHealth += 1;
          if (sinceHealth >= 250) {
            sinceHealth = 0;
            const health = await fetch(`${server.url}/api/health`);
            if (health.status !== 200) tally.violations.push(`health answered ${health.status} after ${tally.sent} requests`);
            await health.arrayBuffer();
          }
        }
      }),
    );
    const elapsedMs = Date.now() - started;
    const health = await fetch(`${server.url}/api/health`);
    const healthBody = (await health.json()) as { ok?: boolean };
    const errors = server.logLines.filter((line) => line.includes('"http.error"'));

    console.log(`fuzz: ${tally.sent} requests in ${elapsedMs} ms (seed ${seed}), ${tally.megabyteBodies} 1 MB bodies, ${tally.violations.length} violations, ${errors.length} internal errors logged`);
    console.log(`  statuses: ${JSON.stringify(tally.byStatus)}`);
    console.log(`  identities: ${JSON.stringify(tally.byIdentity)}`);
    console.log(`  routes: ${Object.keys(tally.byRoute).length} of ${routes.length} hit; ${JSON.stringify(tally.byRoute)}`);
    console.log(`  health after the run: ${health.status} ${JSON.stringify(healthBody)}`);
    for (const v of tally.violations.slice(0, 15)) console.log(`  VIOLATION ${v}`);
    for (const line of errors.slice(0, 5)) console.log(`  LOGGED ${line.slice(0, 400)}`);
    assert.equal(health.status, 200);
    assert.equal(healthBody.ok, true);
    assert.deepEqual(tally.violations.slice(0, 15), []);
    assert.deepEqual(errors.slice(0, 5), []);
    assert.ok(tally.sent >= routes.length * 3, `only ${tally.sent} requests were sent`);
    assert.equal(Object.keys(tally.byRoute).length, routes.length, 'every route was fuzzed');
  } finally {
    await server.stop();
    rmSync(canaryDir, { recursive: true, force: true });
  }
});
