/**
 * What the UI tests run against: the project's simulator (real RTSP, scripted motion)
 * and a real `hearth start` child recording it, with an admin and a viewer who may see
 * only some cameras. Discovery is off (no multicast); everything is on loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator, type ScenePreset } from '../../src/simulator/index.ts';
import { runHearth, startHearthProcess, type RunningHearthProcess } from './hearthProcess.ts';

export interface UiStack {
  url: string;
  dataDir: string;
  simulator: Simulator;
  hearth: RunningHearthProcess;
  cameraIds: string[];
  admin: { username: string; password: string };
  /** Granted `viewerGrants` only. */
  viewer: { username: string; password: string; cameras: string[] };
  /** Waits (bounded) until every camera has at least `seconds` of indexed recording. */
  waitForRecording(seconds: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface UiStackOptions {
  cameras?: number;
  scene?: ScenePreset;
  segmentSeconds?: number;
  /** How many of the cameras (from the first) the viewer is granted; default 1. */
  viewerGrants?: number;
  motion?: boolean;
}

export async function startUiStack(options: UiStackOptions = {}): Promise<UiStack> {
  const count = options.cameras ?? 3;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-ui-'));
  const simulator = await startSimulator({ cameras: count, scene: options.scene ?? 'person' });
  const cameraIds = simulator.cameras.map((_c, i) => `cam-${i + 1}`);
  const lines = [
    'recording:',
    `  segmentSeconds: ${options.segmentSeconds ?? 4}`,
    'cameras:',
    ...simulator.cameras.flatMap((camera, i) => [
      `  - id: ${cameraIds[i]}`,
      `    name: ${['Front door', 'Garden', 'Driveway', 'Nursery', 'Garage', 'Porch'][i] ?? `Camera ${i + 1}`}`,
      '    streams:',
      `      main: ${camera.rtspUrl('main', true)}`,
      `      sub: ${camera.rtspUrl('sub', true)}`,
      '    motion:',
      `      enabled: ${options.motion ?? true}`,
    ]),
  ];
  const configFile = path.join(dataDir, 'hearth.yaml');
  writeFileSync(configFile, lines.join('\n') + '\n');
  const env = { HEARTH_CONFIG: configFile, HEARTH_DATA: dataDir, HEARTH_LOG_LEVEL: 'info' };
  const admin = { username: 'admin', password: 'admin-pass-1234' };
  const viewerCameras = cameraIds.slice(0, options.viewerGrants ?? 1);
  const viewer = { username: 'guest', password: 'guest-pass-1234', cameras: viewerCameras };
  let hearth: RunningHearthProcess | undefined;
  try {
    for (const user of [
      { ...admin, role: 'admin' },
      { ...viewer, role: 'viewer' },
    ]) {
      const added = await runHearth(['user', 'add', user.username, '--role', user.role, '--password-stdin'], { env, input: user.password + '\n' });
      if (added.code !== 0) throw new Error(`hearth user add ${user.username} failed: ${added.stderr}`);
    }
    hearth = await startHearthProcess(['--port', '0', '--host', '127.0.0.1'], { env, timeoutMs: 60_000 });
    // Cameras enter the registry when hearth start reads the config: grant after that.
    for (const camera of viewerCameras) {
      const granted = await runHearth(['user', 'grant', viewer.username, camera, '--scope', 'export'], { env });
      if (granted.code !== 0) throw new Error(`hearth user grant failed: ${granted.stderr}`);
    }
  } catch (error) {
    await hearth?.stop('SIGKILL');
    await simulator.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const running = hearth;
  const url = running.url;

  const waitForRecording = async (seconds: number, timeoutMs = 90_000): Promise<void> => {
    const { default: Database } = await import('better-sqlite3');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const db = new Database(path.join(dataDir, 'hearth.db'), { readonly: true, fileMustExist: true });
      let ready = false;
      try {
        const rows = db.prepare('SELECT camera_id AS id, SUM(end_ms - start_ms) AS ms FROM segments GROUP BY camera_id').all() as Array<{ id: string; ms: number }>;
        ready = cameraIds.every((id) => (rows.find((r) => r.id === id)?.ms ?? 0) >= seconds * 1000);
      } finally {
        db.close();
      }
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`cameras did not record ${seconds} s within ${timeoutMs} ms; hearth output:\n${running.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  return {
    url,
    dataDir,
    simulator,
    hearth: running,
    cameraIds,
    admin,
    viewer,
    waitForRecording,
    async stop() {
      await running.stop('SIGTERM');
      await simulator.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
