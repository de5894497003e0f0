/** Media routes against a running server: playback, Range, export, snapshot, live, revocation, bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, loggedIn, mp4Size, recordedFromMs, segmentMs, startServerFixture, type ServerFixture } from '../helpers/serverFixture.ts';
import { recordingRoot } from '../../src/recording/layout.ts';

const from = recordedFromMs;
const to = recordedFromMs + 3 * segmentMs;

function media(server: ServerFixture, id: string) {
  const m = server.media.get(id);
  if (!m) throw new Error(`no camera ${id}`);
  return m;
}

/** Reads a live stream until `until` says stop, or it ends; returns what arrived and how it ended. */
async function readLive(response: Response, until: (received: Buffer) => boolean, timeoutMs: number): Promise<{ bytes: Buffer; ended: 'done' | 'closed' | 'timeout' }> {
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no body');
  const chunks: Buffer[] = [];
  const deadline = setTimeout(() => void reader.cancel(), timeoutMs);
  const started = Date.now();
  try {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (done || !value) return { bytes: Buffer.concat(chunks), ended: Date.now() - started >= timeoutMs ? 'timeout' : 'closed' };
      chunks.push(Buffer.from(value));
      if (until(Buffer.concat(chunks))) {
        await reader.cancel();
        return { bytes: Buffer.concat(chunks), ended: 'done' };
      }
    }
  } finally {
    clearTimeout(deadline);
  }
}

