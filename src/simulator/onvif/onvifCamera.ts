/**
 * The whole ONVIF face of one simulated camera: device/media service plus its
 * WS-Discovery responder, started and stopped together. The responder reads
 * the service's current URL on every probe, so `service.moveTo()` is all a
 * camera needs to do when its address changes.
 */
import { startDeviceService, type DeviceService, type DeviceServiceOptions } from './deviceService.ts';
import { endpointUrnForSerial, startDiscoveryResponder, type DiscoveryResponder } from './discoveryResponder.ts';

export interface OnvifCameraOptions extends DeviceServiceOptions {
  /** Omit to run without discovery (a camera on another subnet, say). */
  discovery?: {
    /** Local IPv4 address of the interface to answer probes on, e.g. "127.0.0.1". */
    interfaceAddress: string;
    /** Default 3702. */
    port?: number;
    /** Human name for the name scope; default "<model> <serial>". */
    name?: string;
    location?: string;
  };
}

export interface OnvifCamera {
  readonly service: DeviceService;
  readonly responder: DiscoveryResponder | undefined;
  /** WS-Discovery endpoint id, stable per serial number. */
  readonly urn: string;
  /** Whether the responder answers probes (false while the camera is unplugged or hung). */
  setDiscoverable(discoverable: boolean): void;
  close(): Promise<void>;
}

export async function startOnvifCamera(options: OnvifCameraOptions): Promise<OnvifCamera> {
  const service = await startDeviceService(options);
  const urn = endpointUrnForSerial(options.device.serialNumber);
  const discovery = options.discovery;
  let responder: DiscoveryResponder | undefined;
  let discoverable = true;
  if (discovery !== undefined) {
    const name = discovery.name ?? `${options.device.model} ${options.device.serialNumber}`;
    try {
      responder = await startDiscoveryResponder({
        interfaceAddress: discovery.interfaceAddress,
        endpointUrn: urn,
        xaddrs: () => [service.url],
        scopes: () => ({ name, hardware: options.device.model, location: discovery.location ?? 'home' }),
        answering: () => discoverable,
        ...(discovery.port === undefined ? {} : { port: discovery.port }),
        ...(options.log === undefined ? {} : { log: options.log }),
      });
    } catch (error) {
      await service.close();
      throw error;
    }
  }
  return {
    service,
    responder,
    urn,
    setDiscoverable: (value) => {
      discoverable = value;
    },
    close: async () => {
      await Promise.all([service.close(), responder?.close()]);
    },
  };
}
