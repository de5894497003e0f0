/**
 * Whether a camera in the registry gets a recorder, and what a camera without one shows:
 * gone from the registry (nothing to show), disabled, or enabled but with no way to find
 * its stream (neither a stream URL nor an ONVIF address).
 */
import type { Db } from '../db/sqlite.ts';
import { getCameraSecrets, type CameraRow } from '../cameras/cameraRows.ts';
import type { CameraState, CameraStatus } from '../cameras/cameraStatus.ts';

export type RecorderPlan =
  /** Not in the registry: no recorder and no status. */
  | { kind: 'removed' }
  /** In the registry, but not recorded: this status stands for it. */
  | { kind: 'not_recorded'; status: CameraStatus }
  | { kind: 'record'; camera: CameraRow };

export function recorderPlanFor(db: Db, camera: CameraRow | null): RecorderPlan {
  if (!camera) return { kind: 'removed' };
  if (!camera.enabled) return { kind: 'not_recorded', status: standingStatus(camera.id, 'disabled', null) };
  // An ONVIF address is enough: the supervisor asks the device for its streams before each run.
  if (!getCameraSecrets(db, camera.id)?.streams.main && !camera.onvifUrl) {
    return {
      kind: 'not_recorded',
      status: standingStatus(camera.id, 'offline', `camera "${camera.name}" has no stream URL and no ONVIF address: add streams.main or onvif.url for it in the config, or adopt it through ONVIF in the web UI`),
    };
  }
  return { kind: 'record', camera };
}

/** The status of a camera that has no supervisor. */
export function standingStatus(cameraId: string, state: CameraState, error: string | null): CameraStatus {
  return { cameraId, state, lastError: error, lastErrorAtMs: error ? Date.now() : null, sinceMs: Date.now(), audio: 'none', audioNote: null, identity: 'unverified' };
}
