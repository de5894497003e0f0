/**
 * "ONVIF is enough": a config camera with only `onvif: {url, username, password}` and no
 * `streams:` (docs/INTERFACE.md allows it) asks its device for its stream URIs, is bound to its
 * identity at first contact and records, in a real `hearth start`. After DHCP swaps two such
 * cameras' addresses, each follows its serial and records its own picture again, from the
 * stream URIs its device now gives. Simulator with its ONVIF service; WS-Discovery on
 * 127.0.0.1 and a private port only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startSimulator, cameraCodeForSerial, type Simulator } from '../../src/simulator/index.ts';
import { attachOnvifToSimulator } from '../../src/simulator/onvif/onvifCompanion.ts';
import type { OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';
import { runHearth, startHearthProcess, type RunningHearthProcess } from '../helpers/hearthProcess.ts';
import { login } from '../helpers/apiSession.ts';
import { cameraCodes } from '../helpers/frameCodes.ts';

const discoveryPort = 41_000 + (process.pid % 20_000);
let simulator: Simulator;
let onvif: OnvifCamera[];
let dataDir: string;
let hearth: RunningHearthProcess | null = null;

before(async () => {
  simulator = await startSimulator({ cameras: 2, serialPrefix: `OO${process.pid}` });
  onvif = await attachOnvifToSimulator(simulator, { discoveryPort });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-onvif-only-'));
});
after(async () => {
  await hearth?.stop('SIGTERM');
  await simulator.stop();
  await Promise.all(onvif.map((o) => o.close()));
  rmSync(dataDir, { recursive: true, force: true });
});

interface CameraView {
  id: string;
  state: string;
  lastError: string | null;
  identity: { serial: string | null; verified: boolean };
}

/** Camera codes burnt into the frames of a recorded segment (one frame a second). */
const codesIn = (file: string): Promise<number[]> => cameraCodes({ input: file, width: 1280, height: 720, filter: 'fps=1,scale=1280:720' });

