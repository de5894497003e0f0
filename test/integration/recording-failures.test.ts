/**
 * docs/DESIGN.md, "Never silently stop": kill -9 of the recorder's ffmpeg, a camera offline for 20 s,
 * and a wrong password. The three run side by side on separate cameras and data dirs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startRecorders } from '../../src/recording/startRecorders.ts';
import { listSegments } from '../../src/recording/segmentRows.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import type { BackoffPolicy } from '../../src/util/backoff.ts';
import { playsWithFfprobe, startTestCamera } from '../helpers/recordingTestCamera.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { silentLogger } from '../../src/log.ts';
import { clip, makeFixture, sleep, waitFor } from '../helpers/recordingFixture.ts';
import { childPids, commandLine } from '../helpers/processCpu.ts';

/** The recorder's run id, the last part of a segment's name (`<UTC stamp>-<runId>.mp4`, src/recording/layout.ts). */
const runIdOf = (file: string): string | undefined => path.basename(file, '.mp4').split('-').at(-1);

const backoff: BackoffPolicy = { baseMs: 500, capMs: 3_000, healthyMs: 60_000, authRetryMs: 60_000 };
/** ffmpeg needs a few seconds to open and probe a stream before the first fragment. */
const connectAllowanceMs = 10_000;

function recorderPidFor(dataDir: string): number | undefined {
  return childPids(process.pid).find((pid) => commandLine(pid).includes(dataDir) && commandLine(pid).includes('pipe:3'));
}

