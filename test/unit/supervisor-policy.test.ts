/**
 * The camera supervisor's exit policy on a simulated clock with stand-in runs
 * (test/helpers/supervisorRig.ts): backoff delays that grow to their cap and reset after
 * a healthy run, retrying → offline after offlineAfterMs, a wrong password retried slowly,
 * audio fallback, and the homeowner's messages word for word. Real-ffmpeg versions of the
 * same behaviour: test/integration/recording-failures.test.ts and recording-crash.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ffmpegSays, startSupervisorRig } from '../helpers/supervisorRig.ts';

const refusedMessage =
  'camera "Porch" (porch) is not sending video: nothing accepts connections at the stream\'s address and port (Connection to tcp://127.0.0.1:8554?timeout=0 failed: Connection refused); check that the camera is on and the port in the stream URL';

test('a run that sends video shows recording; each failure waits longer, 1, 2, 4, 8 s, then stays at the 15 s cap', async () => {
  const rig = await startSupervisorRig();
  try {
    assert.equal(rig.runs.length, 1, 'the first run starts at once');
    assert.equal(rig.state(), 'connecting');
    rig.currentRun().sendVideo();
    await rig.clock.settle();
    assert.equal(rig.state(), 'recording');
    assert.equal(rig.supervisor.streaming(), true);
    assert.equal(rig.lastError(), null);

    rig.currentRun().fail(ffmpegSays.refused);
    await rig.clock.settle();
    assert.equal(rig.state(), 'retrying');
    assert.equal(rig.lastError(), refusedMessage);
    assert.equal(rig.supervisor.streaming(), false);

    const waits: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const { run, waitedMs } = await rig.nextRun();
      waits.push(waitedMs);
      run.fail(ffmpegSays.refused);
    }
    assert.deepEqual(waits, [1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
    // The camera page never flickers back to connecting between failed attempts.
    assert.deepEqual(rig.states, ['connecting', 'recording', 'retrying']);
  } finally {
    await rig.close();
  }
});

test('failing longer than offlineAfterMs shows offline; video again shows recording, and a healthy run resets the backoff', async () => {
  const rig = await startSupervisorRig();
  try {
    const failedAtMs = rig.clock.now();
    rig.currentRun().fail(ffmpegSays.refused);
    await rig.clock.settle();
    assert.equal(rig.state(), 'retrying');
    let sawOffline = false;
    for (let i = 0; i < 20 && !sawOffline; i += 1) {
      const { run } = await rig.nextRun();
      run.fail(ffmpegSays.refused);
      await rig.clock.settle();
      const failingMs = rig.clock.now() - failedAtMs;
      assert.equal(rig.state(), failingMs > 120_000 ? 'offline' : 'retrying', `after ${failingMs} ms of failing`);
      sawOffline = rig.state() === 'offline';
    }
    assert.ok(sawOffline, 'offline within 20 runs');
    assert.equal(rig.lastError(), refusedMessage);

    const { run: back } = await rig.nextRun();
    back.sendVideo();
    await rig.clock.settle();
    assert.equal(rig.state(), 'recording');
    // Healthy (60 s) before it drops: retrying again, not offline, and the first short wait.
    await rig.sendVideoFor(back, 61_000);
    back.fail(ffmpegSays.refused);
    await rig.clock.settle();
    assert.equal(rig.state(), 'retrying');
    assert.equal((await rig.nextRun()).waitedMs, 1_000);
  } finally {
    await rig.close();
  }
});

test('a wrong password shows auth_failed and is retried slowly: never sooner than half of authRetryMs', async () => {
  // Jitter at its floor: the quickest the policy ever retries.
  const rig = await startSupervisorRig({ random: () => 0 });
  try {
    const starts: number[] = [rig.clock.now()];
    rig.currentRun().fail(ffmpegSays.unauthorized);
    await rig.clock.settle();
    assert.equal(rig.state(), 'auth_failed');
    assert.equal(
      rig.lastError(),
      'camera "Porch" (porch) refused the user name or password in its stream URL (401 Unauthorized): correct the password for this camera in Hearth\'s settings or the config file\'s streams.main; Hearth retries about once a minute',
    );
    const endMs = rig.clock.now() + 10 * 60_000;
    while (rig.clock.now() < endMs) {
      const before = rig.runs.length;
      await rig.clock.advance(1_000);
      if (rig.runs.length > before) {
        starts.push(rig.clock.now());
        rig.currentRun().fail(ffmpegSays.unauthorized);
        await rig.clock.settle();
        assert.equal(rig.state(), 'auth_failed', 'never offline or retrying for a wrong password');
      }
    }
    const gaps = starts.slice(1).map((ms, i) => ms - starts[i]!);
    assert.ok(gaps.length >= 10, `it keeps retrying (${gaps.length} retries in 10 min)`);
    for (const gap of gaps) assert.equal(gap, 30_000, `gaps between attempts: ${gaps.join(', ')}`);
  } finally {
    await rig.close();
  }
});

test('the stream URL cannot be found: the resolver\'s state and message are shown, and no recorder starts', async () => {
  const rig = await startSupervisorRig();
  try {
    rig.world.input = { ok: false, state: 'auth_failed', message: 'the camera "Porch" refused Hearth\'s ONVIF user name or password' };
    rig.currentRun().fail(ffmpegSays.refused);
    await rig.clock.advance(90_000);
    assert.equal(rig.state(), 'auth_failed');
    assert.equal(rig.lastError(), 'the camera "Porch" refused Hearth\'s ONVIF user name or password');
    assert.equal(rig.runs.length, 1);
    rig.world.input = { ok: true, url: 'rtsp://127.0.0.1:8554/porch-moved', source: 'onvif' };
    const { run } = await rig.nextRun(100_000);
    assert.equal(run.input.inputUrl, 'rtsp://127.0.0.1:8554/porch-moved');
  } finally {
    await rig.close();
  }
});

test('audio the container refuses is recorded another way at once: copy, then AAC, then video alone', async () => {
  const rig = await startSupervisorRig({
    probe: async () => ({ ok: true, streams: { video: { codec: 'h264', width: 1280, height: 720 }, audio: { codec: 'aac', sampleRate: 16_000, channels: 1 } } }),
  });
  try {
    const audioRefused = ['[mp4 @ 0x55d0] [error] Could not find tag for codec pcm_mulaw in stream #1, codec not currently supported in container'];
    assert.equal(rig.currentRun().input.audio, 'copy');
    rig.currentRun().fail(audioRefused);
    await rig.clock.settle();
    assert.equal(rig.runs.length, 2, 'retried without waiting');
    assert.equal(rig.currentRun().input.audio, 'aac');
    rig.currentRun().fail(audioRefused);
    await rig.clock.settle();
    assert.equal(rig.runs.length, 3);
    assert.equal(rig.currentRun().input.audio, 'none');
    rig.currentRun().sendVideo();
    await rig.clock.settle();
    assert.equal(rig.state(), 'recording');
  } finally {
    await rig.close();
  }
});

test('refresh() during a backoff wait starts the next run at once; stop() stops the run and the loop', async () => {
  const rig = await startSupervisorRig();
  try {
    rig.currentRun().fail(ffmpegSays.unauthorized);
    await rig.clock.advance(1_000);
    assert.equal(rig.runs.length, 1, 'waiting the slow auth backoff');
    rig.supervisor.refresh();
    await rig.clock.settle();
    assert.equal(rig.runs.length, 2, 'a new password is tried now');
    const run = rig.currentRun();
    await rig.supervisor.stop();
    assert.equal(run.running, false);
    await rig.clock.advance(120_000);
    assert.equal(rig.runs.length, 2, 'nothing starts after stop()');
  } finally {
    await rig.close();
  }
});
