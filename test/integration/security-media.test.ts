/**
 * Media serving (docs/DESIGN.md, "One gate"): a row's file only from its own camera's folder (L1), snapshots
 * bounded box-wide and cached per camera (M5), no old recorded frame for a live-only grant
 * (L6). Real SQLite, real files, real ffmpeg.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { Client, loggedIn, startServerFixture } from '../helpers/serverFixture.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import { snapshotFromRecording, SnapshotBusyError } from '../../src/playback/snapshotFromRecording.ts';

/** Width × height from a JPEG's SOF0 marker. */
function jpegSize(jpeg: Buffer): string {
  for (let i = 2; i + 9 < jpeg.length; i += 1) {
    if (jpeg[i] === 0xff && (jpeg[i + 1] === 0xc0 || jpeg[i + 1] === 0xc1)) return `${jpeg.readUInt16BE(i + 7)}x${jpeg.readUInt16BE(i + 5)}`;
  }
  return 'none';
}

test('L1: a row of camera A naming camera B\'s file is refused for segments, playlists, thumbnails and snapshots', async () => {
  const server = await startServerFixture();
  try {
    const nurserySegment = server.db.prepare("SELECT path, start_ms AS startMs FROM segments WHERE camera_id = 'nursery' ORDER BY id LIMIT 1").get() as { path: string; startMs: number };
    const nurseryThumb = server.db.prepare("SELECT thumbnail_path AS p FROM events WHERE camera_id = 'nursery' AND thumbnail_path IS NOT NULL LIMIT 1").get() as { p: string };
    // The newest front-door row points at the nursery's file (an indexer mix-up).
    const mixed = Number(server.db.prepare("INSERT INTO segments (camera_id, start_ms, end_ms, bytes, path) VALUES ('front-door', ?, ?, 1, ?)").run(nurserySegment.startMs + 60_000, nurserySegment.startMs + 64_000, nurserySegment.path.replace('/', '//')).lastInsertRowid);
    const mixedEvent = Number(server.db.prepare("INSERT INTO events (camera_id, start_ms, end_ms, score, region, thumbnail_path) VALUES ('front-door', ?, ?, 0.5, '{}', ?)").run(nurserySegment.startMs, nurserySegment.startMs + 1000, nurseryThumb.p).lastInsertRowid);
    const kid = await loggedIn(server.url, 'kid'); // front-door: recordings
    const segment = await kid.request(`/api/segments/${mixed}`);
    assert.equal(segment.status, 404, 'no nursery bytes under front-door');
    const thumb = await kid.request(`/api/events/${mixedEvent}/thumbnail`);
    assert.equal(thumb.status, 404);
    const playlist = await (await kid.request(`/api/cameras/front-door/playlist.m3u8?from=${nurserySegment.startMs - 60_000}&to=${nurserySegment.startMs + 120_000}`)).text();
    assert.ok(!playlist.includes(`/api/segments/${mixed}`), playlist);
    assert.ok(server.logLines.some((l) => l.includes('http.path_outside_root') && l.includes("camera front-door's folder")));
    // The snapshot skips the mixed-up row and decodes front-door's own newest file (320x240, not the nursery's 352x288).
    const admin = await loggedIn(server.url, 'ann');
    const snap = await admin.request('/api/cameras/front-door/snapshot');
    assert.equal(snap.status, 200);
    assert.equal(jpegSize(Buffer.from(await snap.arrayBuffer())), '320x240');
  } finally {
    await server.stop();
  }
});

