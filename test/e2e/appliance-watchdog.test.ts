import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHearthProcess } from '../helpers/hearthProcess.ts';
import { startNotifySocket } from '../helpers/notifySocket.ts';
import { waitFor } from '../helpers/recordingFixture.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { childPids } from '../helpers/processCpu.ts';
import { silentLogger } from '../../src/log.ts';
import { createNotifier, takeNotifyEnv } from '../../src/system/sdNotify.ts';
import { startServiceNotify } from '../../src/system/serviceNotify.ts';
import { createRecorderHealthCheck } from '../../src/system/recorderHealth.ts';
import type { CameraState } from '../../src/cameras/cameraStatus.ts';

const count = (messages: string[], m: string): number => messages.filter((x) => x === m).length;

test('hearth start under a notify socket: READY=1 once listening, WATCHDOG=1 while recording, STOPPING=1 on SIGTERM; children do not inherit the socket', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-watchdog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const notify = await startNotifySocket(path.join(dir, 'notify.sock'));
  t.after(() => notify.close());
  const simulator = await startSimulator({ cameras: 1, scene: 'still', serialPrefix: `WDOG${process.pid % 10_000}` });
  t.after(() => simulator.stop());
  const camera = simulator.cameras[0]!;
  const config = path.join(dir, 'hearth.yaml');
  writeFileSync(config, `cameras:\n  - id: porch\n    name: Porch\n    streams:\n      main: "${camera.rtspUrl('main', true)}"\n    motion:\n      enabled: false\n`);

  const hearth = await startHearthProcess(['--config', config, '--data', path.join(dir, 'data'), '--port', '0', '--host', '127.0.0.1'], {
    env: { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '2000000' },
    timeoutMs: 60_000,
  });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await hearth.stop('SIGKILL');
  });

  await waitFor('READY=1', () => notify.messages().includes('READY=1'), 30_000);
  assert.equal(notify.messages().filter((m) => m.startsWith('READY=1')).length, 1, 'ready is said once');

  // The camera records, and pings keep coming while it does (every 1 s for WATCHDOG_USEC = 2 s).
  const recording = async (): Promise<boolean> => {
    const metrics = await (await fetch(`${hearth.url}/metrics`)).text();
    return /hearth_camera_state\{[^}]*camera="porch"[^}]*state="recording"[^}]*\} 1/.test(metrics);
  };
  const deadline = Date.now() + 60_000;
  while (!(await recording())) {
    assert.ok(Date.now() < deadline, `camera never recorded; output:\n${hearth.output()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const pingsAtRecording = count(notify.messages(), 'WATCHDOG=1');
  await waitFor('two more WATCHDOG=1 while recording', () => count(notify.messages(), 'WATCHDOG=1') >= pingsAtRecording + 2, 30_000);
  assert.ok(notify.messages().includes('BARRIER=1'), 'systemd-notify waited for the manager (BARRIER=1)');

  // ffmpeg must not be able to speak to systemd for Hearth: the variables were taken out of the env.
  const ffmpegs = childPids(hearth.child.pid ?? 0).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ffmpeg'));
  assert.ok(ffmpegs.length >= 1, 'a recorder ffmpeg runs');
  for (const pid of ffmpegs) {
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    assert.ok(!environ.includes('NOTIFY_SOCKET=') && !environ.includes('WATCHDOG_USEC='), `ffmpeg ${pid} inherited the notify socket`);
  }

  assert.equal(await hearth.stop('SIGTERM'), 0);
  stopped = true;
  assert.ok(notify.messages().includes('STOPPING=1'), `STOPPING=1 sent; got ${notify.messages().join(', ')}`);
  assert.match(hearth.output(), /told systemd Hearth is ready/);
});

test('the watchdog is withheld while the health check fails and resumes when it passes (real socket, real systemd-notify)', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-watchdog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const notify = await startNotifySocket(path.join(dir, 'notify.sock'));
  t.after(() => notify.close());
  let problem: string | null = null;
  const lines: string[] = [];
  const log = { ...silentLogger, error: (m: string) => void lines.push(m), info: (m: string) => void lines.push(m), child: () => log };
  const service = await startServiceNotify({
    log,
    health: () => problem,
    env: { socket: notify.path, watchdogUsec: 1_000_000 },
    notifier: createNotifier(notify.path, log),
  });
  let serviceStopped = false;
  t.after(async () => {
    if (!serviceStopped) await service.stop();
  });
  await waitFor('first pings', () => count(notify.messages(), 'WATCHDOG=1') >= 2, 20_000);

  problem = 'camera porch shows "recording" but no video arrived';
  await waitFor('the withheld ping is logged', () => lines.some((l) => l.includes('not answering the systemd watchdog')), 20_000);
  // Any send already under way when the check failed lands within its 5 s bound; after that, silence.
  await new Promise((r) => setTimeout(r, 1_500));
  const pingsWhileWedged = count(notify.messages(), 'WATCHDOG=1');
  await new Promise((r) => setTimeout(r, 2_500));
  assert.equal(count(notify.messages(), 'WATCHDOG=1'), pingsWhileWedged, 'no WATCHDOG=1 while the health check fails');

  problem = null;
  await waitFor('pings resume', () => count(notify.messages(), 'WATCHDOG=1') > pingsWhileWedged, 20_000);
  assert.ok(lines.some((l) => l.includes('healthy again')));
  await service.stop();
  serviceStopped = true;
  assert.ok(notify.messages().includes('STOPPING=1'), 'STOPPING=1 on stop');
});

test('notify env: taken out of process.env; WATCHDOG_PID naming another process disables the watchdog', () => {
  const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '4242', PATH: '/usr/bin' };
  assert.deepEqual(takeNotifyEnv(env, 4242), { socket: '/run/systemd/notify', watchdogUsec: 60_000_000 });
  assert.deepEqual(env, { PATH: '/usr/bin' });
  assert.deepEqual(takeNotifyEnv({ NOTIFY_SOCKET: '@hearth', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '1' }, 4242), { socket: '@hearth', watchdogUsec: null });
  assert.deepEqual(takeNotifyEnv({}, 4242), { socket: null, watchdogUsec: null });
});

test('recorder health: a "recording" camera with a silent feed or a stuck "connecting" is wedged; a wall-clock jump is not', () => {
  let mono = 0;
  let lastFragment = Date.now();
  let states: Array<{ cameraId: string; state: CameraState; sinceMs: number }> = [
    { cameraId: 'porch', state: 'recording', sinceMs: 1 },
    { cameraId: 'yard', state: 'retrying', sinceMs: 1 },
  ];
  const check = createRecorderHealthCheck(
    { states: () => states, liveFeed: (id) => (id === 'porch' ? { lastFragmentMs: () => lastFragment } : null) },
    { silentRecordingMs: 90_000, stuckConnectingMs: 300_000, monotonicMs: () => mono },
  );
  for (let i = 0; i < 10; i++) {
    mono += 30_000;
    lastFragment += 30_000 + 3.15e10; // video flows; the wall clock also jumps a year (first NTP sync)
    assert.equal(check(), null);
  }
  mono += 60_000;
  assert.equal(check(), null, 'silent for 60 s: the supervisor has not had its chance yet');
  mono += 60_000;
  assert.match(check() ?? '', /camera porch shows "recording" but no video arrived for 120 s/);
  lastFragment += 1_000;
  assert.equal(check(), null, 'video again: healthy');

  states = [{ cameraId: 'porch', state: 'connecting', sinceMs: 5 }];
  assert.equal(check(), null);
  mono += 299_000;
  assert.equal(check(), null);
  mono += 2_000;
  assert.match(check() ?? '', /camera porch has been "connecting" for 301 s/);
  states = [{ cameraId: 'porch', state: 'retrying', sinceMs: 6 }];
  assert.equal(check(), null);
});