test('a config camera with only an ONVIF address records, and again after its address changes', { timeout: 240_000 }, async () => {
  const ids = ['porch', 'garden'];
  const config = [
    'recording:',
    '  segmentSeconds: 4',
    'discovery:',
    '  enabled: true',
    '  interfaces: [lo]',
    'cameras:',
    ...simulator.cameras.flatMap((camera, i) => [
      `  - id: ${ids[i]}`,
      `    name: ${ids[i]}`,
      '    onvif:',
      `      url: ${onvif[i]!.service.url}`,
      `      username: ${camera.credentials.username}`,
      `      password: "${camera.credentials.password}"`,
      '    motion:',
      '      enabled: false',
    ]),
  ];
  const configFile = path.join(dataDir, 'hearth.yaml');
  writeFileSync(configFile, config.join('\n') + '\n');
  const env = { HEARTH_CONFIG: configFile, HEARTH_DATA: dataDir, HEARTH_LOG_LEVEL: 'info', HEARTH_DISCOVERY: 'on', HEARTH_WSD_PORT: String(discoveryPort) };
  assert.equal((await runHearth(['user', 'add', 'admin', '--role', 'admin', '--password-stdin'], { env, input: 'admin-pass-1234\n' })).code, 0);
  hearth = await startHearthProcess(['--port', '0', '--host', '127.0.0.1'], { env, timeoutMs: 60_000 });
  const listeningAt = Date.now();
  const base = hearth.url;
  const cookie = await login(base, 'admin', 'admin-pass-1234');
  const cameras = async (): Promise<CameraView[]> => (await (await fetch(`${base}/api/cameras`, { headers: { cookie } })).json()) as CameraView[];
  const db = new Database(path.join(dataDir, 'hearth.db'), { readonly: true, fileMustExist: true });
  const running = hearth;
  const waitAll = async (what: string, timeoutMs: number, ok: (c: CameraView) => boolean): Promise<number> => {
    const started = Date.now();
    let last: CameraView[] = [];
    while (Date.now() - started < timeoutMs) {
      last = await cameras();
      if (ids.every((id) => last.some((c) => c.id === id && ok(c)))) return Date.now() - started;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.fail(`${what} within ${timeoutMs} ms: ${JSON.stringify(last)}\n${running.output().slice(-4000)}`);
  };
  const segmentsAfter = (id: string, ms: number): Array<{ path: string; startMs: number }> =>
    db.prepare('SELECT path, start_ms AS startMs FROM segments WHERE camera_id = ? AND start_ms > ? ORDER BY start_ms').all(id, ms) as never;
  try {
    await waitAll('both cameras recording', 30_000, (c) => c.state === 'recording');
    const toRecordingMs = Date.now() - listeningAt;
    const views = await cameras();
    for (const [i, id] of ids.entries()) {
      const view = views.find((c) => c.id === id)!;
      assert.equal(view.identity.serial, simulator.cameras[i]!.serial, `${id} bound to its device's serial at first contact`);
      const main = db.prepare("SELECT url FROM streams WHERE camera_id = ? AND role = 'main'").pluck().get(id) as string;
      assert.equal(new URL(main).port, new URL(simulator.cameras[i]!.rtspUrl('main')).port, `${id}'s main stream came from its device`);
      assert.ok(new URL(main).username, 'the stream URL carries the ONVIF credentials');
    }
    const firstSegmentsBy = Date.now() + 30_000;
    while (!ids.every((id) => segmentsAfter(id, 0).length > 0) && Date.now() < firstSegmentsBy) await new Promise((r) => setTimeout(r, 250));
    for (const [i, id] of ids.entries()) {
      const [first] = segmentsAfter(id, 0);
      assert.ok(first, `${id} wrote a segment`);
      assert.deepEqual([...new Set(await codesIn(path.join(dataDir, 'recordings', first.path)))], [cameraCodeForSerial(simulator.cameras[i]!.serial)]);
    }
    console.log(`# ONVIF-only config cameras recording ${toRecordingMs} ms after "listening"`);

    // DHCP hands each camera the other's address: each must follow its own serial.
    const swapAtMs = Date.now();
    await simulator.swapAddresses(simulator.cameras[0]!, simulator.cameras[1]!);
    const resumeBy = Date.now() + 90_000;
    while (Date.now() < resumeBy) {
      const states = await cameras();
      if (ids.every((id, i) => states.find((c) => c.id === id)?.state === 'recording' && segmentsAfter(id, swapAtMs + 1_000).length > 0 && (db.prepare('SELECT onvif_url FROM cameras WHERE id = ?').pluck().get(id) as string) === onvif[i]!.service.url)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const resumedMs = Date.now() - swapAtMs;
    for (const [i, id] of ids.entries()) {
      const camera = simulator.cameras[i]!;
      assert.equal(db.prepare('SELECT onvif_url FROM cameras WHERE id = ?').pluck().get(id), onvif[i]!.service.url, `${id} follows its device to its new address\n${running.output().slice(-3000)}`);
      const main = db.prepare("SELECT url FROM streams WHERE camera_id = ? AND role = 'main'").pluck().get(id) as string;
      assert.equal(new URL(main).port, new URL(camera.rtspUrl('main')).port, `${id}'s stream URI re-read from its device`);
      const resumed = segmentsAfter(id, swapAtMs + 1_000);
      assert.ok(resumed.length > 0, `${id} records again after the swap`);
      for (const segment of resumed) {
        assert.deepEqual([...new Set(await codesIn(path.join(dataDir, 'recordings', segment.path)))], [cameraCodeForSerial(camera.serial)], `${segment.path} holds only ${camera.serial}'s picture`);
      }
    }
    console.log(`# after the address swap both recorded their own picture again ${resumedMs} ms later`);
  } finally {
    db.close();
  }
});