test('M5: snapshots share one decoder per camera, run at most 2 at once box-wide, refuse beyond the queue, and are cached briefly', async () => {
  const server = await startServerFixture();
  try {
    // ffmpeg behind a wrapper that logs each start and end: the real decoder, counted.
    const logFile = path.join(server.dataDir, 'ffmpeg-runs.log');
    const wrapper = path.join(server.dataDir, 'ffmpeg-counting.sh');
    writeFileSync(wrapper, `#!/bin/sh\necho start >> '${logFile}'\nsleep 0.3\nffmpeg "$@"\nrc=$?\necho end >> '${logFile}'\nexit $rc\n`);
    chmodSync(wrapper, 0o755);
    const runs = (): string[] => {
      try {
        return readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean);
      } catch {
        return [];
      }
    };
    let clockMs = Date.now();
    const source = snapshotFromRecording(server.db, recordingRoot(server.dataDir), wrapper, { maxRunning: 2, maxWaiting: 1, cacheMs: 2_000, now: () => clockMs });

    // 20 viewers of one camera at once: one ffmpeg.
    const same = await Promise.all(Array.from({ length: 20 }, () => source.snapshot('garden')));
    assert.ok(same.every((j) => j !== null && jpegSize(j) === '256x192'));
    assert.equal(runs().filter((l) => l === 'start').length, 1);
    // Within the cache time: no new ffmpeg; after it, one more.
    await source.snapshot('garden');
    assert.equal(runs().filter((l) => l === 'start').length, 1);
    clockMs += 2_001;
    await source.snapshot('garden');
    assert.equal(runs().filter((l) => l === 'start').length, 2);

    // Three other cameras' worth at once with 2 slots and 1 waiting place: all decoded, never 3 at a time.
    writeFileSync(logFile, '');
    const three = await Promise.all(['front-door', 'nursery', 'garden'].map((id) => (clockMs += 2_001, source.snapshot(id))));
    assert.ok(three.every((j) => j !== null));
    let running = 0;
    let peak = 0;
    for (const line of runs()) {
      running += line === 'start' ? 1 : -1;
      peak = Math.max(peak, running);
    }
    assert.equal(peak, 2, runs().join(','));

    // A fourth distinct request while 2 run and 1 waits: refused at once.
    // A fourth distinct request while 2 run and 1 waits: refused at once. (A new newest
    // front-door file, so it cannot share the decoder of the first front-door request.)
    const rel = 'front-door/2026-11-20/extra.mp4';
    copyFileSync(server.media.get('front-door')!.file, path.join(recordingRoot(server.dataDir), rel));
    clockMs += 2_001;
    const first = ['front-door', 'nursery', 'garden'].map((id) => source.snapshot(id));
    server.db.prepare("INSERT INTO segments (camera_id, start_ms, end_ms, bytes, path) VALUES ('front-door', ?, ?, 1, ?)").run(Date.now(), Date.now() + 1, rel);
    const busy = await Promise.allSettled([...first, source.snapshot('front-door')]);
    const refused = busy.filter((r) => r.status === 'rejected' && r.reason instanceof SnapshotBusyError).length;
    console.log(`snapshots: 20 parallel viewers of one camera → 1 ffmpeg; peak ${peak} decoders at once; ${refused} of 4 refused as busy`);
    assert.equal(refused, 1, JSON.stringify(busy.map((r) => r.status)));
  } finally {
    await server.stop();
  }
});

test('L6: a live-only grant gets no hours-old recorded frame; a fresh one, and recordings grants, do', async () => {
  const server = await startServerFixture();
  try {
    const lodger = await loggedIn(server.url, 'lodger'); // front-door: live only
    const bob = await loggedIn(server.url, 'bob'); // front-door: export
    const old = await lodger.request('/api/cameras/front-door/snapshot');
    assert.equal(old.status, 404, 'the newest recording is from days ago');
    assert.match(((await old.json()) as { message: string }).message, /not recording now/);
    assert.equal((await bob.request('/api/cameras/front-door/snapshot')).status, 200);
    // The camera records again: a segment that ended seconds ago.
    const root = recordingRoot(server.dataDir);
    const day = new Date().toISOString().slice(0, 10);
    mkdirSync(path.join(root, 'front-door', day), { recursive: true });
    const rel = `front-door/${day}/fresh.mp4`;
    copyFileSync(server.media.get('front-door')!.file, path.join(root, rel));
    server.db.prepare("INSERT INTO segments (camera_id, start_ms, end_ms, bytes, path) VALUES ('front-door', ?, ?, 1, ?)").run(Date.now() - 6_000, Date.now() - 2_000, rel);
    const now = await lodger.request('/api/cameras/front-door/snapshot');
    assert.equal(now.status, 200);
    assert.equal(jpegSize(Buffer.from(await now.arrayBuffer())), '320x240');
  } finally {
    await server.stop();
  }
});

