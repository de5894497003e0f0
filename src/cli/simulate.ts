/**
 * `hearth simulate`: simulated cameras (RTSP + ONVIF + WS-Discovery) on loopback, for
 * trying Hearth without a camera and for acceptance scripts. Runs until Ctrl-C.
 */
import { createLogger } from '../log.ts';
import { readEnv } from '../config/env.ts';
import { startSimulator, scenePresets, type ScenePreset, type Simulator } from '../simulator/index.ts';
import { attachOnvifToSimulator } from '../simulator/onvif/onvifCompanion.ts';
import type { OnvifCamera } from '../simulator/onvif/onvifCamera.ts';
import { UsageError } from './errors.ts';
import { parseFlags } from './parse.ts';

export interface SimulatedFleet {
  simulator: Simulator;
  onvif: OnvifCamera[];
  stop(): Promise<void>;
}

export interface FleetOptions {
  cameras: number;
  hostBase?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  scene?: ScenePreset | undefined;
  audio?: boolean | undefined;
  /** null: no WS-Discovery responder. */
  discoveryInterface?: string | null | undefined;
  discoveryPort?: number | undefined;
}

/** N cameras with their ONVIF faces; shared by `hearth simulate` and `hearth start --demo`. */
export async function startFleet(options: FleetOptions, log = createLogger()): Promise<SimulatedFleet> {
  const hostBase = options.hostBase;
  const simulator = await startSimulator({
    cameras: options.cameras,
    ...(hostBase ? { host: (index: number) => hostAt(hostBase, index) } : {}),
    ...(options.username ? { username: options.username } : {}),
    ...(options.password ? { password: options.password } : {}),
    scene: options.scene ?? 'default',
    audio: options.audio ?? false,
    log,
  });
  try {
    const onvif = await attachOnvifToSimulator(simulator, {
      discoveryInterface: options.discoveryInterface === undefined ? '127.0.0.1' : options.discoveryInterface,
      ...(options.discoveryPort ? { discoveryPort: options.discoveryPort } : {}),
      log,
    });
    return { simulator, onvif, stop: () => simulator.stop() };
  } catch (error) {
    await simulator.stop();
    throw error;
  }
}

export function describeFleet(fleet: SimulatedFleet) {
  return fleet.simulator.cameras.map((camera, i) => ({
    serial: camera.serial,
    hardwareId: camera.hardwareId,
    mac: camera.mac,
    username: camera.credentials.username,
    password: camera.credentials.password,
    main: camera.rtspUrl('main'),
    sub: camera.rtspUrl('sub'),
    onvif: fleet.onvif[i]?.service.url ?? null,
  }));
}

export async function simulateCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    cameras: { type: 'string' },
    'host-base': { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    scene: { type: 'string' },
    audio: { type: 'boolean' },
    'no-discovery': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const count = Number(values.cameras ?? '2');
  if (!Number.isInteger(count) || count < 1 || count > 64) throw new UsageError('--cameras must be a whole number from 1 to 64');
  const scene = values.scene ?? 'default';
  if (!(scenePresets as readonly string[]).includes(scene)) throw new UsageError(`--scene must be one of ${scenePresets.join(', ')}`);
  const hostBase = values['host-base'];
  if (hostBase !== undefined && !/^127\.\d+\.\d+\.\d+$/.test(hostBase)) {
    throw new UsageError('--host-base must be a loopback address such as 127.0.10.1: simulated cameras never leave this machine');
  }
  const log = createLogger();
  const fleet = await startFleet(
    {
      cameras: count,
      hostBase,
      username: values.username,
      password: values.password,
      scene: scene as ScenePreset,
      audio: values.audio === true,
      discoveryInterface: values['no-discovery'] === true ? null : '127.0.0.1',
      discoveryPort: readEnv().wsdPort,
    },
    log,
  );
  const cameras = describeFleet(fleet);
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(cameras)}\n`);
  } else {
    for (const c of cameras) {
      process.stdout.write(`${c.serial}  ${c.main}  ${c.sub}  onvif ${c.onvif ?? '-'}  (${c.username}/${c.password})\n`);
    }
    process.stdout.write('simulating; press Ctrl-C to stop\n');
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await fleet.stop();
  return 0;
}

/** 127.0.10.1 + 2 → 127.0.10.3: one loopback address per camera, like one IP per camera on a LAN. */
function hostAt(base: string, index: number): string {
  const parts = base.split('.').map(Number);
  const last = (parts[3] ?? 1) + index;
  if (last > 254) throw new UsageError(`--host-base ${base} leaves no room for ${index + 1} cameras in its /24`);
  return `${parts[0]}.${parts[1]}.${parts[2]}.${last}`;
}
