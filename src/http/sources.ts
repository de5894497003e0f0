/**
 * What the LAN server needs from the rest of Hearth, as small interfaces the composition
 * root (src/hearth.ts) fills in with the real camera supervisor and recorder.
 */
import type { CameraState, CameraStatus } from '../cameras/cameraStatus.ts';
export type { LiveSource, LiveSubscriber } from '../live/liveSource.ts';

export type { SnapshotSource } from '../playback/snapshotFromRecording.ts';

export interface CameraStatusView {
  state: CameraState;
  lastError: string | null;
  lastErrorAtMs: number | null;
  /** How the camera's audio is recorded ("copy", "aac" converted, "none") and why, for the camera page. */
  audio?: { mode: CameraStatus['audio']; note: string | null } | null;
}

export interface CameraStatusSource {
  /** Null when the camera has no worker (yet): shown as offline, or disabled when disabled. */
  status(cameraId: string): CameraStatusView | null;
}

/** What the API shows of a camera's state: the worker's, or offline/disabled when it has none. */
export function cameraStatusView(source: CameraStatusSource, camera: { id: string; enabled: boolean }): CameraStatusView {
  const status = source.status(camera.id);
  return {
    state: status?.state ?? (camera.enabled ? 'offline' : 'disabled'),
    lastError: status?.lastError ?? null,
    lastErrorAtMs: status?.lastErrorAtMs ?? null,
    audio: status?.audio ?? null,
  };
}

/** Adapts the recorders' `states()` (src/recording/startRecorders.ts) to `CameraStatusSource`. */
export function statusSourceFromStates(states: () => readonly CameraStatus[]): CameraStatusSource {
  return {
    status(cameraId) {
      const found = states().find((s) => s.cameraId === cameraId);
      return found
        ? { state: found.state, lastError: found.lastError, lastErrorAtMs: found.lastErrorAtMs, audio: { mode: found.audio, note: found.audioNote } }
        : null;
    },
  };
}

/** Until the supervisor is wired: state comes from the registry alone. */
export const noStatusSource: CameraStatusSource = { status: () => null };
