/**
 * The live fan-out splits ffmpeg's fragmented MP4 into the init segment and fragments,
 * whatever sizes the pipe reads come in (1 byte, odd sizes, many boxes in one read). Live
 * fragments are shorter than a GOP: the feed finds the ones that start on a keyframe (checked
 * against ffprobe, H.264 and H.265) and keeps the GOP so far, bounded, for late joiners.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LiveFeed } from '../../src/live/liveFeed.ts';
import { fragmentStart, trackDefaults } from '../../src/mp4/index.ts';
import { liveFragmentMicros, recorderArgs } from '../../src/ffmpeg/args.ts';

const fmp4 = execFileSync('ffmpeg', [
  '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=15', '-t', '4',
  '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', 'pipe:1',
], { maxBuffer: 64 * 1024 * 1024 });

function split(reads: (i: number) => number): { init: Buffer | null; fragments: Buffer[] } {
  const feed = new LiveFeed('cam');
  const fragments: Buffer[] = [];
  let init: Buffer | null = null;
  feed.on('init', (segment) => (init = segment));
  feed.on('fragment', (fragment) => fragments.push(fragment));
  for (let at = 0, i = 0; at < fmp4.length; i += 1) {
    const n = Math.max(1, reads(i));
    feed.push(Buffer.from(fmp4.subarray(at, at + n)));
    at += n;
  }
  return { init, fragments };
}

test('init and fragments come out whole for any read sizes', () => {
  const whole = split(() => fmp4.length);
  assert.ok(whole.init, 'an init segment');
  assert.equal(whole.init!.toString('latin1', 4, 8), 'ftyp');
  assert.ok(whole.fragments.length >= 4, `${whole.fragments.length} fragments`);
  const joined = Buffer.concat([whole.init!, ...whole.fragments]);
  assert.deepEqual(joined, fmp4.subarray(0, joined.length), 'nothing lost or reordered');
  // What remains is ffmpeg's closing index (mfra), which is no fragment.
  assert.equal(fmp4.toString('latin1', joined.length + 4, joined.length + 8), 'mfra');
  for (const sizes of [() => 1, (i: number) => 1 + ((i * 7919) % 65_536), () => 4096, (i: number) => (i % 2 ? 3 : 60_000)]) {
    const got = split(sizes);
    assert.deepEqual(got.init, whole.init);
    assert.equal(got.fragments.length, whole.fragments.length);
    assert.deepEqual(Buffer.concat(got.fragments), Buffer.concat(whole.fragments));
  }
});

// ---- sub-GOP live fragments (recorderArgs' -frag_duration): keyframes and the GOP so far ----

/** A 2 s GOP (a camera's usual) stream-copied with the recorder's live-output flags, as the recorder does. */
function liveFmp4(codec: 'h264' | 'hevc'): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-live-feed-'));
  try {
    const source = path.join(dir, `source-${codec}.mp4`);
    const encoder =
      codec === 'h264'
        ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0']
        : ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'keyint=30:min-keyint=30:scenecut=0:open-gop=0:log-level=error'];
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=15', '-t', '6', ...encoder, '-y', source], { timeout: 60_000 });
    return execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', source, ...liveOutputArgs()], { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The live pipe output of the recorder's real argument list: everything after the segment pattern. */
function liveOutputArgs(): string[] {
  const pattern = '/nowhere/%Y%m%dT%H%M%SZ.mp4';
  const args = recorderArgs({ inputUrl: 'rtsp://127.0.0.1:1/x', segmentPattern: pattern, segmentSeconds: 10, rotationOffsetSeconds: 0, audio: 'none', ioTimeoutSeconds: 5, segmentListFd: 3 });
  return args.slice(args.indexOf(pattern) + 1);
}

/** ffprobe's word on each packet: byte position in the stream and whether it is a keyframe. */
function probePackets(fmp4: Buffer): Array<{ pos: number; key: boolean }> {
  const csv = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pos,flags', '-of', 'csv=p=0', '-i', 'pipe:0'], { input: fmp4, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }).toString();
  return csv.trim().split('\n').map((line) => {
    const [pos, flags] = line.split(',');
    return { pos: Number(pos), key: (flags ?? '').includes('K') };
  });
}

