/**
 * A camera's state as words a homeowner understands, instead of a spinner that never
 * ends: offline, wrong password, another device at the address, full disk.
 */
import type { Camera, CameraState } from '../api.ts';

const labels: Record<CameraState, string> = {
  recording: 'Recording',
  connecting: 'Connecting…',
  retrying: 'Reconnecting',
  offline: 'Offline',
  auth_failed: 'Wrong password',
  identity_mismatch: 'Different device at this address',
  disk_full: 'Disk full',
  storage_missing: 'Storage missing',
  disabled: 'Disabled',
};

const hints: Partial<Record<CameraState, string>> = {
  offline: 'The camera does not answer. Check its power and network cable.',
  retrying: 'The connection dropped; Hearth keeps retrying.',
  auth_failed: 'The camera refused the username or password. Fix them in Settings → Cameras.',
  identity_mismatch: 'Another device answers at this camera\'s address, so Hearth stopped recording it and is looking for the camera on the network.',
  disk_full: 'The recording disk is full and nothing more can be pruned. Free space or lower retention.',
  storage_missing: 'The recording disk is not mounted. Plug it in or check the mount.',
  disabled: 'This camera is switched off in Settings.',
};

export function stateLabel(state: CameraState): string {
  return labels[state] ?? state;
}

export function StateBadge({ camera }: { camera: Camera }) {
  return (
    <span class={`badge state-${camera.state}`} title={camera.lastError ?? undefined}>
      {stateLabel(camera.state)}
      {!camera.identity.verified && camera.state === 'recording' && <span class="unverified"> · identity unverified</span>}
    </span>
  );
}

/** The message shown in place of video when there is none to show. */
export function StateMessage({ camera }: { camera: Camera }) {
  return (
    <div class={`state-message state-${camera.state}`} role="status">
      <strong>{stateLabel(camera.state)}</strong>
      <span>{hints[camera.state] ?? ''}</span>
      {camera.lastError && <span class="last-error">{camera.lastError}</span>}
    </div>
  );
}
