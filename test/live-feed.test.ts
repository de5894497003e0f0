/**
 * The live fan-out splits ffmpeg's fragmented MP4 into the init segment and fragments,
 * whatever sizes the pipe reads come in (1 byte, odd sizes, many boxes in one read).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { LiveFeed } from '../src/recording/liveFeed.ts';

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