describe('recorder failures', { concurrency: true }, () => {
  test('kill -9 of ffmpeg mid-segment: the partial segment is indexed and plays; recording resumes within the backoff bound', { timeout: 120_000 }, async () => {
    const camera = await startTestCamera(clip('green'));
    const fixture = makeFixture([{ id: 'garden', url: camera.url() }]);
    try {
      const recorders = await startRecorders({ db: fixture.db, config: fixture.config, log: fixture.log, dataDir: fixture.dataDir, backoff });
      await waitFor('recording', () => recorders.states()[0]?.state === 'recording', 30_000);
      await waitFor('a first finished segment', () => listSegments(fixture.db, 'garden').length >= 1, 30_000);
      await sleep(5_000); // mid-segment
      const pid = recorderPidFor(fixture.dataDir);
      assert.ok(pid, 'recorder ffmpeg not found');
      const killedRun = runIdOf(listSegments(fixture.db, 'garden')[0]!.path);
      process.kill(pid, 'SIGKILL');
      const killedAtMs = Date.now();
      await waitFor('a new recorder', () => (recorderPidFor(fixture.dataDir) ?? pid) !== pid, backoff.capMs + 1_000);
      const restartedAfterMs = Date.now() - killedAtMs;
      await waitFor('recording again', () => recorders.states()[0]?.state === 'recording' && Date.now() - killedAtMs > 1000, backoff.capMs + connectAllowanceMs);
      const resumedAfterMs = Date.now() - killedAtMs;
      await recorders.stop();

      const segments = listSegments(fixture.db, 'garden');
      const ofKilledRun = segments.filter((s) => runIdOf(s.path) === killedRun);
      assert.ok(ofKilledRun.length >= 2, `the partial segment of the killed run is indexed: ${JSON.stringify(segments)}\n${fixture.logLines.join('\n')}`);
      const partial = ofKilledRun.at(-1)!;
      const probe = playsWithFfprobe(path.join(recordingRoot(fixture.dataDir), partial.path));
      assert.ok(probe.ok, `partial segment does not play: ${probe.error}`);
      assert.ok(probe.durationSeconds >= 2, `partial segment holds ${probe.durationSeconds} s`);
      assert.ok(fixture.logLines.some((l) => l.includes('event=segment.partial_indexed')));
      const after = segments.find((s) => s.startMs >= partial.endMs && runIdOf(s.path) !== killedRun);
      assert.ok(after, 'recording resumed after the kill');
      console.log(`# kill -9: partial ${probe.durationSeconds.toFixed(1)} s indexed; new ffmpeg after ${restartedAfterMs} ms, recording after ${resumedAfterMs} ms, index gap ${after.startMs - partial.endMs} ms`);
    } finally {
      fixture.cleanup();
      await camera.stop();
    }
  });

  test('camera offline for 20 s: retrying, then recording, with one gap of about 20 s', { timeout: 150_000 }, async () => {
    const camera = await startTestCamera(clip('blue'));
    const fixture = makeFixture([{ id: 'drive', url: camera.url() }]);
    try {
      const recorders = await startRecorders({ db: fixture.db, config: fixture.config, log: fixture.log, dataDir: fixture.dataDir, backoff });
      await waitFor('recording', () => recorders.states()[0]?.state === 'recording', 30_000);
      await waitFor('a first finished segment', () => listSegments(fixture.db, 'drive').length >= 1, 30_000);
      camera.setOffline();
      const offlineAtMs = Date.now();
      await waitFor('retrying', () => recorders.states()[0]?.state === 'retrying', 15_000);
      const status = recorders.states()[0]!;
      assert.match(status.lastError ?? '', /Drive/);
      await sleep(20_000 - (Date.now() - offlineAtMs));
      await camera.setOnline();
      await waitFor('recording again', () => recorders.states()[0]?.state === 'recording', backoff.capMs + connectAllowanceMs);
      await sleep(12_000);
      await recorders.stop();

      const segments = listSegments(fixture.db, 'drive');
      const gaps = segments.slice(1).map((s, i) => s.startMs - segments[i]!.endMs);
      const big = gaps.filter((g) => g > 1000);
      assert.equal(big.length, 1, `gaps: ${gaps.join(', ')}`);
      assert.ok(big[0]! >= 17_000 && big[0]! <= 20_000 + backoff.capMs + connectAllowanceMs, `gap of ${big[0]} ms`);
      console.log(`# offline 20 s: one gap of ${big[0]} ms; other gaps ≤ ${Math.max(0, ...gaps.filter((g) => g <= 1000))} ms`);
    } finally {
      fixture.cleanup();
      await camera.stop();
    }
  });

  test('wrong password: auth_failed, naming the camera and the fix, without hammering the camera', { timeout: 60_000 }, async () => {
    const camera = await startTestCamera(clip('red'));
    const fixture = makeFixture([{ id: 'porch', url: camera.url(true, 'not-the-password') }]);
    try {
      const recorders = await startRecorders({ db: fixture.db, config: fixture.config, log: fixture.log, dataDir: fixture.dataDir, backoff });
      await waitFor('auth_failed', () => recorders.states()[0]?.state === 'auth_failed', 15_000);
      const status = recorders.states()[0]!;
      assert.match(status.lastError ?? '', /camera "Porch" \(porch\)/);
      assert.match(status.lastError ?? '', /password/);
      assert.ok(status.lastErrorAtMs !== null && Date.now() - status.lastErrorAtMs < 15_000);
      await sleep(5_000);
      // Each attempt opens the stream once: the probe that reads its codecs, or the recorder.
      const starts = fixture.logLines.filter((l) => l.includes('event=recorder.started') || l.includes('event=recorder.probe_failed')).length;
      assert.equal(starts, 1, 'retries slowly after a 401');
      await recorders.stop();
      assert.equal(listSegments(fixture.db, 'porch').length, 0);
      console.log(`# wrong password: ${status.lastError}`);
    } finally {
      fixture.cleanup();
      await camera.stop();
    }
  });

  test('wrong RTSP password on a simulated camera (digest auth): auth_failed', { timeout: 60_000 }, async () => {
    const simulator = await startSimulator({ cameras: 1, log: silentLogger });
    const url = simulator.cameras[0]!.rtspUrl('main', true).replace(/:[^:@/]*@/, ':wrong-password@');
    const fixture = makeFixture([{ id: 'side', url }]);
    try {
      const recorders = await startRecorders({ db: fixture.db, config: fixture.config, log: fixture.log, dataDir: fixture.dataDir, backoff });
      try {
        await waitFor('auth_failed', () => recorders.states()[0]?.state === 'auth_failed', 20_000);
      } finally {
        await recorders.stop();
      }
      assert.match(recorders.states()[0]?.lastError ?? '', /camera "Side" \(side\) refused the user name or password/);
    } finally {
      fixture.cleanup();
      await simulator.stop();
    }
  });
});
