/**
 * The live view's MSE type string is read from the stream's own init segment
 * (src/mp4, the one MP4 reader): real ffmpeg output for H.264, H.265 and AAC, so a camera
 * sending H.265 is recognised (and the fallback shown) instead of a black tile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initSegmentLength, streamCodecs } from '../../src/mp4/index.ts';
import { ffmpegPathSync } from '../../src/ffmpeg/locate.ts';

function fragmentedMp4(dir: string, name: string, args: string[]): Uint8Array {
  const file = path.join(dir, name);
  execFileSync(ffmpegPathSync(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=10:duration=1', ...args, '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-f', 'mp4', '-y', file], { timeout: 60_000 });
  return new Uint8Array(readFileSync(file));
}

test('codec strings from real init segments: H.264, H.265 (hvc1 and hev1), AAC', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-codec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const h264 = fragmentedMp4(dir, 'h264.mp4', ['-c:v', 'libx264', '-profile:v', 'high', '-level', '3.1', '-pix_fmt', 'yuv420p']);
  const initLength = initSegmentLength(h264);
  assert.ok(initLength !== null && initLength < h264.length, 'the init segment ends at moov, before the fragments');
  assert.equal(initSegmentLength(h264.subarray(0, initLength - 1)), null, 'a partial moov is not an init segment yet');
  const avc = streamCodecs(h264.subarray(0, initLength));
  assert.deepEqual(avc?.codecs, ['avc1.64001f']);
  assert.equal(avc?.videoName, 'H.264');
  assert.equal(avc?.mime, 'video/mp4; codecs="avc1.64001f"');

  const hvc1 = streamCodecs(fragmentedMp4(dir, 'hvc1.mp4', ['-c:v', 'libx265', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', '-pix_fmt', 'yuv420p']));
  assert.match(hvc1?.codecs[0] ?? '', /^hvc1\.1\.6\.L\d+\.[0-9A-F]+/, `Main profile H.265: ${hvc1?.codecs[0]}`);
  assert.equal(hvc1?.videoName, 'H.265');
  const hev1 = streamCodecs(fragmentedMp4(dir, 'hev1.mp4', ['-c:v', 'libx265', '-x265-params', 'log-level=error', '-tag:v', 'hev1', '-pix_fmt', 'yuv420p']));
  assert.match(hev1?.codecs[0] ?? '', /^hev1\.1\.6\.L\d+/);

  const withAudio = fragmentedMp4(dir, 'aac.mp4', ['-f', 'lavfi', '-i', 'sine=duration=1', '-c:v', 'libx264', '-profile:v', 'baseline', '-level', '3.0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest']);
  assert.deepEqual(streamCodecs(withAudio)?.codecs, ['avc1.42c01e', 'mp4a.40.2']);
  assert.equal(streamCodecs(new Uint8Array([0, 0, 0, 8, 0x66, 0x72, 0x65, 0x65])), null, 'no moov, no codecs');
});
