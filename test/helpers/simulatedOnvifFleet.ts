/**
 * Test helper: N simulated ONVIF cameras (device service + WS-Discovery
 * responder) on loopback, with distinct serials. Used by the ONVIF and
 * discovery tests; the responders are pinned to 127.0.0.1 through the one
 * multicast helper like everything else.
 */
import type { DeviceService } from '../../src/simulator/onvif/deviceService.ts';
import { startOnvifCamera, type OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';

/** 64x48 red JPEG (ffmpeg -f lavfi -i color=red:s=64x48 -frames:v 1 -f mjpeg -). */
export const fixtureJpeg = Buffer.from('/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgEBAQEBAUFBQUFBQYGBgYGBgYGBgYGBgYHBwcICAgHBwcGBgcHCAgICAkJCQgICAgJCQoKCgwMCwsODg4RERT/xABNAAEBAAAAAAAAAAAAAAAAAAAABgEBAQEAAAAAAAAAAAAAAAAAAAYHEAEAAAAAAAAAAAAAAAAAAAAAEQEAAAAAAAAAAAAAAAAAAAAA/8AAEQgAMABAAwEiAAIRAAMRAP/aAAwDAQACEQMRAD8AiwEo38AAAAAAAAAAAAAAAAAAAAAB/9k=', 'base64');

export interface SimulatedCamera {
  index: number;
  serialNumber: string;
  firmwareVersion: string;
  username: string;
  password: string;
  urn: string;
  service: DeviceService;
  onvif: OnvifCamera;
  streamUris: { main: string; sub: string };
}

export interface FleetOptions {
  count: number;
  /** Per-camera clock skew; default 0. */
  clockSkewMs?: (index: number) => number;
  /** Discovery port; default 3702. */
  discoveryPort?: number;
  /** Serial prefix, so parallel runs on one host can tell their cameras apart. */
  serialPrefix?: string;
}

export async function startFleet(options: FleetOptions): Promise<SimulatedCamera[]> {
  const prefix = options.serialPrefix ?? `HS${process.pid}`;
  const cameras: SimulatedCamera[] = [];
  for (let index = 0; index < options.count; index += 1) {
    // Camera 1 has an all-digit serial and firmware "1.10": the `onvif` package's parser turns those into numbers.
    const serialNumber = index === 1 ? `${process.pid}000${index}` : `${prefix}-${String(index).padStart(4, '0')}`;
    const firmwareVersion = index === 1 ? '1.10' : '2.4.1';
    const streamUris = {
      main: `rtsp://127.0.0.1:8554/cam${index}/main`,
      sub: `rtsp://127.0.0.1:8554/cam${index}/sub`,
    };
    const username = 'admin';
    const password = `pw-${index}-secret`;
    const onvif = await startOnvifCamera({
      host: '127.0.0.1',
      port: 0,
      username,
      password,
      device: {
        manufacturer: 'Hearth Sim',
        model: 'HS-100',
        firmwareVersion,
        serialNumber,
        hardwareId: `HW-${index}`,
        mac: `02:00:00:00:00:${String(index + 16).padStart(2, '0')}`,
      },
      clockSkewMs: options.clockSkewMs?.(index) ?? 0,
      streamUris: () => streamUris,
      snapshot: async () => fixtureJpeg,
      discovery: {
        interfaceAddress: '127.0.0.1',
        name: `Sim Camera ${serialNumber}`,
        location: 'test bench',
        ...(options.discoveryPort === undefined ? {} : { port: options.discoveryPort }),
      },
    });
    const camera: SimulatedCamera = {
      index,
      serialNumber,
      firmwareVersion,
      username,
      password,
      urn: onvif.urn,
      service: onvif.service,
      onvif,
      streamUris,
    };
    cameras.push(camera);
  }
  return cameras;
}

export async function stopFleet(cameras: readonly SimulatedCamera[]): Promise<void> {
  await Promise.all(cameras.map((camera) => camera.onvif.close()));
}
