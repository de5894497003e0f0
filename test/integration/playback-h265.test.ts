/**
 * Recorded H.265 served as H.264 for browsers without HEVC (GET /api/segments/:id/h264.mp4),
 * against a real server, real SQLite, real ffmpeg/libx265 segments as the recorder writes
 * them: ffprobe reads the answer as H.264 within 1280x720 of the same length as the
 * segment, showing the same moments (decoded frames compared with the H.265 original);
 * through the gate (no grant = the 404 of a missing segment, and no ffmpeg started); one
 * ffmpeg for two viewers of the same segment; stopped after the last of them leaves (not
 * after the first); a box-wide bound answered with 503 + Retry-After.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loggedIn, startServerFixture } from '../helpers/serverFixture.ts';
import { h265Segments, indexH265Recording } from '../helpers/h265Recording.ts';
import { H264Transcoder } from '../../src/playback/h264Transcode.ts';
import { createLogger } from '../../src/log.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import { setGrant } from '../../src/auth/userRows.ts';

const run = promisify(execFile);
const startMs = Date.UTC(2026, 10, 21, 9, 0, 0);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

async function waitFor<T>(what: string, probe: () => T | null | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A 64x36 grey picture of the frame at `seconds` into a file (its own clock starting at 0). */
async function frameAt(file: string, seconds: number): Promise<Buffer> {
  const out = await run('ffmpeg', ['-v', 'error', '-i', file, '-ss', seconds.toFixed(2), '-frames:v', '1', '-vf', 'scale=64:36', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 20 });
  return out.stdout;
}

const meanAbsDiff = (a: Buffer, b: Buffer): number => {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += Math.abs(a[i]! - (b[i] ?? 0));
  return sum / a.length;
};

