/**
 * How the rest of Hearth talks to an ONVIF device: `connectOnvif`, and the contract's types.
 * The conversation itself is onvifCam.ts (the one wrapper of the `onvif` package); this
 * module decides where it runs.
 */
import { isMainThread } from 'node:worker_threads';
import { connectOnvifInThisThread } from './onvifCam.ts';
import { sharedOnvifWorkerPool } from './onvifWorkerPool.ts';
import { processEnv } from '../config/env.ts';
import type { OnvifConnectOptions, OnvifDevice } from './onvifTypes.ts';

export type { DeviceIdentity, OnvifConnectOptions, OnvifDevice, OptionalField } from './onvifTypes.ts';
export { OnvifAuthError, OnvifConnectionError, OnvifError, OnvifProtocolError, OnvifTimeoutError } from './onvifErrors.ts';
export type { MediaProfile } from './onvifProfiles.ts';
export { chooseStreamProfiles, parseProfiles } from './onvifProfiles.ts';
export { macAddressesOf, snapshotUriOf } from './onvifOptional.ts';
export type { StreamInfo, StreamUris } from './onvifMedia.ts';
export { connectOnvifInThisThread } from './onvifCam.ts';

/**
 * Connect to an ONVIF device. The conversation runs in a worker thread with a deadline
 * (onvifWorkerPool.ts): a device whose answers cost CPU can stall only that worker, which
 * is then terminated, never the event loop that indexes every camera's recording.
 * HEARTH_ONVIF_WORKER=off runs it on this thread (debugging).
 */
export function connectOnvif(options: OnvifConnectOptions): Promise<OnvifDevice> {
  if (!isMainThread || processEnv().onvifWorkerOff) return connectOnvifInThisThread(options);
  return sharedOnvifWorkerPool().connect(options);
}