test('playback: segment list, HLS playlist with byte ranges, segment bytes with Range', async () => {
  const server = await startServerFixture();
  try {
    const kid = await loggedIn(server.url, 'kid');
    const door = media(server, 'front-door');
    const list = await kid.request(`/api/cameras/front-door/segments?from=${from}&to=${to}`);
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('cache-control'), 'private, no-store');
    const segments = (await list.json()) as Array<{ id: number; start: number; end: number; bytes: number; url: string }>;
    assert.deepEqual(segments.map((s) => s.id), door.segmentIds);
    assert.deepEqual(segments[0], { id: door.segmentIds[0], start: from, end: from + segmentMs, startMs: from, endMs: from + segmentMs, bytes: door.bytes.length, url: `/api/segments/${door.segmentIds[0]}` });
    // A range starting mid-segment still finds that segment.
    const mid = (await (await kid.request(`/api/cameras/front-door/segments?from=${from + 5000}&to=${from + 6000}`)).json()) as unknown[];
    assert.equal(mid.length, 1);

    const playlist = await kid.request(`/api/cameras/front-door/playlist.m3u8?from=${from}&to=${to}`);
    assert.equal(playlist.status, 200);
    assert.equal(playlist.headers.get('content-type'), 'application/vnd.apple.mpegurl; charset=utf-8');
    const text = await playlist.text();
    assert.match(text, /^#EXTM3U\n/);
    assert.match(text, /#EXT-X-ENDLIST\n$/);
    assert.equal(text.match(/#EXTINF:4\.000,/g)?.length, 3);
    assert.ok(text.includes(`#EXT-X-MAP:URI="/api/segments/${door.segmentIds[0]}.mp4",BYTERANGE="${door.init.length}@0"`), text);
    assert.ok(text.includes(`#EXT-X-BYTERANGE:${door.bytes.length - door.init.length}@${door.init.length}`), text);

    const whole = await kid.request(`/api/segments/${door.segmentIds[1]}`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal(whole.headers.get('cache-control'), 'private, no-store');
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(door.bytes));

    const part = await kid.request(`/api/segments/${door.segmentIds[1]}`, { headers: { Range: 'bytes=100-1099' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-1099/${door.bytes.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(door.bytes.subarray(100, 1100)));
    const tail = await kid.request(`/api/segments/${door.segmentIds[1]}`, { headers: { Range: 'bytes=-10' } });
    assert.equal(tail.status, 206);
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(door.bytes.subarray(door.bytes.length - 10)));
    const beyond = await kid.request(`/api/segments/${door.segmentIds[1]}`, { headers: { Range: `bytes=${door.bytes.length + 10}-${door.bytes.length + 20}` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${door.bytes.length}`);
    const malformed = await kid.request(`/api/segments/${door.segmentIds[1]}`, { headers: { Range: 'bytes=abc' } });
    assert.equal(malformed.status, 400);
  } finally {
    await server.stop();
  }
});

test('export: one MP4 of the range by stream copy, only with the export scope', async () => {
  const server = await startServerFixture();
  try {
    const bob = await loggedIn(server.url, 'bob');
    const started = Date.now();
    const response = await bob.request(`/api/export?camera=nursery&from=${from + 1000}&to=${to - 1000}`);
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(response.headers.get('content-type'), 'video/mp4');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="nursery-2026-11-20T12-00-01-000Z\.mp4"$/);
    assert.equal(response.headers.get('cache-control'), 'private, no-store');
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.deepEqual(mp4Size(bytes), { width: 352, height: 288 });
    assert.ok(bytes.length > 10_000, `export of ${bytes.length} bytes`);
    console.log(`export of 10 s from 3 segments: ${bytes.length} bytes in ${Date.now() - started} ms`);

    const kid = await loggedIn(server.url, 'kid');
    assert.equal((await kid.request(`/api/export?camera=front-door&from=${from}&to=${to}`)).status, 404, 'recordings scope is not export');
    assert.equal((await kid.request(`/api/export?camera=garden&from=${from}&to=${to}`)).status, 200);
    const tooLong = await bob.request(`/api/export?camera=nursery&from=${from}&to=${from + 7 * 3_600_000}`);
    assert.equal(tooLong.status, 400);
    assert.match(((await tooLong.json()) as { message: string }).message, /too long: at most 6 h/);
    const empty = await bob.request(`/api/export?camera=nursery&from=${from - 3_600_000}&to=${from - 1_800_000}`);
    assert.equal(empty.status, 404);
  } finally {
    await server.stop();
  }
});

test('snapshot (last recorded frame) and event thumbnails are JPEG, private', async () => {
  const server = await startServerFixture();
  try {
    // kid has recordings of front-door (a live-only grant gets no days-old frame: security-media).
    const viewer = await loggedIn(server.url, 'kid');
    const snap = await viewer.request('/api/cameras/front-door/snapshot');
    assert.equal(snap.status, 200, await snap.clone().text());
    assert.equal(snap.headers.get('content-type'), 'image/jpeg');
    assert.equal(snap.headers.get('cache-control'), 'private, no-store');
    const jpeg = Buffer.from(await snap.arrayBuffer());
    assert.equal(jpeg.readUInt16BE(0), 0xffd8);

    const kid = await loggedIn(server.url, 'kid');
    const garden = media(server, 'garden');
    const events = (await (await kid.request(`/api/events?camera=garden&from=${from}&to=${to}&limit=10`)).json()) as Array<{ id: number; camera: string; thumbnail: string | null }>;
    assert.equal(events.length, 4);
    assert.ok(events.every((e) => e.camera === 'garden'));
    const withThumb = events.find((e) => e.thumbnail !== null);
    assert.ok(withThumb?.thumbnail);
    const thumb = await kid.request(withThumb.thumbnail);
    assert.equal(thumb.status, 200);
    assert.ok(Buffer.from(await thumb.arrayBuffer()).equals(garden.thumbnail));
    const without = events.find((e) => e.thumbnail === null);
    assert.ok(without);
    const missing = await kid.request(`/api/events/${without.id}/thumbnail`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { message: string }).message, /no thumbnail/);
    // No camera given: every camera kid may see with recordings, and only those.
    const all = (await (await kid.request(`/api/events?from=${from}&to=${to}`)).json()) as Array<{ camera: string }>;
    assert.deepEqual([...new Set(all.map((e) => e.camera))].sort(), ['front-door', 'garden']);
  } finally {
    await server.stop();
  }
});

test('a snapshot whose newest recording vanished comes from the one before; none readable is a 503 to retry, never a 500', async () => {
  let clockMs = Date.now();
  const server = await startServerFixture({ now: () => clockMs });
  try {
    const lodger = await loggedIn(server.url, 'kid'); // recordings of front-door
    const rows = server.db.prepare("SELECT path FROM segments WHERE camera_id = 'front-door' ORDER BY start_ms DESC").all() as { path: string }[];
    assert.ok(rows.length >= 2);
    // Pruned or set aside between the index query and ffmpeg: the file is gone, the row not yet.
    unlinkSync(path.join(recordingRoot(server.dataDir), rows[0]!.path));
    const snap = await lodger.request('/api/cameras/front-door/snapshot');
    assert.equal(snap.status, 200, await snap.clone().text());
    assert.equal(Buffer.from(await snap.arrayBuffer()).readUInt16BE(0), 0xffd8);
    for (const row of rows.slice(1)) writeFileSync(path.join(recordingRoot(server.dataDir), row.path), 'not a video');
    clockMs += 5_000; // past the snapshot cache (2 s)
    const none = await lodger.request('/api/cameras/front-door/snapshot');
    assert.equal(none.status, 503);
    assert.equal(none.headers.get('retry-after'), '5');
    const body = (await none.json()) as { error: string; message: string };
    assert.equal(body.error, 'snapshot_unavailable');
    assert.match(body.message, /^could not read a frame from the 3 newest recordings of camera front-door \([^\n/]*Invalid data[^\n/]*\); try again in a few seconds$/, "one line, the reason, no server path");
  } finally {
    await server.stop();
  }
});

test('a live-scoped viewer sees live and the snapshot, and gets 404 for recordings and exports', async () => {
  const server = await startServerFixture();
  try {
    const lodger = await loggedIn(server.url, 'lodger');
    const door = media(server, 'front-door');
    const cameras = (await (await lodger.request('/api/cameras')).json()) as Array<{ id: string; state: string; identity: { serial: string | null; verified: boolean } }>;
    assert.deepEqual(cameras, [{ id: 'front-door', name: 'front-door', state: 'recording', lastError: null, lastErrorAtMs: null, audio: null, identity: { serial: null, verified: false } }]);
    const head = await lodger.request('/api/cameras/front-door/live.mp4', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal((await lodger.request('/api/cameras/nursery/live.mp4', { method: 'HEAD' })).status, 404);
    const live = await lodger.request('/api/cameras/front-door/live.mp4');
    assert.equal(live.status, 200);
    assert.equal(live.headers.get('content-type'), 'video/mp4');
    const got = await readLive(live, (b) => b.length > door.init.length + 1000, 5000);
    assert.equal(got.ended, 'done');
    assert.ok(got.bytes.subarray(0, door.init.length).equals(door.init), 'starts with the init segment');
    for (const pathname of [
      `/api/cameras/front-door/segments?from=${from}&to=${to}`,
      `/api/cameras/front-door/playlist.m3u8?from=${from}&to=${to}`,
      `/api/segments/${door.segmentIds[0]}`,
      `/api/events?camera=front-door`,
      `/api/events/${door.eventIds[0]}`,
      `/api/events/${door.eventIds[0]}/thumbnail`,
      `/api/export?camera=front-door&from=${from}&to=${to}`,
    ]) {
      const response = await lodger.request(pathname);
      assert.equal(response.status, 404, pathname);
      const body = (await response.json()) as { error: string };
      assert.equal(body.error, 'not_found', pathname);
    }
    // The 404 for a camera one may not see is the 404 of one that does not exist.
    const hidden = await lodger.request(`/api/cameras/nursery/segments?from=${from}&to=${to}`);
    const absent = await lodger.request(`/api/cameras/attic/segments?from=${from}&to=${to}`);
    assert.equal(hidden.status, 404);
    assert.deepEqual(await hidden.json(), await absent.json());
    // The lodger's events list (no camera given) is empty: live scope has no recordings.
    assert.deepEqual(await (await lodger.request('/api/events')).json(), []);
  } finally {
    await server.stop();
  }
});

test('revoking a grant cuts an open live stream and the next thumbnail; CLI revokes (direct SQL) too, within a second', async () => {
  const server = await startServerFixture();
  try {
    const admin = await loggedIn(server.url, 'ann');
    const kid = await loggedIn(server.url, 'kid');
    const garden = media(server, 'garden');
    const thumbUrl = `/api/events/${garden.eventIds[0]}/thumbnail`;
    assert.equal((await kid.request(thumbUrl)).status, 200);

    const live = await kid.request('/api/cameras/garden/live.mp4');
    assert.equal(live.status, 200);
    let revokedAt = 0;
    const reading = readLive(live, () => false, 8000);
    await new Promise((r) => setTimeout(r, 600));
    revokedAt = Date.now();
    assert.equal((await admin.request('/api/users/kid/grants/garden', { method: 'DELETE' })).status, 204);
    const result = await reading;
    const cutAfterMs = Date.now() - revokedAt;
    assert.equal(result.ended, 'closed', 'the stream was cut, not left running');
    // The revoke cuts the stream at once; the margin is for a loaded CI machine, not a speed claim.
    assert.ok(cutAfterMs < 5000, `cut ${cutAfterMs} ms after the revoke`);
    assert.ok(result.bytes.subarray(0, garden.init.length).equals(garden.init));
    assert.equal((await kid.request(thumbUrl)).status, 404, 'the next thumbnail request is refused');
    console.log(`live stream cut ${cutAfterMs} ms after revoking through the API`);

    // `hearth user revoke` runs in another process and writes SQLite directly: the periodic re-check catches it.
    const door = await kid.request('/api/cameras/front-door/live.mp4');
    assert.equal(door.status, 200);
    const reading2 = readLive(door, () => false, 8000);
    await new Promise((r) => setTimeout(r, 400));
    const sqlRevokedAt = Date.now();
    server.db.prepare("DELETE FROM grants WHERE camera_id = 'front-door' AND user_id = (SELECT id FROM users WHERE username = 'kid')").run();
    const result2 = await reading2;
    const cut2 = Date.now() - sqlRevokedAt;
    assert.equal(result2.ended, 'closed');
    assert.ok(cut2 <= 1000, `cut ${cut2} ms after the SQL revoke`);
    console.log(`live stream cut ${cut2} ms after revoking in SQLite directly`);

    const audit = (await (await admin.request('/api/audit?user=ann')).json()) as Array<{ action: string; camera: string; detail: string }>;
    assert.ok(audit.some((a) => a.action === 'grant_revoked' && a.camera === 'garden' && a.detail === 'kid'));
  } finally {
    await server.stop();
  }
});

test('bad input is a 4xx with a clear JSON message, never a 500, never a file outside the data dir', async () => {
  const server = await startServerFixture();
  try {
    const admin = await loggedIn(server.url, 'ann');
    const root = recordingRoot(server.dataDir);
    // Rows that point outside the root (a tampered or corrupt index) must not serve the file.
    mkdirSync(path.join(server.dataDir, 'outside'), { recursive: true });
    writeFileSync(path.join(server.dataDir, 'outside', 'secret.txt'), 'SECRET');
    symlinkSync(path.join(server.dataDir, 'outside'), path.join(root, 'front-door', 'link'));
    const insert = server.db.prepare("INSERT INTO segments (camera_id, start_ms, end_ms, bytes, path) VALUES ('front-door', ?, ?, 6, ?)");
    const evil = ['../outside/secret.txt', '/etc/passwd', 'front-door/link/secret.txt', 'front-door/../../outside/secret.txt'].map(
      (p, i) => Number(insert.run(to + i * 1000, to + i * 1000 + 500, p).lastInsertRowid),
    );
    const garden = media(server, 'garden');
    server.db.prepare("UPDATE events SET thumbnail_path = '../../../etc/passwd' WHERE id = ?").run(garden.eventIds[3]);
    server.db.prepare("UPDATE events SET thumbnail_path = 'hearth.db' WHERE id = ?").run(garden.eventIds[2]);
    server.db.prepare("UPDATE events SET thumbnail_path = 'thumbnails/../hearth.db' WHERE id = ?").run(garden.eventIds[1]);

    const cases: Array<[string, RequestInit | undefined, number, RegExp]> = [
      ...evil.map((id): [string, RequestInit | undefined, number, RegExp] => [`/api/segments/${id}`, undefined, 404, /./]),
      [`/api/cameras/front-door/playlist.m3u8?from=${to}&to=${to + 5000}`, undefined, 404, /no recordings/],
      [`/api/events/${garden.eventIds[3]}/thumbnail`, undefined, 404, /./],
      [`/api/events/${garden.eventIds[2]}/thumbnail`, undefined, 404, /./],
      [`/api/events/${garden.eventIds[1]}/thumbnail`, undefined, 404, /./],
      ['/api/segments/..%2F..%2Fetc%2Fpasswd', undefined, 400, /positive whole number/],
      ['/api/segments/-1', undefined, 400, /positive whole number/],
      ['/api/segments/0', undefined, 400, /positive whole number/],
      ['/api/segments/1e3', undefined, 400, /positive whole number/],
      ['/api/segments/99999999999999999999', undefined, 400, /positive whole number/],
      ['/api/segments/%E0%A4%A', undefined, 400, /malformed/],
      ['/api/events/abc/thumbnail', undefined, 400, /positive whole number/],
      ['/api/cameras/..%2Fnursery/segments?from=1&to=2', undefined, 400, /not a camera id/],
      ['/api/cameras/FRONT-DOOR/snapshot', undefined, 400, /not a camera id/],
      [`/api/cameras/${'a'.repeat(65)}/snapshot`, undefined, 400, /not a camera id/],
      ['/api/cameras/front-door/segments', undefined, 400, /both "from" and "to"/],
      [`/api/cameras/front-door/segments?from=${to}&to=${from}`, undefined, 400, /later than/],
      [`/api/cameras/front-door/segments?from=-5&to=${to}`, undefined, 400, /ms since/],
      [`/api/cameras/front-door/segments?from=0&to=${to}`, undefined, 400, /too long: at most 24 h/],
      [`/api/cameras/front-door/segments?from=${from}&to=99999999999999999`, undefined, 400, /ms since/],
      [`/api/cameras/front-door/segments?from=${from}&from=1&to=${to}`, undefined, 400, /once/],
      [`/api/cameras/front-door/playlist.m3u8?from=1&to=${from}`, undefined, 400, /too long/],
      ['/api/events?limit=-1', undefined, 400, /limit/],
      ['/api/events?limit=0', undefined, 400, /limit/],
      ['/api/events?limit=100000000', undefined, 400, /limit/],
      ['/api/events?limit=ten', undefined, 400, /limit/],
      ['/api/events?camera=../x', undefined, 400, /not a camera id/],
      ['/api/export?camera=garden', undefined, 400, /both "from" and "to"/],
      ['/api/export', undefined, 400, /"camera" is required/],
      ['/api/audit?limit=99999999', undefined, 400, /limit/],
      ['/api/audit?user=%00', undefined, 400, /"user"/],
      ['/api/login', { method: 'POST', body: '{"username": "ann", ', headers: { 'Content-Type': 'application/json' } }, 400, /not valid JSON/],
      ['/api/login', { method: 'POST', body: '[1,2]', headers: { 'Content-Type': 'application/json' } }, 400, /JSON object/],
      ['/api/login', { method: 'POST', body: '{"username": 5, "password": "x"}', headers: { 'Content-Type': 'application/json' } }, 400, /"username" is required/],
      ['/api/login', { method: 'POST', body: JSON.stringify({ username: 'ann', password: 'x'.repeat(20_000) }), headers: { 'Content-Type': 'application/json' } }, 413, /too large/],
      ['/api/users', { method: 'POST', body: '{"username": "new", "role": "root", "password": "long-enough"}', headers: { 'Content-Type': 'application/json' } }, 400, /role/],
      ['/api/users', { method: 'POST', body: '{"username": "../x", "role": "viewer", "password": "long-enough"}', headers: { 'Content-Type': 'application/json' } }, 400, /username/],
      ['/api/users/ann', { method: 'DELETE' }, 409, /last admin/],
      ['/api/users/nobody/grants/garden', { method: 'PUT', body: '{}', headers: { 'Content-Type': 'application/json' } }, 404, /no user/],
      ['/api/users/kid/grants/garden', { method: 'PUT', body: '{"scope": "all"}', headers: { 'Content-Type': 'application/json' } }, 400, /scope/],
      ['/api/users/kid/grants/attic', { method: 'PUT', body: '{}', headers: { 'Content-Type': 'application/json' } }, 404, /no camera/],
      ['/api/nothing-here', undefined, 404, /no such API route; see src\/http\/API\.md/],
    ];
    let checked = 0;
    for (const [pathname, init, status, message] of cases) {
      const response = await admin.request(pathname, init);
      const text = await response.text();
      assert.equal(response.status, status, `${pathname}: ${text}`);
      assert.doesNotMatch(text, /SECRET|root:x:0|SQLite format/, pathname);
      const body = JSON.parse(text) as { error: string; message: string };
      assert.match(body.message, message, pathname);
      checked += 1;
    }
    console.log(`${checked} bad requests answered 4xx with a message`);
    assert.ok(server.logLines.some((l) => l.includes('http.path_outside_root')), 'tampered rows are logged');
    assert.ok(!server.logLines.some((l) => / error request failed/.test(l)), 'no 500s');
  } finally {
    await server.stop();
  }
});

test('logging out, or a password change elsewhere, cuts that session\'s open live stream', async () => {
  const server = await startServerFixture();
  try {
    const bob = await loggedIn(server.url, 'bob');
    const live = await bob.request('/api/cameras/garden/live.mp4');
    assert.equal(live.status, 200);
    const reading = readLive(live, () => false, 8000);
    await new Promise((r) => setTimeout(r, 300));
    const loggedOutAt = Date.now();
    assert.equal((await bob.request('/api/logout', { method: 'POST' })).status, 204);
    const result = await reading;
    assert.equal(result.ended, 'closed');
    assert.ok(Date.now() - loggedOutAt < 1000);

    const tablet = await loggedIn(server.url, 'kid');
    const stream = await tablet.request('/api/cameras/garden/live.mp4');
    const reading2 = readLive(stream, () => false, 8000);
    await new Promise((r) => setTimeout(r, 300));
    const laptop = await loggedIn(server.url, 'kid');
    const changed = await laptop.json('/api/me/password', 'POST', { currentPassword: 'kid-secret-pass', newPassword: 'another-pass-2' });
    assert.equal(changed.status, 200);
    assert.equal((await reading2).ended, 'closed');
  } finally {
    await server.stop();
  }
});