test('recorded H.265 plays as H.264 through the gate: shared by viewers, stopped after the last leaves, bounded per box', { timeout: 240_000 }, async (t) => {
  const short = h265Segments({ width: 1280, height: 720, fps: 10, segmentSeconds: 4, segments: 3 });
  // Long enough that a viewer can leave while it is still being converted, even on a fast box.
  const long = h265Segments({ width: 1280, height: 720, fps: 10, segmentSeconds: 60, segments: 1 });
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-h264-cache-'));
  const logLines: string[] = [];
  const transcoder = new H264Transcoder({
    ffmpegPath: 'ffmpeg', cacheDir, log: createLogger({ level: 'debug', sink: { write: (l) => logLines.push(l) } }),
    maxConcurrent: 1, idleStopMs: 300,
  });
  const server = await startServerFixture({ h264Transcoder: transcoder });
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'hearth-h265-out-'));
  t.after(async () => {
    transcoder.stopAll();
    await server.stop();
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });
  const root = recordingRoot(server.dataDir);
  const porch = indexH265Recording(server.db, root, 'hevc-porch', [...short, ...long], startMs, 4);
  const yard = indexH265Recording(server.db, root, 'hevc-yard', short, startMs, 4);
  const userId = (name: string) => (server.db.prepare('SELECT id FROM users WHERE username = ?').get(name) as { id: number }).id;
  setGrant(server.db, userId('bob'), 'hevc-porch', 'recordings');
  setGrant(server.db, userId('bob'), 'hevc-yard', 'recordings');
  const [ann, bob, gran, lodger] = await Promise.all([loggedIn(server.url, 'ann'), loggedIn(server.url, 'bob'), loggedIn(server.url, 'gran'), loggedIn(server.url, 'lodger')]);
  setGrant(server.db, userId('lodger'), 'hevc-porch', 'live');

  // The gate: no grant, a live-only grant and a segment that does not exist give the same 404; nothing is converted.
  const first = porch[0]!;
  const missing = await gran.request('/api/segments/999999/h264.mp4');
  const denied = await gran.request(`/api/segments/${first.id}/h264.mp4`);
  const liveOnly = await lodger.request(`/api/segments/${first.id}/h264.mp4`);
  assert.equal(missing.status, 404);
  assert.equal(denied.status, 404, 'a user without a grant gets 404');
  assert.equal(liveOnly.status, 404, 'a live-only grant does not reach recordings');
  assert.deepEqual(await denied.json(), await missing.json(), 'exactly the answer a missing segment gets');
  await liveOnly.arrayBuffer();
  assert.equal(transcoder.stats().started, 0, 'no ffmpeg started for a refused request');

  // Two viewers of the same segment at once: one ffmpeg, the same bytes for both.
  const [a, b] = await Promise.all([ann.request(`/api/segments/${first.id}/h264.mp4`), bob.request(`/api/segments/${first.id}/h264.mp4`)]);
  assert.equal(a.status, 200, await a.clone().text().catch(() => ''));
  assert.equal(b.status, 200);
  assert.equal(a.headers.get('cache-control'), 'private, no-store');
  assert.equal(a.headers.get('content-type'), 'video/mp4');
  const [bytesA, bytesB] = [Buffer.from(await a.arrayBuffer()), Buffer.from(await b.arrayBuffer())];
  assert.ok(bytesA.equals(bytesB), 'both viewers got the same copy');
  assert.equal(transcoder.stats().started, 1, 'one transcoder for two viewers of the same segment');
  const converted = path.join(scratch, 'converted.mp4');
  writeFileSync(converted, bytesA);
  const probe = JSON.parse((await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name,codec_type,width,height', '-of', 'json', converted])).stdout) as {
    format: { duration: string };
    streams: Array<{ codec_name: string; codec_type: string; width: number; height: number }>;
  };
  const original = JSON.parse((await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', first.file])).stdout) as { format: { duration: string }; streams: Array<{ codec_name: string }> };
  assert.equal(original.streams[0]?.codec_name, 'hevc', 'the recording is H.265');
  assert.deepEqual(probe.streams.map((s) => s.codec_type), ['video']);
  assert.equal(probe.streams[0]?.codec_name, 'h264', 'served as H.264');
  assert.ok(probe.streams[0]!.width <= 1280 && probe.streams[0]!.height <= 720, 'within 1280x720');
  assert.ok(Math.abs(Number(probe.format.duration) - Number(original.format.duration)) < 0.35, `same length as the segment (${probe.format.duration} s vs ${original.format.duration} s)`);
  // The same moments: frame 2.5 s in matches the original's 2.5 s, and not its 0.5 s.
  const [orig25, conv25, orig05] = await Promise.all([frameAt(first.file, 2.5), frameAt(converted, 2.5), frameAt(first.file, 0.5)]);
  const same = meanAbsDiff(orig25, conv25);
  const other = meanAbsDiff(orig05, conv25);
  console.log(`h265 playback: ${bytesA.length} bytes of H.264 ${probe.streams[0]!.width}x${probe.streams[0]!.height}, ${probe.format.duration} s; frame at 2.5 s differs from the original's by ${same.toFixed(1)} (from its 0.5 s by ${other.toFixed(1)})`);
  assert.ok(same < 8 && other > same * 2, `the converted picture at 2.5 s is the original's 2.5 s (diff ${same.toFixed(1)}), not another moment (${other.toFixed(1)})`);
  // Asked again (a seek back): served from the copy, no new ffmpeg.
  const again = await bob.request(`/api/segments/${first.id}/h264.mp4`);
  assert.ok(Buffer.from(await again.arrayBuffer()).equals(bytesA));
  assert.equal(transcoder.stats().started, 1, 'a second request within the cache time reuses the copy');

  // Leaving: two viewers of the long segment; the first leaving keeps it running, the last stops it.
  const longSeg = porch[3]!;
  const viewerA = new AbortController();
  const viewerB = new AbortController();
  const pendingA = ann.request(`/api/segments/${longSeg.id}/h264.mp4`, { signal: viewerA.signal }).catch((e: Error) => e);
  const pid = await waitFor('the long segment\'s transcoder', () => transcoder.stats().cameras.find((c) => c.running === longSeg.id)?.pid, 20_000);
  const pendingB = bob.request(`/api/segments/${longSeg.id}/h264.mp4`, { signal: viewerB.signal }).catch((e: Error) => e);
  await waitFor('both viewers on the job', () => transcoder.stats().cameras.find((c) => c.running === longSeg.id)?.viewers === 2, 10_000);
  assert.equal(transcoder.stats().started, 2, 'the second viewer joined the running transcoder');

  // Meanwhile the box is at its bound (1 camera converting): another camera gets 503 with a reason.
  const busy = await bob.request(`/api/segments/${yard[0]!.id}/h264.mp4`);
  assert.equal(busy.status, 503);
  assert.ok(Number(busy.headers.get('retry-after')) > 0, 'Retry-After says when to try again');
  const busyBody = (await busy.json()) as { error: string; message: string };
  assert.equal(busyBody.error, 'transcode_busy');
  assert.match(busyBody.message, /already converting H\.265 recordings .*at most 1 at once/);

  viewerA.abort();
  await pendingA;
  await new Promise((r) => setTimeout(r, 1_000)); // > idleStopMs
  assert.ok(alive(pid), 'still converting while one viewer waits');
  const stoppedAt = Date.now();
  viewerB.abort();
  await pendingB;
  await waitFor('the transcoder to exit after the last viewer left', () => !alive(pid), 10_000);
  const stopMs = Date.now() - stoppedAt;
  console.log(`h265 playback: transcoder pid ${pid} exited ${stopMs} ms after its last viewer left (idle stop 300 ms + SIGINT)`);
  await waitFor('the lane to free', () => transcoder.stats().cameras.length === 0, 5_000);
  assert.deepEqual(readdirSync(cacheDir).filter((n) => n.includes('partial')), [], 'its partial file is removed');
  assert.ok(logLines.some((l) => l.includes('event=playback.h264_stop') && l.includes('why="every viewer left"'), 'the stop is logged with its reason'));

  // With the lane free, the other camera converts.
  const yardAnswer = await bob.request(`/api/segments/${yard[0]!.id}/h264.mp4`);
  assert.equal(yardAnswer.status, 200);
  assert.ok((await yardAnswer.arrayBuffer()).byteLength > 10_000);
});
