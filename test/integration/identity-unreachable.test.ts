/**
 * Unreachable is not a mismatch (docs/DESIGN.md, "Identity", "Never silently stop"): a bound
 * camera whose ONVIF service is dead shows `retrying` with "unreachable at ADDRESS" and
 * what to check, a device that refuses the credentials shows `auth_failed`, and neither
 * ever shows `identity_mismatch` (only another serial is that). While recording, a dead
 * ONVIF service alone does not stop the recorder: the open stream was verified when it
 * opened. Real simulator, real ffmpeg, real SQLite; no discovery traffic at all.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { attachOnvifToSimulator } from '../../src/simulator/onvif/onvifCompanion.ts';
import type { OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';
import { adoptCamera } from '../../src/cameras/adoption.ts';
import { createIdentityCheck } from '../../src/cameras/identity.ts';
import { startRecorders, type Recorders } from '../../src/recording/startRecorders.ts';
import { listSegments } from '../../src/recording/segmentRows.ts';
import type { CameraState, CameraStatus } from '../../src/cameras/cameraStatus.ts';
import { makeFixture, sleep, waitFor, type Fixture } from '../helpers/recordingFixture.ts';

const recheckMs = 1_500;
let simulator: Simulator;
let onvif: OnvifCamera[];
let fixture: Fixture;
let recorders: Recorders | null = null;
let cameraId = '';
const seen: CameraState[] = [];
let poll: NodeJS.Timeout | null = null;

before(async () => {
  simulator = await startSimulator({ cameras: 1, serialPrefix: `UR${process.pid}` });
  onvif = await attachOnvifToSimulator(simulator, { discoveryInterface: null });
  fixture = makeFixture([], { segmentSeconds: 4 });
  const { db, log } = fixture;
  const camera = simulator.cameras[0]!;
  cameraId = (await adoptCamera({ onvifUrl: onvif[0]!.service.url, ...camera.credentials, name: 'Porch' }, { db, log, timeoutMs: 3000 })).id;
  const relocations: string[] = [];
  recorders = await startRecorders({
    db,
    config: fixture.config,
    log,
    dataDir: fixture.dataDir,
    identityCheck: createIdentityCheck({ db, log, timeoutMs: 1500, onMismatch: (id) => relocations.push(id) }),
    identityRecheckMs: recheckMs,
    backoff: { baseMs: 300, capMs: 1500, healthyMs: 5000, authRetryMs: 1500 },
    stallMs: 8000,
    offlineAfterMs: 10 * 60_000,
  });
  poll = setInterval(() => {
    const state = status().state;
    if (seen.at(-1) !== state) seen.push(state);
  }, 50);
});
after(async () => {
  if (poll) clearInterval(poll);
  await recorders?.stop();
  await simulator.stop();
  await Promise.all(onvif.map((o) => o.close()));
  fixture.cleanup();
});

function status(): CameraStatus {
  const found = recorders?.states().find((s) => s.cameraId === cameraId);
  assert.ok(found, 'the camera has a state');
  return found;
}

const recording = (): boolean => status().state === 'recording';

test('a dead ONVIF service alone does not stop a recording whose stream is verified and open', { timeout: 90_000 }, async () => {
  await waitFor('recording with a segment', () => recording() && listSegments(fixture.db, cameraId).length > 0, 40_000);
  const before = fixture.logLines.filter((l) => l.includes('camera.identity_recheck_unconfirmed')).length;
  await onvif[0]!.service.setListening(false);
  try {
    await waitFor('a periodic check that found nothing answering', () => fixture.logLines.filter((l) => l.includes('camera.identity_recheck_unconfirmed')).length > before, 20_000);
    assert.equal(status().state, 'recording');
    assert.equal(seen.filter((s) => s !== 'recording' && s !== 'connecting').length, 0, `states ${seen.join(' → ')}`);
  } finally {
    await onvif[0]!.service.setListening(true);
  }
});

test('a camera that goes dead shows retrying with the address and what to check, never identity_mismatch', { timeout: 90_000 }, async () => {
  await waitFor('recording', recording, 30_000);
  seen.length = 0;
  const offAtMs = Date.now();
  await simulator.cameras[0]!.setOffline();
  let lastError = '';
  let shownAtMs = 0;
  try {
    await waitFor(
      'an identity check that found nothing answering',
      () => {
        const s = status();
        if (s.state === 'retrying' && s.lastError?.includes('is unreachable at')) {
          lastError = s.lastError;
          shownAtMs = Date.now();
        }
        return lastError !== '';
      },
      30_000,
    );
    // A few more rounds of backoff: it must stay a retry, not turn into a mismatch.
    await sleep(3_000);
  } finally {
    await simulator.cameras[0]!.setOnline();
  }
  const retryingAfterMs = shownAtMs - offAtMs;
  assert.match(lastError, new RegExp(`camera "Porch" is unreachable at ${escapeRegExp(onvif[0]!.service.url)}`));
  assert.match(lastError, /ECONNREFUSED/);
  assert.match(lastError, /powered and plugged in/);
  assert.ok(!seen.includes('identity_mismatch'), `states ${seen.join(' → ')}`);
  assert.ok(!seen.includes('auth_failed'), `states ${seen.join(' → ')}`);
  await waitFor('recording again once the camera is back', recording, 40_000);
  console.log(`dead camera: states ${seen.join(' → ')}; unreachable shown within ${retryingAfterMs} ms`);
});

test('a device that refuses the credentials shows auth_failed, and recording resumes once they are fixed', { timeout: 90_000 }, async () => {
  await waitFor('recording', recording, 30_000);
  seen.length = 0;
  const { db } = fixture;
  const good = db.prepare('SELECT onvif_password FROM cameras WHERE id = ?').pluck().get(cameraId) as string;
  db.prepare('UPDATE cameras SET onvif_password = ? WHERE id = ?').run('not-the-password', cameraId);
  // A reconnect makes the supervisor ask again before recording.
  await simulator.cameras[0]!.setOffline();
  await sleep(300);
  await simulator.cameras[0]!.setOnline();
  let lastError = '';
  await waitFor(
    'auth_failed from the identity check',
    () => {
      const s = status();
      if (s.state === 'auth_failed') lastError = s.lastError ?? '';
      return lastError !== '';
    },
    30_000,
  );
  assert.match(lastError, /answered but refused to say who it is/);
  assert.match(lastError, /rejected the credentials/);
  assert.match(lastError, /enter the new one in Hearth/);
  assert.ok(!seen.includes('identity_mismatch'), `states ${seen.join(' → ')}`);

  db.prepare('UPDATE cameras SET onvif_password = ? WHERE id = ?').run(good, cameraId);
  const fixedAtMs = Date.now();
  await recorders!.reload(cameraId);
  await waitFor('recording again with the right password', recording, 30_000);
  console.log(`refused: states ${seen.join(' → ')}; recording ${Date.now() - fixedAtMs} ms after the fix + reload`);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
