/**
 * The real IdentityCheck (docs/DESIGN.md, "Identity"): before a recorder (re)starts and
 * periodically while it records, ask the ONVIF device at the camera's stored address
 * who it is and compare with the identity bound at adoption. Never cached: a cached
 * "yes" is exactly how one household's camera ends up recorded under another's name.
 *
 * Verdicts: only a device that answers with another serial is a mismatch. Nothing
 * answering is "unreachable" (shown as retrying), a device refusing the credentials or
 * answering with a SOAP fault is "refused" (auth_failed). Neither lets the recorder
 * start; all three send the relocator looking for the serial at another address.
 */
import type { Db } from '../db/sqlite.ts';
import type { Logger } from '../log.ts';
import { OnvifAuthError, OnvifError, OnvifProtocolError, type DeviceIdentity, type OnvifConnectOptions, type OnvifDevice } from '../discovery/onvifClient.ts';
import { withCameraDevice } from './cameraOnvif.ts';
import { normalizeMac } from '../discovery/macAddress.ts';
import { getCamera, getCameraSecrets, type CameraRow } from './cameraRows.ts';
import type { IdentityCheck, IdentityCheckResult } from './cameraStatus.ts';
import { bindIdentityOnce } from './identityRows.ts';

export type IdentityVerdict =
  | { verdict: 'verified'; identity: DeviceIdentity }
  | { verdict: 'unverified' }
  | { verdict: 'mismatch'; reason: string; found: DeviceIdentity }
  | { verdict: 'unreachable'; reason: string }
  | { verdict: 'refused'; reason: string };

export interface IdentityCheckOptions {
  db: Db;
  log: Logger;
  /** Deadline for each ONVIF call; the supervisor gives the whole check 10 s. */
  timeoutMs?: number;
  /** Called on a mismatch, and when a bound camera does not answer or refuses (the relocator hooks in here); must not throw. */
  onMismatch?: (cameraId: string) => void;
  connect?: (options: OnvifConnectOptions) => Promise<OnvifDevice>;
  nowMs?: () => number;
}

export function describeIdentity(identity: { serialNumber: string | null; hardwareId: string | null }): string {
  return `serial ${identity.serialNumber ?? '?'}, hardware id ${identity.hardwareId || '?'}`;
}

/** Same camera: serials equal, and hardware ids equal when both are known. */
export function sameIdentity(bound: CameraRow, found: DeviceIdentity): boolean {
  if (bound.serialNumber === null || bound.serialNumber !== found.serialNumber) return false;
  if (bound.hardwareId && found.hardwareId && bound.hardwareId !== found.hardwareId) return false;
  return true;
}

/** Asks the device at the stored address and returns the full verdict (the API shows it too). */
export async function verifyCameraIdentity(cameraId: string, options: IdentityCheckOptions): Promise<IdentityVerdict> {
  const { db, log } = options;
  const camera = getCamera(db, cameraId);
  const secrets = getCameraSecrets(db, cameraId);
  if (!camera || !secrets) return { verdict: 'unreachable', reason: `camera ${cameraId} is no longer in the registry` };
  // Plain RTSP: nothing to ask; shown as "identity unverified" (docs/DESIGN.md, "Identity").
  if (!camera.onvifUrl) return { verdict: 'unverified' };

  const onvifUrl = camera.onvifUrl;
  let found: DeviceIdentity;
  let mac: string | null = null;
  try {
    found = await withCameraDevice(onvifUrl, secrets, options, async (device) => {
      const identity = await device.getDeviceIdentity();
      // Optional: getMacAddresses answers [] when the device refuses it; never a reason to fail the check.
      if (camera.serialNumber === null) mac = normalizeMac((await device.getMacAddresses())[0] ?? '');
      return identity;
    });
  } catch (error) {
    if (!(error instanceof OnvifError)) throw error;
    if (answeredButRefused(error)) {
      return {
        verdict: 'refused',
        reason:
          `the device at ${camera.onvifUrl} answered but refused to say who it is (${error.message}). ` +
          `If you changed camera "${camera.name}"'s password, enter the new one in Hearth; if another device took its address, Hearth is looking for the camera elsewhere`,
      };
    }
    return {
      verdict: 'unreachable',
      reason:
        `camera "${camera.name}" is unreachable at ${camera.onvifUrl} (${error.message}). ` +
        `Check that it is powered and plugged in, and whether your router gave it a new address; Hearth keeps retrying and looks for it by its serial`,
    };
  }

  if (camera.serialNumber === null) {
    // Config cameras with `onvif:` are bound at first successful contact, once.
    const now = options.nowMs?.() ?? Date.now();
    if (bindIdentityOnce(db, cameraId, { serialNumber: found.serialNumber, hardwareId: found.hardwareId, mac }, now)) {
      log.info('camera identity bound at first contact', { event: 'camera.identity_bound', camera: cameraId, serial: found.serialNumber, hardwareId: found.hardwareId });
      return { verdict: 'verified', identity: found };
    }
    // Someone bound it between our read and write: compare against what is stored now.
    return verifyCameraIdentity(cameraId, { ...options, onMismatch: options.onMismatch });
  }
  if (sameIdentity(camera, found)) return { verdict: 'verified', identity: found };
  const reason = `expected ${describeIdentity(camera)} but ${camera.onvifUrl} answers as ${describeIdentity(found)} (${found.manufacturer} ${found.model})`;
  return { verdict: 'mismatch', reason, found };
}

/** Wrong credentials, or a SOAP fault: something answered and said no (as opposed to nothing answering). */
function answeredButRefused(error: OnvifError): boolean {
  if (error instanceof OnvifAuthError) return true;
  return error instanceof OnvifProtocolError && error.cause instanceof Error && /SOAP Fault/i.test(error.cause.message);
}

/** The IdentityCheck the supervisor calls before every (re)start and periodically while recording. */
export function createIdentityCheck(options: IdentityCheckOptions): IdentityCheck {
  const { log } = options;
  return async (cameraId): Promise<IdentityCheckResult> => {
    let result: IdentityVerdict;
    try {
      result = await verifyCameraIdentity(cameraId, options);
    } catch (error) {
      // A bug must not crash the supervisor loop; refusing to record is the safe side.
      log.error('identity check failed unexpectedly', { event: 'camera.identity_check_failed', camera: cameraId, error: (error as Error).stack ?? String(error) });
      return { verdict: 'mismatch', reason: `Hearth could not check who the device is (${(error as Error).message})` };
    }
    switch (result.verdict) {
      case 'verified':
      case 'unverified':
        return { verdict: result.verdict };
      case 'mismatch':
        log.warn('identity mismatch: not recording', { event: 'camera.identity_mismatch', camera: cameraId, reason: result.reason });
        options.onMismatch?.(cameraId);
        return { verdict: 'mismatch', reason: result.reason };
      case 'unreachable':
      case 'refused': {
        const camera = getCamera(options.db, cameraId);
        // Not yet bound: nothing to protect, record as unverified until first contact binds it.
        if (camera && camera.serialNumber === null) return { verdict: 'unverified' };
        // Bound but not proving who it is: whoever answers RTSP there cannot be recorded as
        // this camera. Not a mismatch (nobody claimed another serial), but the relocator
        // looks anyway: an address that went quiet or changed hands is how a move starts.
        log.warn(`identity unconfirmed (${result.verdict}): not recording`, { event: `camera.identity_${result.verdict}`, camera: cameraId, reason: result.reason });
        options.onMismatch?.(cameraId);
        return { verdict: result.verdict, reason: result.reason };
      }
    }
  };
}
