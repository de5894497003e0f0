/**
 * What the playback and storm benches stand on: N simulated cameras with their ONVIF
 * faces on loopback (no WS-Discovery responder: nothing multicasts), and the real
 * `hearth start` in a child process recording them from a config file, discovery off.
 * Camera `cam-NN` in Hearth is simulator camera NN-1, so every frame's burnt-in serial
 * says which camera it must be filed under.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import type { SceneMedia } from '../../src/simulator/encoder.ts';
import { attachOnvifToSimulator } from '../../src/simulator/onvif/onvifCompanion.ts';
import type { OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';
import { startHearthProcess, type RunningHearthProcess } from '../../test/helpers/hearthProcess.ts';
import { parsePrometheusText } from '../../test/helpers/prometheusText.ts';
import { firstRunSetup } from '../../test/helpers/apiSession.ts';

export interface HearthRigOptions {
  cameras: number;
  media: SceneMedia;
  /** Fixed per bench, so loop clips are rendered once and reused from the temp dir. */
  serialPrefix: string;
  segmentSeconds?: number;
  log: (line: string) => void;
}

export interface HearthRig {
  url: string;
  dataDir: string;
  dbFile: string;
  simulator: Simulator;
  onvif: OnvifCamera[];
  cameraIds: string[];
  hearth: RunningHearthProcess;
  /** State of each camera from /metrics (hearth_camera_state). */
  states(): Promise<Map<string, string>>;
  /** Hearth's log so far (JSON lines on stdout/stderr). */
  output(): string;
  stop(): Promise<void>;
}

export const rigCameraId = (index: number): string => `cam-${String(index + 1).padStart(2, '0')}`;

export async function startHearthRig(options: HearthRigOptions): Promise<HearthRig> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-rig-'));
  const dataDir = path.join(dir, 'data');
  let simulator: Simulator | undefined;
  let onvif: OnvifCamera[] = [];
  let hearth: RunningHearthProcess | undefined;
  const cleanup = async (): Promise<void> => {
    await hearth?.stop('SIGTERM');
    await simulator?.stop();
    await Promise.all(onvif.map((o) => o.close()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    options.log(`rig: starting ${options.cameras} simulated camera(s), ${options.media} media`);
    simulator = await startSimulator({ cameras: options.cameras, media: options.media, serialPrefix: options.serialPrefix });
    onvif = await attachOnvifToSimulator(simulator, { discoveryInterface: null });
    const cameraIds = simulator.cameras.map((c) => rigCameraId(c.index));
    const configFile = path.join(dir, 'hearth.yaml');
    writeFileSync(configFile, configYaml(simulator, onvif, options.segmentSeconds ?? 10));
    options.log('rig: starting hearth');
    hearth = await startHearthProcess(['--config', configFile, '--data', dataDir, '--port', '0', '--host', '127.0.0.1'], { timeoutMs: 120_000 });
    const running = hearth;
    const sim = simulator;
    return {
      url: running.url,
      dataDir,
      dbFile: path.join(dataDir, 'hearth.db'),
      simulator: sim,
      onvif,
      cameraIds,
      hearth: running,
      states: async () => {
        const response = await fetch(`${running.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
        const family = parsePrometheusText(await response.text()).get('hearth_camera_state');
        const states = new Map<string, string>();
        for (const sample of family?.samples ?? []) {
          const camera = sample.labels.camera;
          const state = sample.labels.state;
          if (sample.value === 1 && camera !== undefined && state !== undefined) states.set(camera, state);
        }
        return states;
      },
      output: () => running.output(),
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function configYaml(simulator: Simulator, onvif: OnvifCamera[], segmentSeconds: number): string {
  const quote = (s: string): string => JSON.stringify(s);
  const cameras = simulator.cameras.map((camera, i) => {
    const service = onvif[i];
    if (service === undefined) throw new Error(`camera ${i} has no ONVIF service`);
    return [
      `  - id: ${rigCameraId(i)}`,
      `    name: ${quote(`Bench ${i + 1}`)}`,
      '    onvif:',
      `      url: ${quote(service.service.url)}`,
      `      username: ${quote(camera.credentials.username)}`,
      `      password: ${quote(camera.credentials.password)}`,
      '    streams:',
      `      main: ${quote(camera.rtspUrl('main', true))}`,
      '    motion:',
      '      enabled: false',
    ].join('\n');
  });
  return ['discovery:', '  enabled: false', 'recording:', `  segmentSeconds: ${segmentSeconds}`, 'cameras:', ...cameras, ''].join('\n');
}

/** The admin session for API calls: first-run setup with the code from Hearth's log. */
export const setupAdmin = (rig: HearthRig): Promise<string> => firstRunSetup(rig, 'bench', 'bench-password-1234');
