/**
 * THE identity test (docs/DESIGN.md, "Identity"): two adopted cameras record; DHCP swaps their
 * addresses; nothing the other camera sees is ever written under the wrong id, both show
 * identity_mismatch, then follow their serials to the new addresses and record again.
 * Real simulator, real ffmpeg, real SQLite; WS-Discovery only on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cameraCodeForSerial, type Simulator } from '../../src/simulator/index.ts';
import type { OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';
import { getCamera } from '../../src/cameras/cameraRows.ts';
import { startRecorders, type Recorders } from '../../src/recording/startRecorders.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import { listSegments } from '../../src/recording/segmentRows.ts';
import type { CameraState } from '../../src/cameras/cameraStatus.ts';
import { waitFor, type Fixture } from '../helpers/recordingFixture.ts';
import { adoptWithRelocation, startIdentityStage, type IdentityStage } from '../helpers/identityStage.ts';
import { segmentCameraCodes } from '../helpers/frameCodes.ts';

const discoveryPort = 40_000 + (process.pid % 20_000);
let stage: IdentityStage;
let simulator: Simulator;
let onvif: OnvifCamera[];
let fixture: Fixture;
let recorders: Recorders | null = null;

before(async () => {
  stage = await startIdentityStage(`SW${process.pid}`, discoveryPort);
  ({ simulator, onvif, fixture } = stage);
});
after(async () => {
  await recorders?.stop();
  await stage?.stop();
});

test('after an address swap nothing is recorded under the wrong id, and both cameras follow their serials', { timeout: 120_000 }, async () => {
  const { db, log } = fixture;
  const { adopted, identityCheck } = await adoptWithRelocation(stage);
  assert.deepEqual(adopted.map((a) => getCamera(db, a.id)?.serialNumber), simulator.cameras.map((c) => c.serial));

  recorders = await startRecorders({
    db,
    config: fixture.config,
    log,
    dataDir: fixture.dataDir,
    identityCheck,
    backoff: { baseMs: 300, capMs: 1500, healthyMs: 5000, authRetryMs: 1500 },
    stallMs: 5000,
  });
  const ids = adopted.map((a) => a.id);
  const live = recorders;
  await waitFor('both cameras recording with a segment', () => ids.every((id) => live.states().find((s) => s.cameraId === id)?.state === 'recording' && listSegments(db, id).length > 0), 40_000);

  const seen = new Map<string, CameraState[]>(ids.map((id) => [id, []]));
  const poll = setInterval(() => {
    for (const s of live.states()) {
      const states = seen.get(s.cameraId);
      if (states && states.at(-1) !== s.state) states.push(s.state);
    }
  }, 50);
  const swapAtMs = Date.now();
  await simulator.swapAddresses(simulator.cameras[0]!, simulator.cameras[1]!);
  try {
    await waitFor(
      'both cameras through identity_mismatch and recording new segments again',
      () =>
        ids.every((id) => {
          const states = seen.get(id) ?? [];
          const mismatchAt = states.indexOf('identity_mismatch');
          return mismatchAt >= 0 && states.lastIndexOf('recording') > mismatchAt && listSegments(db, id).some((s) => s.startMs > swapAtMs);
        }),
      60_000,
    );
  } finally {
    clearInterval(poll);
  }
  const resumedMs = Date.now() - swapAtMs;

  let framesChecked = 0;
  const relocated = fixture.logLines.filter((line) => line.includes('camera.relocated'));
  assert.equal(relocated.length, 2, 'each camera followed its serial once');
  for (const [index, id] of ids.entries()) {
    const camera = simulator.cameras[index]!;
    assert.equal(getCamera(db, id)?.onvifUrl, onvif[index]!.service.url, `${id} now points at where its device answers`);
    const main = db.prepare("SELECT url FROM streams WHERE camera_id = ? AND role = 'main'").pluck().get(id) as string;
    assert.equal(new URL(main).host, new URL(camera.rtspUrl('main')).host, `${id}'s stream URL follows the device to its new address`);
    assert.ok(new URL(main).username, 'the stream URL keeps its credentials');
    const { width, height } = adopted[index]!.streams.main;
    const after = listSegments(db, id).filter((s) => s.endMs > swapAtMs);
    assert.ok(after.length > 0);
    for (const segment of after) {
      const codes = await segmentCameraCodes(path.join(recordingRoot(fixture.dataDir), segment.path), width, height);
      framesChecked += codes.length;
      assert.ok(codes.length > 0, `frames of ${segment.path} (${segment.startMs - swapAtMs}..${segment.endMs - swapAtMs} ms after the swap, ${segment.bytes} bytes) carry a readable code`);
      assert.deepEqual([...new Set(codes)], [cameraCodeForSerial(camera.serial)], `${segment.path} under ${id} holds only ${camera.serial}'s picture`);
    }
  }
  console.log(`swap: mismatch→relocated→recording again after ${resumedMs} ms; ${framesChecked} frames after the swap checked, none foreign; states ${JSON.stringify(Object.fromEntries(seen))}`);
});
