/**
 * What Hearth asks an ONVIF device once credentials work, in this order: who it is, its
 * MAC addresses, its stream URIs, its snapshot URI. Adoption (cameras/adoption.ts) and
 * `hearth discover` with credentials (enrichDevices.ts) both ask this way. Optional fields
 * a camera refuses become a note, not an error.
 */
import type { Logger } from '../log.ts';
import { macAddressesOf, snapshotUriOf, type DeviceIdentity, type OnvifDevice, type StreamInfo } from './onvifClient.ts';

export interface DeviceFacts {
  identity: DeviceIdentity | null;
  /** The first MAC address the device reports, as macAddressesOf gives it; null when none. */
  mac: string | null;
  streams: { main: StreamInfo; sub: StreamInfo | null } | null;
  snapshotUri: string | null;
  /** Optional fields left empty, in words. */
  notes: string[];
}

export function noDeviceFacts(): DeviceFacts {
  return { identity: null, mac: null, streams: null, snapshotUri: null, notes: [] };
}

/**
 * Fills `facts` as the answers come: when a question fails (it throws the OnvifError),
 * what came before stays in `facts`, which is still useful (an identity without streams).
 */
export async function readDeviceFacts(device: OnvifDevice, log: Logger, facts: DeviceFacts): Promise<void> {
  facts.identity = await device.getDeviceIdentity();
  const macs = await macAddressesOf(device);
  facts.mac = macs.value[0] ?? null;
  if (macs.note !== null) facts.notes.push(macs.note);
  const uris = await device.getStreamUris();
  facts.streams = { main: uris.main, sub: uris.sub ?? null };
  facts.notes.push(...(uris.notes ?? []));
  const snapshot = await snapshotUriOf(device, log, uris.main.token);
  facts.snapshotUri = snapshot.value;
  if (snapshot.note !== null) facts.notes.push(snapshot.note);
}