/** Decodes init + fragments with ffmpeg; returns the frames decoded and anything ffmpeg complained about. */
function decode(parts: Buffer[]): { frames: number; errors: string } {
  const result = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', '-i', 'pipe:0'], { input: Buffer.concat(parts), timeout: 60_000 });
  return { frames: Number(result.stdout.toString().trim()), errors: result.stderr.toString().trim() };
}

test('recorder args: only the live pipe gets -frag_duration; segment files keep their options', () => {
  const pattern = '/nowhere/%Y%m%dT%H%M%SZ.mp4';
  const args = recorderArgs({ inputUrl: 'rtsp://127.0.0.1:1/x', segmentPattern: pattern, segmentSeconds: 10, rotationOffsetSeconds: 0, audio: 'none', ioTimeoutSeconds: 5, segmentListFd: 3 });
  const segmentPart = args.slice(0, args.indexOf(pattern) + 1);
  assert.ok(!segmentPart.includes('-frag_duration'), 'the segment output has no live fragment cap');
  // Fragments of at most 1 s bound a kill -9's loss (README Reliability); skip_trailer drops
  // the mfra index nothing reads (bench/storage.ts: 24 B/s, 0.4 % of disk at 50 kbit/s).
  assert.equal(segmentPart[segmentPart.indexOf('-segment_format_options') + 1], 'movflags=frag_keyframe+empty_moov+default_base_moof+skip_trailer:flush_packets=1:frag_duration=1000000');
  const live = liveOutputArgs();
  assert.equal(live.at(-1), 'pipe:1');
  assert.equal(live[live.indexOf('-movflags') + 1], 'frag_keyframe+empty_moov+default_base_moof', 'a live fragment still starts at every keyframe');
  assert.equal(live[live.indexOf('-frag_duration') + 1], String(liveFragmentMicros));
});

for (const codec of ['h264', 'hevc'] as const) {
  test(`${codec}: sub-GOP live fragments; keyframe fragments found where ffprobe puts the keyframes; the GOP so far decodes`, { timeout: 120_000 }, () => {
    const fmp4 = liveFmp4(codec);
    const feed = new LiveFeed('cam');
    const fragments: Buffer[] = [];
    let init: Buffer | null = null;
    feed.on('init', (segment) => (init = segment));
    feed.on('fragment', (fragment) => fragments.push(fragment));
    feed.push(fmp4);
    assert.ok(init, 'an init segment');
    const initSegment: Buffer = init;

    // Where each fragment starts in the stream, and whether ffprobe says its first packet is a keyframe.
    const packets = probePackets(fmp4);
    const keyPackets = packets.filter((p) => p.key).length;
    assert.equal(keyPackets, 3, '6 s at a 2 s GOP: three keyframes');
    let offset = initSegment.length;
    const expected = fragments.map((fragment) => {
      const first = packets.find((p) => p.pos >= offset && p.pos < offset + fragment.length);
      offset += fragment.length;
      return first?.key ?? false;
    });
    assert.ok(fragments.length >= 3 * keyPackets, `${fragments.length} fragments for ${keyPackets} GOPs: shorter than a GOP`);
    const defaults = trackDefaults(initSegment);
    const found = fragments.map((fragment) => fragmentStart(fragment, defaults) === 'keyframe');
    assert.deepEqual(found, expected, 'keyframe fragments are exactly those whose first packet is a keyframe');
    assert.equal(found.filter(Boolean).length, keyPackets, 'one keyframe fragment per GOP');
    assert.ok(fragments.every((f) => fragmentStart(f, defaults) !== 'unknown'), 'every fragment says how it starts');

    // The run a late joiner gets after the whole stream: from the last keyframe fragment to the end.
    const lastKey = found.lastIndexOf(true);
    assert.deepEqual(feed.keyframeRun(), fragments.slice(lastKey));

    // Mid-GOP: replay fragment by fragment and stop two fragments after the second keyframe.
    const secondKey = found.indexOf(true, found.indexOf(true) + 1);
    const replay = new LiveFeed('cam');
    replay.push(initSegment);
    for (const fragment of fragments.slice(0, secondKey + 3)) replay.push(fragment);
    const run = replay.keyframeRun();
    assert.deepEqual(run, fragments.slice(secondKey, secondKey + 3), 'the GOP so far, from its keyframe fragment');
    const decoded = decode([initSegment, ...run]);
    assert.equal(decoded.errors, '', 'the GOP so far decodes cleanly');
    const runFrom = initSegment.length + fragments.slice(0, secondKey).reduce((n, f) => n + f.length, 0);
    const runTo = runFrom + run.reduce((n, f) => n + f.length, 0);
    const samples = packets.filter((p) => p.pos >= runFrom && p.pos < runTo).length;
    assert.ok(decoded.frames > 0, `${decoded.frames} frames decoded`);
    assert.equal(decoded.frames, samples, 'every frame of the run decodes, from its first');
  });
}

