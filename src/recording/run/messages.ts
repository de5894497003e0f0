/**
 * What the camera page says when a camera does not record, and what to do about it. The
 * wording is read by homeowners and by the tests: change it here, on purpose, or not at all.
 */
import type { Failure } from './failureReason.ts';

/** A camera as the messages name it: name and id. */
export interface CameraNames {
  cameraId: string;
  cameraName: string;
}

const label = (camera: CameraNames): string => `camera "${camera.cameraName}" (${camera.cameraId})`;

export const supervisorMessages = {
  internalError: (camera: CameraNames, error: Error): string =>
    `Hearth's recorder for camera "${camera.cameraName}" stopped on an internal error (${error.message}); restart Hearth`,

  storageMissing: (camera: CameraNames, reason: string): string => `camera "${camera.cameraName}" is not recording: ${reason}`,

  diskFullBeforeRun: (camera: CameraNames): string =>
    `${label(camera)} cannot record: the recording disk is full; Hearth deletes the oldest recordings and resumes, or free space / lower retention.maxDiskPercent`,

  authFailed: (camera: CameraNames): string =>
    `${label(camera)} refused the user name or password in its stream URL (401 Unauthorized): correct the password for this camera in Hearth's settings or the config file's streams.main; Hearth retries about once a minute`,

  diskFull: (camera: CameraNames, detail: string): string =>
    `${label(camera)} cannot record: the recording disk is full (${detail}); Hearth is deleting the oldest recordings and will resume, or lower retention.maxDiskPercent / free space`,

  /** A run that would not connect, or stopped sending video (not_found, unreachable, dropped, stopped). */
  notSending: (camera: CameraNames, failure: Failure): string =>
    `${label(camera)} ${failure.kind === 'not_found' ? 'has no stream at the configured URL (404); check streams.main' : 'is not sending video'}: ${failure.detail || 'connection lost'}`,
};
