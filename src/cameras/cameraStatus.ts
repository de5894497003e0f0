/** A camera's visible state (INTERFACE.md `state`), with the last error and when it happened. */
export type CameraState =
  | 'recording'
  | 'connecting'
  | 'retrying'
  | 'offline'
  | 'auth_failed'
  | 'identity_mismatch'
  | 'disk_full'
  | 'storage_missing'
  | 'disabled';

export interface CameraStatus {
  cameraId: string;
  state: CameraState;
  /** Homeowner-readable; names the camera and what to do. Null while healthy. */
  lastError: string | null;
  lastErrorAtMs: number | null;
  sinceMs: number;
  /** "copy", "aac" (transcoded: the camera's audio does not fit MP4) or "none". */
  audio: 'copy' | 'aac' | 'none';
  identity: 'verified' | 'unverified' | 'mismatch';
}

/** Before every (re)start: is the device at the stream address the camera we adopted? */
export type IdentityCheck = (cameraId: string) => Promise<{ verdict: 'verified' | 'unverified' } | { verdict: 'mismatch'; reason: string }>;

/** Plain-RTSP cameras cannot prove who they are: recorded, but shown as "identity unverified". */
export const unverifiedIdentity: IdentityCheck = async () => ({ verdict: 'unverified' });
