/**
 * Gives a simulated camera (src/simulator/camera.ts) its ONVIF face, through the
 * camera's companion hook: the device service and discovery responder go
 * offline, freeze and move together with the camera's RTSP server.
 *
 * Address swaps: a real camera keeps its ONVIF port (80) and RTSP port (554);
 * only the IP changes hands. Simulated cameras may share 127.0.0.1 with
 * different ports, so "camera A now answers at B's address" must also mean
 * "at B's ONVIF port". The address book remembers which ONVIF port belongs to
 * which camera address (host + RTSP port), so after a swap the ONVIF URL Hearth
 * stored for B is answered by A, exactly like a DHCP mix-up.
 */
import type { Logger } from '../../log.ts';
import type { CameraAddress, CameraCompanion, SimulatedCamera } from '../camera.ts';
import type { Simulator } from '../simulator.ts';
import type { ConnectionGauge } from '../connectionGauge.ts';
import { startOnvifCamera, type OnvifCamera } from './onvifCamera.ts';

export interface OnvifCompanionOptions {
  /** ONVIF HTTP port; 0 (default) = ephemeral. */
  port?: number;
  /** Device clock minus real clock, ms; default 0. */
  clockSkewMs?: number;
  manufacturer?: string;
  model?: string;
  firmwareVersion?: string;
  /** WS-Discovery: the local IPv4 interface to answer on (default "127.0.0.1"); null = no responder. */
  discoveryInterface?: string | null;
  /** Default 3702. */
  discoveryPort?: number;
  location?: string;
  log?: Logger;
  /** Counts ONVIF requests in flight; attachOnvifToSimulator passes the simulator's own. */
  requestGauge?: ConnectionGauge;
}

/** Which ONVIF port belongs to which camera address; shared by the cameras of one simulator. */
export class OnvifAddressBook {
  private readonly ports = new Map<string, number>();

  private static key(address: CameraAddress): string {
    return `${address.host}:${address.rtspPort}`;
  }

  remember(address: CameraAddress, onvifPort: number): void {
    this.ports.set(OnvifAddressBook.key(address), onvifPort);
  }

  onvifPortAt(address: CameraAddress): number | undefined {
    return this.ports.get(OnvifAddressBook.key(address));
  }
}

/** Start the camera's ONVIF service + responder and attach them as a companion; returns them for inspection. */
export async function attachOnvif(
  camera: SimulatedCamera,
  addressBook: OnvifAddressBook,
  options: OnvifCompanionOptions = {},
): Promise<OnvifCamera> {
  const model = options.model ?? 'HS-100';
  const discoveryInterface = options.discoveryInterface === undefined ? '127.0.0.1' : options.discoveryInterface;
  const onvif = await startOnvifCamera({
    host: camera.address.host,
    port: options.port ?? 0,
    username: camera.credentials.username,
    password: camera.credentials.password,
    device: {
      manufacturer: options.manufacturer ?? 'Hearth',
      model,
      firmwareVersion: options.firmwareVersion ?? '1.0.0',
      serialNumber: camera.serial,
      hardwareId: camera.hardwareId,
      mac: camera.mac,
    },
    clockSkewMs: options.clockSkewMs ?? 0,
    // Read on every request: they follow the camera's current address.
    streamUris: () => ({ main: camera.rtspUrl('main'), sub: camera.rtspUrl('sub') }),
    snapshot: () => camera.snapshotJpeg(),
    ...(discoveryInterface === null
      ? {}
      : {
          discovery: {
            interfaceAddress: discoveryInterface,
            name: `Hearth Sim ${camera.serial}`,
            location: options.location ?? 'simulator',
            ...(options.discoveryPort === undefined ? {} : { port: options.discoveryPort }),
          },
        }),
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.requestGauge === undefined ? {} : { requestGauge: options.requestGauge }),
  });
  addressBook.remember(camera.address, onvif.service.port);

  let reachable = camera.online;
  let frozen = false;
  const updateDiscoverable = (): void => onvif.setDiscoverable(reachable && !frozen && onvif.service.listening);
  if (!reachable) await onvif.service.setListening(false);
  updateDiscoverable();

  const companion: CameraCompanion = {
    name: 'onvif',
    suspend: async () => {
      await onvif.service.setListening(false);
      updateDiscoverable();
    },
    moveTo: async (address) => {
      const port = addressBook.onvifPortAt(address) ?? onvif.service.port;
      await onvif.service.moveTo(address.host, port);
      if (reachable) await onvif.service.setListening(true);
      addressBook.remember(address, onvif.service.port);
      updateDiscoverable();
    },
    setReachable: async (value) => {
      reachable = value;
      await onvif.service.setListening(value);
      updateDiscoverable();
    },
    setFrozen: (value) => {
      frozen = value;
      onvif.service.setFrozen(value);
      updateDiscoverable();
    },
    close: () => onvif.close(),
  };
  camera.attachCompanion(companion);
  return onvif;
}

/** Attach ONVIF to every camera of a simulator (one shared address book); returns them in camera order. */
export async function attachOnvifToSimulator(simulator: Simulator, options: OnvifCompanionOptions = {}): Promise<OnvifCamera[]> {
  const addressBook = new OnvifAddressBook();
  const attached: OnvifCamera[] = [];
  for (const camera of simulator.cameras) {
    // A fixed ONVIF port only works with distinct hosts, just like a fixed RTSP port.
    attached.push(await attachOnvif(camera, addressBook, { requestGauge: simulator.connections.onvifRequests, ...options }));
  }
  return attached;
}
