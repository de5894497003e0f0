/**
 * fluent-ffmpeg's one home: a real one-shot job returns its bytes, and the bounds this
 * module adds hold on real ffmpeg: a job past its time is stopped and gone, output past the
 * cap is refused, ffmpeg's own last words reach the caller.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ffmpegOutput, OneShotError } from '../../src/ffmpeg/oneShot.ts';
import { snapshotFromSegmentArgs } from '../../src/ffmpeg/args.ts';
import { h265Segments } from '../helpers/h265Recording.ts';
import { childPids, commandLine } from '../helpers/processCpu.ts';

const segment = (): string => h265Segments({ width: 320, height: 240, fps: 10, segmentSeconds: 2, segments: 1 })[0]!;
const endless = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=5', '-f', 'mjpeg', 'pipe:1'];

test('the last frame of a real recorder segment comes back as a JPEG', async () => {
  const jpeg = await ffmpegOutput(snapshotFromSegmentArgs(segment()), { timeoutMs: 20_000, maxOutputBytes: 8 << 20 });
  assert.equal(jpeg.subarray(0, 2).toString('hex'), 'ffd8');
});

test('a job past its time limit is refused and its ffmpeg stopped', async () => {
  await assert.rejects(ffmpegOutput(endless, { timeoutMs: 800, maxOutputBytes: 8 << 20 }), (error: unknown) => error instanceof OneShotError && /took over 800 ms/.test(error.message));
  await waitGone();
});

test('output past the cap is refused and its ffmpeg stopped', async () => {
  await assert.rejects(ffmpegOutput(endless, { timeoutMs: 20_000, maxOutputBytes: 1_000 }), (error: unknown) => error instanceof OneShotError && /over 1000 bytes/.test(error.message));
  await waitGone();
});

test("ffmpeg's own error reaches the caller", async () => {
  await assert.rejects(ffmpegOutput(snapshotFromSegmentArgs('/nonexistent/seg.mp4'), { timeoutMs: 20_000, maxOutputBytes: 8 << 20 }), (error: unknown) => error instanceof OneShotError && /No such file/.test(error.message));
});

test('an argument list that is not one input to pipe:1 is refused before anything runs', () => {
  assert.throws(() => ffmpegOutput(['-i', 'a.mp4', 'out.mp4'], { timeoutMs: 1_000, maxOutputBytes: 1 }), OneShotError);
});

/** The stopped ffmpeg (testsrc2 is only ever ours) is gone within the grace plus a margin. */
async function waitGone(): Promise<void> {
  const deadline = Date.now() + 5_000;
  const mine = (): number[] => childPids(process.pid).filter((pid) => commandLine(pid).includes('testsrc2=size=64x48'));
  while (mine().length > 0) {
    if (Date.now() > deadline) assert.fail(`ffmpeg ${mine().join(', ')} still runs after the job was refused`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