test('L5: an export in progress is cut by a revoked grant and by logout; a burst cannot exceed the 2-export cap', async () => {
  const server = await startServerFixture();
  try {
    // 300 segments (~20 min) per camera: a download that outlives the socket buffers of a reader that stops reading.
    const root = recordingRoot(server.dataDir);
    const startMs = Date.UTC(2026, 10, 21, 0, 0, 0);
    for (const id of ['nursery', 'garden']) {
      mkdirSync(path.join(root, id, '2026-11-21'), { recursive: true });
      const insert = server.db.prepare('INSERT INTO segments (camera_id, start_ms, end_ms, bytes, path) VALUES (?, ?, ?, ?, ?)');
      for (let i = 0; i < 300; i += 1) {
        const rel = `${id}/2026-11-21/long-${i}.mp4`;
        copyFileSync(server.media.get(id)!.file, path.join(root, rel));
        insert.run(id, startMs + i * 4_000, startMs + (i + 1) * 4_000, 1, rel);
      }
    }
    const range = `from=${startMs}&to=${startMs + 300 * 4_000}`;
    const fullBytes = 300 * server.media.get('nursery')!.bytes.length;

    /** Reads the first chunk, pauses (TCP backpressure stalls ffmpeg), runs `cut`, then drains: bytes, and whether it ended incomplete. */
    const cutDownload = (client: Client, camera: string, cut: () => Promise<void>): Promise<{ bytes: number; error: boolean; ms: number }> =>
      new Promise((resolve, reject) => {
        const req = http.get(`${server.url}/api/export?camera=${camera}&${range}`, { headers: { Cookie: client.cookie ?? '' } }, (res) => {
          if (res.statusCode !== 200) {
            reject(new Error(`export answered ${res.statusCode}`));
            return;
          }
          let bytes = 0;
          let started = 0;
          let complete = false;
          res.once('data', (chunk: Buffer) => {
            bytes += chunk.length;
            res.pause();
            setTimeout(() => {
              started = Date.now();
              cut().then(() => {
                res.on('data', (more: Buffer) => (bytes += more.length));
                res.resume();
              }, reject);
            }, 500);
          });
          res.on('end', () => (complete = true));
          res.on('close', () => resolve({ bytes, error: !complete || res.errored !== null, ms: Date.now() - started }));
        });
        req.on('error', () => undefined);
      });

    const admin = await loggedIn(server.url, 'ann');
    const bob = await loggedIn(server.url, 'bob');
    const revoked = await cutDownload(bob, 'nursery', async () => {
      assert.equal((await admin.request('/api/users/bob/grants/nursery', { method: 'DELETE' })).status, 204);
    });
    const kid = await loggedIn(server.url, 'kid');
    const loggedOut = await cutDownload(kid, 'garden', async () => {
      const other = new Client(server.url);
      other.cookie = kid.cookie;
      assert.equal((await other.request('/api/logout', { method: 'POST' })).status, 204);
    });
    console.log(`exports cut: on revoke after ${revoked.bytes} of ${fullBytes} bytes (${revoked.ms} ms), on logout after ${loggedOut.bytes} bytes (${loggedOut.ms} ms)`);
    for (const cut of [revoked, loggedOut]) {
      assert.ok(cut.error, 'the download ends in an error, not a complete file');
      assert.ok(cut.bytes < fullBytes);
    }
    assert.ok(server.logLines.some((l) => l.includes('export.revoked')));

    // The burst: 5 exports at once by an admin, while none runs: 2 start, 3 get 503.
    await new Promise((r) => setTimeout(r, 500)); // the cut ffmpegs exit and free their slots
    const burst = await Promise.all(Array.from({ length: 5 }, () => admin.request(`/api/export?camera=nursery&${range}`)));
    const statuses = burst.map((r) => r.status).sort();
    for (const r of burst) await r.body?.cancel();
    assert.deepEqual(statuses, [200, 200, 503, 503, 503]);
  } finally {
    await server.stop();
  }
});
