/**
 * The stream URIs a replayed real camera hands out, and Hearth stores at adoption, play:
 * each replay's RTSP addresses point at a live RTSP server on loopback (one simulated
 * camera: its main and sub streams), and real ffprobe reads both stored URLs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { adoptCamera } from '../../src/cameras/adoption.ts';
import { getCameraSecrets } from '../../src/cameras/cameraRows.ts';
import { ffprobePathSync } from '../../src/ffmpeg/locate.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { makeFixture, type Fixture } from '../helpers/recordingFixture.ts';
import { realcamsSkipReason, startRealcamReplay, type RealcamModel, type RealcamReplay, isRealcamMainUri } from '../helpers/realcamReplay.ts';

const run = promisify(execFile);
const skip = realcamsSkipReason();

const models = Object.keys(isRealcamMainUri) as RealcamModel[];

async function probeVideo(url: string): Promise<{ codec: string; width: number }> {
  const { stdout } = await run(
    ffprobePathSync(),
    ['-v', 'error', '-rtsp_transport', 'tcp', '-timeout', '8000000', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width', '-of', 'json', url],
    { timeout: 20_000 },
  );
  const stream = (JSON.parse(stdout) as { streams: { codec_name: string; width: number }[] }).streams[0];
  assert.ok(stream, `no video stream at ${url}`);
  return { codec: stream.codec_name, width: stream.width };
}

interface Played {
  stored: { main: string | null; sub: string | null };
  main: { codec: string; width: number };
  sub: { codec: string; width: number } | null;
}

describe('stored stream URLs of replayed real cameras play', { skip }, () => {
  let simulator: Simulator;
  let fixture: Fixture;
  const replays: RealcamReplay[] = [];
  /** Probed all at once (each ffprobe waits seconds for a keyframe); each test awaits its own. */
  const played = new Map<RealcamModel, Promise<Played>>();

  before(async () => {
    // One RTSP session per stored URL, all at once.
    simulator = await startSimulator({ cameras: 1, scene: 'still', maxSessions: 12, serialPrefix: `RCS${process.pid % 10_000}` });
    fixture = makeFixture([]);
    const camera = simulator.cameras[0]!;
    for (const model of models) {
      const replay = await startRealcamReplay({
        model,
        // The RTSP server checks the same credentials that adoption puts into the URL.
        ...camera.credentials,
        rewriteRtsp: (original) => camera.rtspUrl(isRealcamMainUri[model](original) ? 'main' : 'sub'),
      });
      replays.push(replay);
      const id = `play-${model.split('-')[0]}`;
      await adoptCamera({ onvifUrl: replay.deviceUrl, ...camera.credentials, id }, { db: fixture.db, log: fixture.log, timeoutMs: 3_000 });
      const stored = getCameraSecrets(fixture.db, id)!.streams;
      const result = Promise.all([probeVideo(stored.main!), stored.sub === null ? null : probeVideo(stored.sub)]).then(([main, sub]) => ({ stored, main, sub }));
      result.catch(() => undefined); // Awaited by its test.
      played.set(model, result);
    }
  });
  after(async () => {
    await Promise.allSettled(played.values());
    await Promise.all(replays.map((r) => r.close()));
    await simulator?.stop();
    fixture?.cleanup();
  });

  for (const model of models) {
    test(`${model}: the adopted main and sub URLs are live RTSP streams (main the larger)`, { timeout: 60_000 }, async () => {
      const camera = simulator.cameras[0]!;
      const { stored, main, sub } = await played.get(model)!;
      assert.equal(new URL(stored.main!).pathname, new URL(camera.rtspUrl('main')).pathname, 'main URL is the main stream');
      assert.equal(main.codec, 'h264');
      if (model === 'axis-m2025le') {
        assert.equal(stored.sub, null);
      } else {
        assert.equal(new URL(stored.sub!).pathname, new URL(camera.rtspUrl('sub')).pathname, 'sub URL is the sub stream');
        assert.equal(sub?.codec, 'h264');
        assert.ok(main.width > (sub?.width ?? Infinity), `main ${main.width} px, sub ${sub?.width} px`);
      }
      console.log(`${model}: main ${main.codec} ${main.width} px${sub ? `, sub ${sub.codec} ${sub.width} px` : ', no sub'}`);
    });
  }
});
