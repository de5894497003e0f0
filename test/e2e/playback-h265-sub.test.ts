/**
 * An H.265 camera's H.264 sub stream is recorded too, an H.264 camera's is not; against a
 * real `hearth start`, GStreamer's RTSP server (x265enc / x264enc) and real SQLite:
 * sub segments go to `<camera>.sub/` with stream='sub' and play as H.264; every existing
 * listing (timeline segments, HLS playlist, export) still reads only the main stream, and
 * `?stream=sub` lists the sub recording; a restart's reconcile keeps both. Prints the sub
 * stream's bytes as a share of the main stream's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { runHearth, startHearthProcess, type RunningHearthProcess } from '../helpers/hearthProcess.ts';
import { startH265RtspCamera, type H265RtspCamera } from '../helpers/h265RtspCamera.ts';
import { Client } from '../helpers/serverFixture.ts';

const run = promisify(execFile);

interface Row {
  id: number;
  cameraId: string;
  stream: string;
  startMs: number;
  endMs: number;
  bytes: number;
  path: string;
}

function rows(dataDir: string): Row[] {
  const db = new Database(path.join(dataDir, 'hearth.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, camera_id AS cameraId, stream, start_ms AS startMs, end_ms AS endMs, bytes, path FROM segments WHERE deleting = 0 ORDER BY start_ms').all() as Row[];
  } finally {
    db.close();
  }
}

const codecOf = async (file: string): Promise<string> => (await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file])).stdout.trim();

test('an H.265 camera records its H.264 sub stream too (an H.264 camera does not); listings read main unless asked', { timeout: 240_000 }, async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-h265-sub-'));
  let camera: H265RtspCamera | undefined;
  let hearth: RunningHearthProcess | undefined;
  t.after(async () => {
    await hearth?.stop('SIGTERM');
    await camera?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  camera = await startH265RtspCamera({
    mounts: [
      { path: '/h265', codec: 'h265', width: 640, height: 360, fps: 10, gop: 20, kbps: 600 },
      { path: '/h265-sub', codec: 'h264', width: 320, height: 180, fps: 10, gop: 20, kbps: 60 },
      { path: '/h264', codec: 'h264', width: 320, height: 240, fps: 10, gop: 20, kbps: 200 },
      { path: '/h264-sub', codec: 'h264', width: 160, height: 120, fps: 10, gop: 20, kbps: 40 },
    ],
  });
  const configFile = path.join(dataDir, 'hearth.yaml');
  writeFileSync(configFile, [
    'recording:', '  segmentSeconds: 4', 'cameras:',
    '  - id: hevc-1', '    name: Back door', '    streams:', `      main: ${camera.urlOf('/h265')}`, `      sub: ${camera.urlOf('/h265-sub')}`, '    motion:', '      enabled: false',
    '  - id: avc-1', '    name: Shed', '    streams:', `      main: ${camera.urlOf('/h264')}`, `      sub: ${camera.urlOf('/h264-sub')}`, '    motion:', '      enabled: false',
    '',
  ].join('\n'));
  const env = { HEARTH_CONFIG: configFile, HEARTH_DATA: dataDir, HEARTH_LOG_LEVEL: 'info' };
  const added = await runHearth(['user', 'add', 'admin', '--role', 'admin', '--password-stdin'], { env, input: 'admin-pass-1234\n' });
  assert.equal(added.code, 0, added.stderr);
  hearth = await startHearthProcess(['--port', '0', '--host', '127.0.0.1'], { env, timeoutMs: 60_000 });
  const running = hearth;

  // Bounded wait: 16 s of sub recording (it starts once the first main segment shows H.265).
  const deadline = Date.now() + 150_000;
  for (;;) {
    const sub = rows(dataDir).filter((r) => r.cameraId === 'hevc-1' && r.stream === 'sub');
    if (sub.reduce((ms, r) => ms + r.endMs - r.startMs, 0) >= 16_000) break;
    if (Date.now() > deadline) throw new Error(`no 16 s of sub-stream recording within 150 s; hearth output:\n${running.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const all = rows(dataDir);
  const of = (cameraId: string, stream: string) => all.filter((r) => r.cameraId === cameraId && r.stream === stream);
  const [hevcMain, hevcSub, avcMain, avcSub] = [of('hevc-1', 'main'), of('hevc-1', 'sub'), of('avc-1', 'main'), of('avc-1', 'sub')];
  assert.ok(hevcMain.length > 0 && avcMain.length > 0, 'both cameras record their main stream');
  assert.deepEqual(avcSub, [], 'an H.264 camera records no sub stream (unchanged)');
  assert.ok(hevcSub.every((r) => r.path.startsWith('hevc-1.sub/')), 'sub segments are in their own folder');
  assert.equal(await codecOf(path.join(dataDir, 'recordings', hevcMain[0]!.path)), 'hevc');
  assert.equal(await codecOf(path.join(dataDir, 'recordings', hevcSub[0]!.path)), 'h264', 'the sub recording is H.264');
  assert.equal(await codecOf(path.join(dataDir, 'recordings', avcMain[0]!.path)), 'h264');
  // Bytes per second of the same stretch of time.
  const rate = (list: Row[]) => list.reduce((b, r) => b + r.bytes, 0) / list.reduce((ms, r) => ms + (r.endMs - r.startMs), 0);
  const share = rate(hevcSub) / rate(hevcMain);
  const kbps = (list: Row[]) => ((rate(list) * 8) / 1000) * 1000;
  console.log(
    `h265 sub: ${hevcSub.length} sub segments beside ${hevcMain.length} main; sub ${kbps(hevcSub).toFixed(0)} kbit/s = ${(share * 100).toFixed(1)} % of the main stream's ${kbps(hevcMain).toFixed(0)} kbit/s ` +
      '(set by the test camera: 320x180 H.264 beside 640x360 H.265; a real camera\'s sub stream is a few percent of a 1080p/4K main)',
  );
  assert.ok(share < 1, 'the sub stream is the smaller one');
  assert.match(running.output(), /event=recorder\.sub_started camera=hevc-1/);
  assert.doesNotMatch(running.output(), /event=recorder\.sub_started camera=avc-1/);

  // The API: every existing listing is the main stream; ?stream=sub is the sub recording.
  const admin = new Client(running.url);
  assert.equal((await admin.login('admin', 'admin-pass-1234')).status, 200);
  const from = Math.min(...all.map((r) => r.startMs)) - 1000;
  const to = Date.now() + 1000;
  const listed = (await (await admin.request(`/api/cameras/hevc-1/segments?from=${from}&to=${to}`)).json()) as Array<{ id: number }>;
  const mainIds = new Set(rows(dataDir).filter((r) => r.cameraId === 'hevc-1' && r.stream === 'main').map((r) => r.id));
  assert.ok(listed.length > 0 && listed.every((s) => mainIds.has(s.id)), 'the timeline list holds only main segments');
  const listedSub = (await (await admin.request(`/api/cameras/hevc-1/segments?from=${from}&to=${to}&stream=sub`)).json()) as Array<{ id: number; url: string }>;
  const subIds = new Set(rows(dataDir).filter((r) => r.cameraId === 'hevc-1' && r.stream === 'sub').map((r) => r.id));
  assert.ok(listedSub.length > 0 && listedSub.every((s) => subIds.has(s.id)), '?stream=sub lists the sub recording');
  assert.equal((await admin.request(`/api/cameras/hevc-1/segments?from=${from}&to=${to}&stream=other`)).status, 400);
  const subBytes = await admin.request(listedSub[0]!.url);
  assert.equal(subBytes.status, 200);
  assert.equal(subBytes.headers.get('cache-control'), 'private, no-store');
  const playlist = await (await admin.request(`/api/cameras/hevc-1/playlist.m3u8?from=${from}&to=${to}`)).text();
  assert.ok([...subIds].every((id) => !playlist.includes(`/api/segments/${id}\n`)), 'the HLS playlist holds no sub segment');
  const exported = path.join(dataDir, 'export.mp4');
  const first = hevcMain[0]!;
  const download = await admin.request(`/api/export?camera=hevc-1&from=${first.startMs}&to=${first.startMs + 8000}`);
  assert.equal(download.status, 200);
  writeFileSync(exported, Buffer.from(await download.arrayBuffer()));
  assert.equal(await codecOf(exported), 'hevc', 'export stays a stream copy of the main stream');

  // A restart: reconcile knows the .sub folder (indexes, never calls it an unknown camera).
  await running.stop('SIGTERM');
  hearth = await startHearthProcess(['--port', '0', '--host', '127.0.0.1'], { env, timeoutMs: 60_000 });
  await new Promise((r) => setTimeout(r, 1500));
  assert.doesNotMatch(hearth.output(), /reconcile\.unknown_camera/, 'no unknown-camera folder');
  const after = rows(dataDir).filter((r) => r.cameraId === 'hevc-1' && r.stream === 'sub');
  assert.ok(after.length >= hevcSub.length, 'sub rows kept across the restart');
});
