/**
 * The supervisor's identity policy on a simulated clock (test/helpers/supervisorRig.ts):
 * another device at the address before a run shows identity_mismatch and starts no
 * recorder; found mid-run, it stops the run at once and sets aside what was recorded since
 * the last good check; a device that refuses the ONVIF login shows auth_failed without
 * hammering; one that does not answer goes retrying, then offline. Real-simulator versions:
 * test/integration/identity-recheck.test.ts, identity-swap.test.ts, identity-unreachable.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSupervisorRig } from '../helpers/supervisorRig.ts';

const mismatchMessage =
  'the device answering at camera "Porch"\'s address is a different camera (serial SER-2, expected SER-1); nothing is recorded under this camera until it is found again';

test('another device at the address before a run: identity_mismatch, no recorder, asked again slowly; the right one records again', async () => {
  const rig = await startSupervisorRig({ random: () => 0 });
  try {
    rig.currentRun().fail(['[tcp @ 0x1] [error] Connection refused']);
    rig.world.identity = { verdict: 'mismatch', reason: 'serial SER-2, expected SER-1' };
    await rig.clock.advanceUntil('identity_mismatch shown', () => rig.state() === 'identity_mismatch', 30_000);
    assert.equal(rig.lastError(), mismatchMessage);
    assert.equal(rig.supervisor.getStatus().identity, 'mismatch');
    await rig.clock.advance(10 * 60_000);
    assert.equal(rig.runs.length, 1, 'nothing recorded from the other device');

    rig.world.identity = { verdict: 'verified' };
    const { run, waitedMs } = await rig.nextRun(60_000);
    assert.ok(waitedMs <= 30_000, `asked again within the slow retry (${waitedMs} ms)`);
    assert.equal(rig.state(), 'connecting');
    run.sendVideo();
    await rig.clock.settle();
    assert.equal(rig.state(), 'recording');
    assert.equal(rig.supervisor.getStatus().identity, 'verified');
  } finally {
    await rig.close();
  }
});

test('another device found mid-run: the run stops at once, recordings since the last good check are set aside, no new run on it', async () => {
  const rig = await startSupervisorRig({ identityRecheckMs: 60_000 });
  try {
    const run = rig.currentRun();
    // The first fragment triggers a check at once: the last good check is now.
    const lastGoodMs = rig.clock.now();
    run.sendVideo();
    await rig.clock.settle();
    assert.equal(rig.state(), 'recording');
    await rig.sendVideoFor(run, 30_000);
    rig.world.identity = { verdict: 'mismatch', reason: 'serial SER-2, expected SER-1' };
    // Video keeps coming (no stall): only the periodic check, 60 s after the start, stops it.
    let stoppedAtMs: number | null = null;
    for (let s = 0; s < 60 && stoppedAtMs === null; s += 1) {
      run.sendVideo();
      await rig.clock.advance(1_000);
      if (!run.running) stoppedAtMs = rig.clock.now();
    }
    assert.equal(stoppedAtMs, run.startedAtMs + 60_000, 'stopped at the periodic check');
    assert.deepEqual(run.stops, [2_000]);
    assert.equal(rig.state(), 'identity_mismatch');
    assert.equal(rig.lastError(), mismatchMessage);
    assert.equal(rig.supervisor.streaming(), false);
    assert.deepEqual(rig.quarantinedSince, [lastGoodMs - 2_000], 'set aside from the last good check, less the slack');
    assert.ok(rig.logLines.some((l) => l.includes('event=camera.quarantined')));
    await rig.clock.advance(10 * 60_000);
    assert.equal(rig.runs.length, 1, 'the other device is not recorded');
    assert.equal(rig.state(), 'identity_mismatch');
  } finally {
    await rig.close();
  }
});

test('a periodic check that only goes unanswered keeps the verified run recording', async () => {
  const rig = await startSupervisorRig({ identityRecheckMs: 60_000 });
  try {
    const run = rig.currentRun();
    run.sendVideo();
    await rig.clock.settle();
    rig.world.identity = { verdict: 'unreachable', reason: 'no answer' };
    await rig.sendVideoFor(run, 200_000);
    assert.equal(run.running, true);
    assert.equal(rig.state(), 'recording');
    assert.deepEqual(rig.quarantinedSince, []);
    assert.ok(rig.logLines.some((l) => l.includes('event=camera.identity_recheck_unconfirmed')));
  } finally {
    await rig.close();
  }
});

test('a device that refuses the ONVIF login before a run: auth_failed, asked again slowly', async () => {
  const rig = await startSupervisorRig({ random: () => 0 });
  try {
    rig.world.identity = { verdict: 'refused', reason: 'camera "Porch" refused Hearth\'s ONVIF user name or password' };
    rig.currentRun().fail(['[tcp @ 0x1] [error] Connection refused']);
    await rig.clock.advanceUntil('auth_failed shown', () => rig.state() === 'auth_failed', 30_000);
    assert.equal(rig.lastError(), 'camera "Porch" refused Hearth\'s ONVIF user name or password');
    const checksBefore = rig.identityChecks.length;
    await rig.clock.advance(10 * 60_000);
    const times = rig.identityChecks.slice(checksBefore - 1);
    const gaps = times.slice(1).map((ms, i) => ms - times[i]!);
    assert.ok(gaps.length >= 10, `asked again (${gaps.length} times in 10 min)`);
    for (const gap of gaps) assert.ok(gap >= 30_000, `gaps between checks: ${gaps.join(', ')}`);
    assert.equal(rig.runs.length, 1, 'no recorder while the login is refused');
    assert.equal(rig.state(), 'auth_failed');
  } finally {
    await rig.close();
  }
});

test('a camera that does not answer the identity check: retrying, then offline after offlineAfterMs, then recording once it answers', async () => {
  const rig = await startSupervisorRig();
  try {
    const failedAtMs = rig.clock.now();
    rig.world.identity = { verdict: 'unreachable', reason: 'camera "Porch" did not answer' };
    rig.currentRun().fail(['[tcp @ 0x1] [error] Connection refused']);
    await rig.clock.settle();
    for (let i = 0; i < 40 && rig.state() !== 'offline'; i += 1) {
      await rig.clock.advance(5_000);
      const failingMs = rig.clock.now() - failedAtMs;
      if (failingMs < 115_000) assert.equal(rig.state(), 'retrying', `after ${failingMs} ms`);
    }
    assert.equal(rig.state(), 'offline');
    assert.ok(rig.clock.now() - failedAtMs > 120_000);
    assert.equal(rig.lastError(), 'camera "Porch" did not answer');
    assert.equal(rig.runs.length, 1);
    rig.world.identity = { verdict: 'verified' };
    const { run } = await rig.nextRun(30_000);
    run.sendVideo();
    await rig.clock.settle();
    assert.equal(rig.state(), 'recording');
  } finally {
    await rig.close();
  }
});
