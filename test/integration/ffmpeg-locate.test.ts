import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

test('the installed ffmpeg is found and has what Hearth needs', async () => {
  const { locateFfmpeg } = await import('../../src/ffmpeg/locate.ts');
  const found = await locateFfmpeg();
  assert.match(found.ffmpegPath, /ffmpeg$/);
  assert.match(found.ffprobePath, /ffprobe$/);
  assert.ok(found.major >= 5, `ffmpeg ${found.version}`);
  assert.deepEqual(found.missing, []);
});

test('a missing ffmpeg gives the install command', async () => {
  const { inspectFfmpeg, FfmpegNotFoundError } = await import('../../src/ffmpeg/locate.ts');
  await assert.rejects(inspectFfmpeg({ PATH: '/nonexistent' }), (e: Error) => e instanceof FfmpegNotFoundError && /apt-get install ffmpeg/.test(e.message));
});

test('an ffmpeg without the needed muxers is reported, not trusted', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-fake-ffmpeg-'));
  // A stand-in binary that claims version 4.4 and supports nothing: what an ancient or stripped build looks like.
  const fake = path.join(dir, 'ffmpeg');
  writeFileSync(fake, '#!/bin/sh\ncase "$2" in -version) echo "ffmpeg version 4.4.2 Copyright";; *) echo "";; esac\n');
  chmodSync(fake, 0o755);
  writeFileSync(path.join(dir, 'ffprobe'), '#!/bin/sh\n');
  chmodSync(path.join(dir, 'ffprobe'), 0o755);
  const { inspectFfmpeg } = await import('../../src/ffmpeg/locate.ts');
  const found = await inspectFfmpeg({ PATH: dir });
  assert.equal(found.major, 4);
  assert.ok(found.missing.includes('ffmpeg 5 or newer (found 4.4.2)'));
  assert.ok(found.missing.includes('muxer segment'));
  assert.ok(found.missing.includes('decoder h264'));
});
