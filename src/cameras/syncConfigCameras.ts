/**
 * Brings the cameras listed in the YAML into the registry at start, so config and
 * API-adopted cameras end up in one place (docs/INTERFACE.md, "Cameras from the file and from the UI").
 */
import type { Db } from '../db/sqlite.ts';
import type { CameraConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { disableConfigCamerasExcept, getCamera, upsertCamera } from './cameraRows.ts';

export class CameraIdTakenError extends Error {
  override name = 'CameraIdTakenError';
}

export function syncConfigCameras(db: Db, cameras: CameraConfig[], log: Logger, nowMs = Date.now()): void {
  for (const camera of cameras) {
    const existing = getCamera(db, camera.id);
    if (existing?.source === 'adopted') {
      throw new CameraIdTakenError(
        `camera id "${camera.id}" in the config is already used by a camera adopted in the web UI; ` +
          'give the config camera another id or remove the adopted one',
      );
    }
    upsertCamera(db, {
      id: camera.id,
      name: camera.name,
      source: 'config',
      enabled: camera.enabled,
      onvif: camera.onvif,
      // The file's streams win where given. Without them, an ONVIF camera's rows are what its
      // device said at the last run (src/cameras/streamSource.ts asks again before every run).
      streams:
        camera.streams?.main || camera.streams?.sub || !camera.onvif
          ? { main: camera.streams?.main ?? null, sub: camera.streams?.sub ?? null }
          : null,
      retentionDays: camera.retention.days,
      motionEnabled: camera.motion.enabled,
      nowMs,
    });
  }
  const disabled = disableConfigCamerasExcept(db, cameras.map((c) => c.id), nowMs);
  for (const id of disabled) {
    log.warn('camera removed from config; disabled, recordings kept', { event: 'camera.disabled', camera: id });
  }
}