test('the GOP so far stays within its bounds, and a bad moof never stops the stream', { timeout: 120_000 }, () => {
  const fmp4 = liveFmp4('h264');
  const whole = new LiveFeed('cam');
  const fragments: Buffer[] = [];
  let init: Buffer | null = null;
  whole.on('init', (segment) => (init = segment));
  whole.on('fragment', (fragment) => fragments.push(fragment));
  whole.push(fmp4);
  assert.ok(init);
  const initSegment: Buffer = init;
  const defaults = trackDefaults(initSegment);
  const isKey = fragments.map((f) => fragmentStart(f, defaults) === 'keyframe');
  const firstKey = isKey.indexOf(true);
  const secondKey = isKey.indexOf(true, firstKey + 1);
  assert.ok(secondKey - firstKey >= 3, 'at least three fragments in the first GOP');

  // By count: two fragments at most; the third of a GOP drops the run until the next keyframe.
  const byCount = new LiveFeed('cam', { maxRunFragments: 2 });
  byCount.push(initSegment);
  byCount.push(fragments[firstKey]!);
  byCount.push(fragments[firstKey + 1]!);
  assert.equal(byCount.keyframeRun().length, 2);
  byCount.push(fragments[firstKey + 2]!);
  assert.deepEqual(byCount.keyframeRun(), [], 'past the bound a late joiner gets nothing rather than an undecodable tail');
  for (const fragment of fragments.slice(firstKey + 3, secondKey)) byCount.push(fragment);
  assert.deepEqual(byCount.keyframeRun(), []);
  byCount.push(fragments[secondKey]!);
  assert.deepEqual(byCount.keyframeRun(), [fragments[secondKey]], 'the next keyframe starts a new run');

  // By bytes: the run never holds more than maxRunBytes.
  const maxRunBytes = fragments[firstKey]!.length + fragments[firstKey + 1]!.length;
  const byBytes = new LiveFeed('cam', { maxRunBytes });
  byBytes.push(initSegment);
  for (const fragment of fragments) {
    byBytes.push(fragment);
    const held = byBytes.keyframeRun().reduce((n, f) => n + f.length, 0);
    assert.ok(held <= maxRunBytes, `${held} bytes held, bound ${maxRunBytes}`);
  }

  // A moof whose insides are garbage (and truncated copies of real ones) are 'unknown', never a throw, and still fan out.
  const garbage = Buffer.alloc(64, 0xff);
  garbage.writeUInt32BE(64, 0);
  garbage.write('moof', 4, 'latin1');
  garbage.writeUInt32BE(40, 8);
  garbage.write('traf', 12, 'latin1');
  const mdat = Buffer.from([0, 0, 0, 8, 0x6d, 0x64, 0x61, 0x74]);
  assert.equal(fragmentStart(garbage, defaults), 'unknown');
  for (let cut = 0; cut < 400; cut += 7) assert.doesNotThrow(() => fragmentStart(fragments[firstKey]!.subarray(0, cut), defaults));
  assert.equal(fragmentStart(fragments[firstKey]!, trackDefaults(Buffer.from('not an init segment'))), 'keyframe', 'trun flags decide without the init segment');
  const lying = new LiveFeed('cam');
  const out: Buffer[] = [];
  lying.on('fragment', (fragment) => out.push(fragment));
  lying.push(initSegment);
  lying.push(fragments[firstKey]!);
  lying.push(Buffer.concat([garbage, mdat]));
  assert.equal(out.length, 2, 'the unreadable fragment is still fanned out');
  assert.equal(lying.keyframeRun().length, 2, 'an unknown fragment extends the run, it does not start one');
  lying.restart();
  assert.deepEqual(lying.keyframeRun(), [], 'a restart forgets the old stream');
});
