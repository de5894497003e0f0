/**
 * Cameras added while Hearth runs take effect at once (no restart): a camera adopted
 * through POST /api/cameras/adopt and one added by RTSP URL both start recording, motion
 * starts watching the adopted one once its recorder runs on the verified device, and a
 * camera disabled in the registry stops. Hearth in-process (src/hearth.ts, the real
 * wiring), real simulator, real ffmpeg, real SQLite; discovery off.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startHearth, type RunningHearth } from '../../src/hearth.ts';
import { defaultConfig, type HearthConfig } from '../../src/config/schema.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { attachOnvifToSimulator } from '../../src/simulator/onvif/onvifCompanion.ts';
import type { OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';
import { cameraChanged } from '../../src/cameras/registryEvents.ts';
import { listSegments } from '../../src/recording/segmentRows.ts';
import { Client, passwordOf } from '../helpers/serverFixture.ts';
import { waitFor } from '../helpers/recordingFixture.ts';

let simulator: Simulator;
let onvif: OnvifCamera[];
let hearth: RunningHearth;
let dataDir: string;
let log: Logger;
const lines: string[] = [];
let admin: Client;

before(async () => {
  simulator = await startSimulator({ cameras: 2, serialPrefix: `LA${process.pid}` });
  onvif = await attachOnvifToSimulator(simulator, { discoveryInterface: null });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-live-adopt-'));
  log = createLogger({ level: 'debug', sink: { write: (line) => lines.push(line) } });
  const config: HearthConfig = {
    ...defaultConfig(),
    dataDir,
    http: { port: 0, host: '127.0.0.1', allowNonLan: false },
    discovery: { enabled: false, interfaces: null, intervalMinutes: 10 },
    recording: { segmentSeconds: 4 },
  };
  hearth = await startHearth(config, log);
  const code = /first-run setup code ([A-Z0-9-]+)/.exec(lines.join('\n'))?.[1];
  assert.ok(code, 'the setup code is in the log');
  admin = new Client(hearth.url);
  assert.equal((await admin.json('/api/setup', 'POST', { code, username: 'ann', password: passwordOf('ann') })).status, 201);
});
after(async () => {
  await hearth?.stop();
  await simulator.stop();
  await Promise.all(onvif.map((o) => o.close()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function cameraView(id: string): Promise<{ state: string; lastError: string | null; identity: { serial: string | null; verified: boolean } }> {
  const response = await admin.request(`/api/cameras/${id}`);
  assert.equal(response.status, 200);
  return (await response.json()) as { state: string; lastError: string | null; identity: { serial: string | null; verified: boolean } };
}

/** Polls the API (bounded) until the camera shows `state` and has a segment. */
async function untilRecording(id: string, timeoutMs: number): Promise<number> {
  const startedMs = Date.now();
  const deadline = startedMs + timeoutMs;
  for (;;) {
    const view = await cameraView(id);
    if (view.state === 'recording' && listSegments(hearth.db, id).length > 0) return Date.now() - startedMs;
    if (Date.now() > deadline) throw new Error(`camera ${id} not recording after ${timeoutMs} ms: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('an adopted camera records and is watched for motion without a restart', { timeout: 90_000 }, async () => {
  const camera = simulator.cameras[0]!;
  const adopted = await admin.json('/api/cameras/adopt', 'POST', { onvifUrl: onvif[0]!.service.url, ...camera.credentials, name: 'Porch' });
  assert.equal(adopted.status, 201, await adopted.clone().text());
  const { id } = (await adopted.json()) as { id: string };
  const tookMs = await untilRecording(id, 60_000);
  const view = await cameraView(id);
  assert.deepEqual(view.identity, { serial: camera.serial, verified: true });
  await waitFor('motion watching the adopted camera', () => lines.some((l) => l.includes('motion.camera_started') && new RegExp(` camera=${id}( |$)`).test(l)), 20_000);
  console.log(`adopted camera "${id}": recording with a segment ${tookMs} ms after the 201`);
});

test('a camera added by RTSP URL records at once (identity unverified); disabling it stops it', { timeout: 90_000 }, async () => {
  const camera = simulator.cameras[1]!;
  const added = await admin.json('/api/cameras/manual', 'POST', { id: 'shed', name: 'Shed', rtspMain: camera.rtspUrl('main', true) });
  assert.equal(added.status, 201, await added.clone().text());
  const tookMs = await untilRecording('shed', 60_000);
  assert.deepEqual((await cameraView('shed')).identity, { serial: null, verified: false });

  hearth.db.prepare('UPDATE cameras SET enabled = 0 WHERE id = ?').run('shed');
  cameraChanged(hearth.db, 'shed', log);
  await waitFor('the recorder stopped', () => lines.some((l) => l.includes('recorders.camera_removed') && / camera=shed( |$)/.test(l)), 20_000);
  assert.equal((await cameraView('shed')).state, 'disabled');
  console.log(`manual camera: recording with a segment ${tookMs} ms after the 201; disabled at once`);
});
