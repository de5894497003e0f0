/** A camera's visible state, with the last error and when it happened. The state itself is a wire type (src/wire/cameras.ts). */
import type { AudioMode, CameraState } from '../wire/cameras.ts';

export type { AudioMode, CameraState } from '../wire/cameras.ts';

export interface CameraStatus {
  cameraId: string;
  state: CameraState;
  /** Homeowner-readable; names the camera and what to do. Null while healthy. */
  lastError: string | null;
  lastErrorAtMs: number | null;
  sinceMs: number;
  /** "copy", "aac" (transcoded: the camera's audio does not fit MP4) or "none". */
  audio: AudioMode;
  /** What happens to the camera's audio and why, for the camera page (e.g. G.711 converted to AAC); null when kept as sent. */
  audioNote: string | null;
  identity: 'verified' | 'unverified' | 'mismatch';
}

/**
 * What the device at the camera's address said about who it is. Only `mismatch` (it
 * answered with another serial) is an identity problem; `unreachable` (nothing answers)
 * shows as retrying and `refused` (it answered, but refused our credentials) as
 * auth_failed. None but verified/unverified lets the recorder start.
 */
export type IdentityCheckResult =
  | { verdict: 'verified' | 'unverified' }
  | { verdict: 'mismatch'; reason: string }
  | { verdict: 'unreachable'; reason: string }
  | { verdict: 'refused'; reason: string };

/** Before every (re)start and periodically while recording: is the device at the camera's address the camera we adopted? */
export type IdentityCheck = (cameraId: string) => Promise<IdentityCheckResult>;

/** Plain-RTSP cameras cannot prove who they are: recorded, but shown as "identity unverified". */
export const unverifiedIdentity: IdentityCheck = async () => ({ verdict: 'unverified' });
