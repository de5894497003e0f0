/**
 * The ONVIF answers a camera may refuse without anything else failing (README, "Cameras as households own them": a
 * Hikvision account without the network right, a TVT without GetSnapshotUri). Each
 * gives its value, or an empty one and the reason, for any OnvifDevice (test doubles too).
 */
import type { Logger } from '../log.ts';
import { normalizeMacs } from './macAddress.ts';
import type { OnvifDevice, OptionalField } from './onvifTypes.ts';
import { OnvifError, refusalReason } from './onvifErrors.ts';

/** MACs with the reason when there are none. */
export async function macAddressesOf(device: OnvifDevice): Promise<OptionalField<string[]>> {
  if (device.readMacAddresses !== undefined) return device.readMacAddresses();
  const value = normalizeMacs(await device.getMacAddresses());
  return { value, note: value.length === 0 ? 'the camera reports no MAC address' : null };
}

/**
 * Snapshot URI of the main profile, or null with the reason: many cameras lack
 * GetSnapshotUri (the TVT answers ActionNotSupported) and nothing depends on it.
 * Call it after the required calls succeeded: a refusal here is then this call's, not the password's.
 */
export async function snapshotUriOf(device: OnvifDevice, log: Logger, profileToken?: string): Promise<OptionalField<string | null>> {
  try {
    return { value: await device.getSnapshotUri(profileToken), note: null };
  } catch (error) {
    if (!(error instanceof OnvifError)) throw error;
    log.info('onvif snapshot URI not given; left empty', { address: device.address, error: error.message });
    return { value: null, note: `no snapshot address: ${refusalReason(error)}; snapshots come from its stream instead` };
  }
}
