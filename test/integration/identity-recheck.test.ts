/**
 * The periodic identity re-check while recording (docs/DESIGN.md, "Identity"): the devices
 * answering at two cameras' ONVIF addresses change places while both RTSP streams stay
 * open, so no recorder restart would ever notice. Within one check period each camera
 * shows identity_mismatch naming both identities, its recorder stops, the video since the
 * last good check is set aside (no row, file in .quarantine), the relocator follows the
 * serial, and recording resumes at once (the relocation wakes the supervisor).
 * Real simulator, real ffmpeg, real SQLite; WS-Discovery only on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cameraCodeForSerial, type Simulator } from '../../src/simulator/index.ts';
import type { OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';
import { getCamera } from '../../src/cameras/cameraRows.ts';
import { onCameraChanged } from '../../src/cameras/registryEvents.ts';
import { startRecorders, type Recorders } from '../../src/recording/startRecorders.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import { quarantineDir } from '../../src/recording/quarantine.ts';
import { listSegments } from '../../src/recording/segmentRows.ts';
import type { CameraState } from '../../src/cameras/cameraStatus.ts';
import { waitFor, type Fixture } from '../helpers/recordingFixture.ts';
import { adoptWithRelocation, startIdentityStage, type IdentityStage } from '../helpers/identityStage.ts';
import { segmentCameraCodes } from '../helpers/frameCodes.ts';
import { pollUntil } from '../helpers/poll.ts';

const discoveryPort = 40_000 + ((process.pid + 7_919) % 20_000);
const recheckMs = 2_000;
let stage: IdentityStage;
let simulator: Simulator;
let onvif: OnvifCamera[];
let fixture: Fixture;
let recorders: Recorders | null = null;
let unsubscribe: (() => void) | null = null;

before(async () => {
  stage = await startIdentityStage(`RC${process.pid}`, discoveryPort);
  ({ simulator, onvif, fixture } = stage);
});
after(async () => {
  unsubscribe?.();
  await recorders?.stop();
  await stage?.stop();
});

test('a different device at the ONVIF address while recording stops the recorder within one check, quarantines, and follows the serial', { timeout: 120_000 }, async () => {
  const { db, log } = fixture;
  const { adopted, identityCheck } = await adoptWithRelocation(stage);
  const ids = adopted.map((a) => a.id);
  const mainUrlsBefore = ids.map((id) => mainUrl(id));

  // A slow backoff of a minute: recording must resume because the relocation wakes it, not by waiting.
  recorders = await startRecorders({
    db,
    config: fixture.config,
    log,
    dataDir: fixture.dataDir,
    identityCheck,
    identityRecheckMs: recheckMs,
    backoff: { baseMs: 300, capMs: 1500, healthyMs: 5000, authRetryMs: 60_000 },
    stallMs: 8000,
  });
  const live = recorders;
  // As src/hearth.ts wires it: a relocation reloads the camera's recorder.
  unsubscribe = onCameraChanged(db, (id) => void live.reload(id));
  await waitFor('both cameras recording with a segment', () => ids.every((id) => live.states().find((s) => s.cameraId === id)?.state === 'recording' && listSegments(db, id).length > 0), 40_000);
  // Let a periodic check pass while things are right: a good check is what bounds the quarantine.
  await new Promise((r) => setTimeout(r, recheckMs + 500));

  const seen = new Map<string, { state: CameraState; atMs: number; lastError: string | null }[]>(ids.map((id) => [id, []]));
  const poll = setInterval(() => {
    for (const s of live.states()) {
      const states = seen.get(s.cameraId);
      if (states && states.at(-1)?.state !== s.state) states.push({ state: s.state, atMs: Date.now(), lastError: s.lastError });
    }
  }, 50);
  // The two ONVIF services trade addresses; the RTSP servers (and the open recorder connections) stay.
  const [url0, url1] = [onvif[0]!.service.url, onvif[1]!.service.url];
  const [port0, port1] = [onvif[0]!.service.port, onvif[1]!.service.port];
  const swapAtMs = Date.now();
  await Promise.all(onvif.map((o) => o.service.setListening(false)));
  await onvif[0]!.service.moveTo('127.0.0.1', port1);
  await onvif[1]!.service.moveTo('127.0.0.1', port0);
  await Promise.all(onvif.map((o) => o.service.setListening(true)));
  try {
    await pollUntil(
      'both cameras through identity_mismatch and recording new segments again',
      60_000,
      () =>
        ids.every((id) => {
          const states = (seen.get(id) ?? []).map((s) => s.state);
          const mismatchAt = states.indexOf('identity_mismatch');
          return mismatchAt >= 0 && states.lastIndexOf('recording') > mismatchAt && listSegments(db, id).some((s) => s.startMs > swapAtMs);
        }),
      {
        everyMs: 200,
        // What each camera went through and the last log lines: a timeout says where it stuck.
        context: () =>
          // States last (pollUntil keeps the tail), and no debug lines: per-segment lines pushed them out (CI).
          `${fixture.logLines.filter((l) => !/ debug /.test(l)).slice(-30).join('\n')}\nstates (ms after the swap): ${JSON.stringify(Object.fromEntries([...seen].map(([id, states]) => [id, states.map((s) => `${s.state}@${s.atMs - swapAtMs}${s.lastError ? `: ${s.lastError.slice(0, 160)}` : ''}`)])))}`,
      },
    );
  } finally {
    clearInterval(poll);
  }
  const resumedMs = Date.now() - swapAtMs;
  const noticedMidRun = fixture.logLines.filter((l) => l.includes('camera.identity_changed_while_recording'));
  assert.equal(noticedMidRun.length, 2, 'both were caught by the periodic check, not by a reconnect');

  const relocated = fixture.logLines.filter((line) => line.includes('camera.relocated'));
  assert.equal(relocated.length, 2, 'each camera followed its serial once');
  const detectMs: number[] = [];
  let framesChecked = 0;
  let quarantined = 0;
  for (const [index, id] of ids.entries()) {
    const camera = simulator.cameras[index]!;
    const other = simulator.cameras[1 - index]!;
    const history = seen.get(id)!;
    const mismatch = history.find((s) => s.state === 'identity_mismatch')!;
    detectMs.push(mismatch.atMs - swapAtMs);
    assert.ok(mismatch.atMs - swapAtMs < recheckMs + 10_000, `${id} noticed within one check period (+ the check's own deadline)`);
    assert.ok(mismatch.lastError?.includes(camera.serial) && mismatch.lastError.includes(other.serial), `the message names both identities: ${mismatch.lastError}`);
    assert.ok(!history.some((s) => s.state === 'retrying' && s.atMs < mismatch.atMs), 'a device answering with another serial is a mismatch, not a retry');
    assert.equal(getCamera(db, id)?.onvifUrl, index === 0 ? url1 : url0, `${id} follows its serial to the other ONVIF address`);
    assert.equal(mainUrl(id), mainUrlsBefore[index], 'the stream URL is what the device reports (unchanged here)');

    // Nothing recorded between the swap and the detection is indexed under the camera.
    const suspect = listSegments(db, id).filter((s) => s.endMs > swapAtMs && s.startMs < mismatch.atMs);
    assert.deepEqual(suspect, [], `${id}: no indexed segment overlaps the time another device answered at its address`);
    const setAside = readdirSync(quarantineDir(recordingRoot(fixture.dataDir), id));
    assert.ok(setAside.length > 0, `${id}: the video since the last good check is in quarantine`);
    quarantined += setAside.length;

    const { width, height } = adopted[index]!.streams.main;
    for (const segment of listSegments(db, id).filter((s) => s.startMs > swapAtMs)) {
      const codes = await segmentCameraCodes(path.join(recordingRoot(fixture.dataDir), segment.path), width, height);
      framesChecked += codes.length;
      assert.deepEqual([...new Set(codes)], codes.length ? [cameraCodeForSerial(camera.serial)] : [], `${segment.path} under ${id} holds only ${camera.serial}'s picture`);
    }
  }
  assert.ok(framesChecked > 0, 'frames were checked');
  console.log(
    `recheck every ${recheckMs} ms: swap→identity_mismatch ${detectMs.join('/')} ms, →recording again ${resumedMs} ms, ` +
      `${quarantined} segment(s) set aside, ${framesChecked} frames after resume checked (no foreign serial); ` +
      `states (ms after swap) ${JSON.stringify(Object.fromEntries([...seen].map(([k, v]) => [k, v.map((s) => `${s.state}@${s.atMs - swapAtMs}`)])))}`,
  );

  function mainUrl(id: string): string | null {
    return fixture.db.prepare("SELECT url FROM streams WHERE camera_id = ? AND role = 'main'").pluck().get(id) as string | null;
  }
});
