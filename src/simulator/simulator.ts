/**
 * N simulated cameras with the controls tests and benchmarks need: outages, reconnect
 * storms (everyone back at the same instant) and DHCP address swaps.
 */
import { silentLogger, type Logger } from '../log.ts';
import { SimulatedCamera, type CameraAddress } from './camera.ts';
import { cameraCodeForSerial } from './frameCode.ts';
import { sceneScript, type ScenePreset } from './scene.ts';
import { simulatorConnectionCounters, type SimulatorConnectionCounters } from './connectionGauge.ts';
import type { SceneMedia } from './encoder.ts';

export interface SimulatorOptions {
  cameras: number;
  /** Address of camera `index`; default 127.0.0.1 for all (then ports differ). Give each its own, e.g. 127.0.10.(i+1), for equal ports. */
  host?: (index: number) => string;
  /** 0 (default) = ephemeral per camera; a number = that port for every camera (needs distinct hosts). */
  rtspPort?: number;
  username?: string;
  password?: string;
  scene?: ScenePreset;
  audio?: boolean;
  /** Serial numbers are `${serialPrefix}-0001`, ...; default "HRTH-SIM". */
  serialPrefix?: string;
  maxSessions?: number;
  /** RTSP paths; default /stream1 (main) and /stream2 (sub). */
  paths?: { main: string; sub: string };
  /**
   * 'live' (default): each camera renders and encodes its scene continuously (about 8.6 % of
   * a core each). 'loop': a 4-s clip of the scene is rendered once per camera (cached in the
   * temp dir) and sent on a loop by stream copy, main and sub alike at 640x360: a few cameras'
   * CPU for dozens, for storms and load benches. The burnt-in serial stays per camera; the
   * burnt-in clock repeats with the clip, and motion ground truth does not apply.
   */
  media?: SceneMedia;
  log?: Logger;
}

export interface Simulator {
  cameras: SimulatedCamera[];
  /** RTSP connection attempts and ONVIF requests in flight across all cameras, with peaks. */
  connections: SimulatorConnectionCounters;
  stop(): Promise<void>;
  /** All cameras offline, then after `downMs` all back at the same instant (a power cut, a reconnect storm). */
  stormRestart(downMs: number): Promise<void>;
  /** A's services now answer at B's address and B's at A's, like DHCP after a power cut. */
  swapAddresses(a: SimulatedCamera, b: SimulatedCamera): Promise<void>;
}

export class SimulatorError extends Error {
  override name = 'SimulatorError';
}

/** Cameras are started one after another: each ffmpeg start costs a burst of CPU on small machines. */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  if (!Number.isInteger(options.cameras) || options.cameras < 1 || options.cameras > 64) {
    throw new SimulatorError(`cameras must be a whole number from 1 to 64, got ${options.cameras}`);
  }
  const log = options.log ?? silentLogger;
  const prefix = options.serialPrefix ?? 'HRTH-SIM';
  const cameras: SimulatedCamera[] = [];
  const connections = simulatorConnectionCounters();
  const stopAll = async (): Promise<void> => {
    await Promise.all(cameras.map((c) => c.stop()));
  };
  try {
    for (let index = 0; index < options.cameras; index += 1) {
      const serial = `${prefix}-${String(index + 1).padStart(4, '0')}`;
      cameras.push(
        await SimulatedCamera.start({
          index,
          serial,
          hardwareId: `HS-100-${cameraCodeForSerial(serial).toString(16).padStart(4, '0')}-${index + 1}`,
          // Locally administered unicast MACs (02:...), distinct per camera.
          mac: `02:48:52:54:${hexByte((index >> 8) & 0xff)}:${hexByte(index & 0xff)}`,
          host: options.host?.(index) ?? '127.0.0.1',
          rtspPort: options.rtspPort ?? 0,
          username: options.username ?? 'admin',
          password: options.password ?? 'hearth-sim',
          script: sceneScript(options.scene ?? 'default'),
          audio: options.audio ?? false,
          maxSessions: options.maxSessions ?? 4,
          paths: options.paths ?? { main: '/stream1', sub: '/stream2' },
          media: options.media ?? 'live',
          rtspAttempts: connections.rtspAttempts,
          log,
        }),
      );
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  const codes = new Set(cameras.map((c) => c.cameraCode));
  if (codes.size !== cameras.length) log.warn('two simulated cameras share a frame code; choose another serialPrefix to tell them apart');
  log.info('camera simulator started', { cameras: cameras.length, first: cameras[0]?.rtspUrl('main') });

  return {
    cameras,
    connections,
    stop: stopAll,
    stormRestart: async (downMs) => {
      await Promise.all(cameras.map((c) => c.setOffline()));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(downMs, 10 * 60_000))));
      await Promise.all(cameras.map((c) => c.setOnline()));
    },
    swapAddresses: async (a, b) => {
      if (a === b) return;
      const [addressA, addressB]: CameraAddress[] = [a.address, b.address];
      const [onlineA, onlineB] = [a.online, b.online];
      // Both leave before either arrives, or the second bind would find the port taken.
      await Promise.all([a.vacateAddress(), b.vacateAddress()]);
      if (addressA === undefined || addressB === undefined) throw new SimulatorError('camera without an address');
      await Promise.all([a.occupyAddress(addressB, onlineA), b.occupyAddress(addressA, onlineB)]);
    },
  };
}

function hexByte(value: number): string {
  return value.toString(16).padStart(2, '0');
}
