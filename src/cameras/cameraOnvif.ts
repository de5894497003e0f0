/**
 * One ONVIF conversation with a registered camera, in the credentials stored for it: the
 * identity check, the stream resolver and the relocator all ask a device this way. The
 * conversation is always closed, whatever `use` does.
 */
import type { Logger } from '../log.ts';
import { connectOnvif, type OnvifConnectOptions, type OnvifDevice } from '../discovery/onvifClient.ts';
import type { CameraSecrets } from './cameraRows.ts';

/** Deadline of each ONVIF call when the caller names none. */
export const defaultOnvifTimeoutMs = 4_000;

export interface CameraOnvifOptions {
  log: Logger;
  timeoutMs?: number | undefined;
  /** Tests: another way to reach the device. */
  connect?: ((options: OnvifConnectOptions) => Promise<OnvifDevice>) | undefined;
}

export async function withCameraDevice<T>(
  url: string,
  secrets: Pick<CameraSecrets, 'onvifUsername' | 'onvifPassword'>,
  options: CameraOnvifOptions,
  use: (device: OnvifDevice) => Promise<T>,
): Promise<T> {
  const connect = options.connect ?? connectOnvif;
  const device = await connect({
    url,
    username: secrets.onvifUsername ?? '',
    password: secrets.onvifPassword ?? '',
    timeoutMs: options.timeoutMs ?? defaultOnvifTimeoutMs,
    log: options.log,
  });
  try {
    return await use(device);
  } finally {
    device.close();
  }
}
