import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Y4mReader, Y4mFormatError, type Y4mFormat } from '../../src/motion/y4mReader.ts';
import { startFrameSource } from '../../src/motion/frameSource.ts';
import { silentLogger } from '../../src/log.ts';

function y4mStream(frames: number): { bytes: Buffer; frameBytes: number } {
  const header = Buffer.from('YUV4MPEG2 W4 H2 F5:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n', 'latin1');
  const parts: Buffer[] = [header];
  for (let f = 0; f < frames; f++) {
    parts.push(Buffer.from('FRAME\n', 'latin1'));
    parts.push(Buffer.alloc(12, f + 1));
  }
  return { bytes: Buffer.concat(parts), frameBytes: 12 };
}

test('the Y4M reader yields whole frames whatever the chunking', () => {
  const { bytes } = y4mStream(3);
  for (const chunkSize of [1, 5, 7, bytes.length]) {
    const seen: number[] = [];
    let format: Y4mFormat | null = null;
    const reader = new Y4mReader((f) => (format = f), (frame) => seen.push(frame[0]! * 100 + frame[11]!));
    for (let i = 0; i < bytes.length; i += chunkSize) reader.push(bytes.subarray(i, i + chunkSize));
    assert.deepEqual(format, { width: 4, height: 2, frameBytes: 12 });
    assert.deepEqual(seen, [101, 202, 303], `chunks of ${chunkSize}`);
  }
  assert.throws(() => new Y4mReader(() => undefined, () => undefined).push(Buffer.from('GIF89a\n')), Y4mFormatError);
  const bad = new Y4mReader(() => undefined, () => undefined);
  bad.push(Buffer.from('YUV4MPEG2 W4 H2 C420jpeg\n'));
  assert.throws(() => bad.push(Buffer.from('FRAMX\n')), Y4mFormatError);
});

test('the frame source restarts ffmpeg when it exits, even with code 0, and stops on request', { timeout: 30_000 }, async () => {
  let frames = 0;
  let lastFormat: Y4mFormat | null = null;
  // A 1 s source: ffmpeg finishes and exits 0, as it does when a camera drops the RTSP session.
  const source = startFrameSource({
    cameraId: 'porch',
    inputUrl: 'lavfi:testsrc2=s=640x360:r=10:d=1',
    fps: 5,
    width: 320,
    log: silentLogger,
    realtime: true,
    backoff: { baseMs: 50, capMs: 200, healthyMs: 60_000, authRetryMs: 1_000 },
    onFrame: (_frame, format, wallMs) => {
      frames++;
      lastFormat = format;
      assert.ok(Math.abs(wallMs - Date.now()) < 50, 'frames carry their arrival time');
    },
  });
  const deadline = Date.now() + 20_000;
  while (source.restarts() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const stoppedAt = Date.now();
  await source.stop();
  assert.ok(Date.now() - stoppedAt < 4_000, 'stop is prompt');
  assert.ok(source.restarts() >= 2, `restarted ${source.restarts()} times`);
  assert.ok(frames >= 2 * source.restarts(), `${frames} frames across ${source.restarts() + 1} runs`);
  assert.deepEqual(lastFormat, { width: 320, height: 180, frameBytes: 320 * 180 * 1.5 });
  const after = frames;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(frames, after, 'no frames after stop');
});
