/**
 * Is recorder supervision still doing its job? Asked before every systemd watchdog ping:
 * a Hearth whose event loop runs but whose camera supervisors are wedged must stop pinging
 * so systemd restarts it (docs/DESIGN.md, "Never silently stop").
 *
 * Each supervisor restarts its own ffmpeg after 20 s without video (cameraSupervisor.ts), so a
 * camera shown as `recording` whose live feed has been silent far longer, or one stuck in
 * `connecting`, means the supervisor itself no longer runs. Time is measured on the monotonic
 * clock: a Pi without a real-time clock jumps years forward at its first NTP sync, and that
 * jump must not look like a silent camera.
 */
import type { CameraState } from '../cameras/cameraStatus.ts';

export interface SupervisedCameras {
  states(): ReadonlyArray<{ cameraId: string; state: CameraState; sinceMs: number }>;
  liveFeed(cameraId: string): { lastFragmentMs(): number } | null;
}

export interface RecorderHealthOptions {
  /** A `recording` camera whose feed is silent this long (monotonic) is wedged. */
  silentRecordingMs?: number;
  /** A camera in `connecting` this long (monotonic) is wedged: a run ends within ~30 s. */
  stuckConnectingMs?: number;
  monotonicMs?: () => number;
}

/** Null while healthy; otherwise one line saying which camera's supervision is stuck. */
export type HealthCheck = () => string | null;

interface Seen {
  /** The value last seen (fragment time, or state + since), and when it last changed. */
  key: string;
  changedAtMono: number;
}

export function createRecorderHealthCheck(cameras: SupervisedCameras, options: RecorderHealthOptions = {}): HealthCheck {
  const silentRecordingMs = options.silentRecordingMs ?? 90_000;
  const stuckConnectingMs = options.stuckConnectingMs ?? 300_000;
  const monotonicMs = options.monotonicMs ?? (() => performance.now());
  const seen = new Map<string, Seen>();

  /** How long (monotonic ms) `key` has stayed the same for this camera. */
  const unchangedFor = (id: string, key: string, now: number): number => {
    const previous = seen.get(id);
    if (previous?.key === key) return now - previous.changedAtMono;
    seen.set(id, { key, changedAtMono: now });
    return 0;
  };

  return () => {
    const now = monotonicMs();
    const states = cameras.states();
    const present = new Set<string>();
    for (const status of states) {
      present.add(status.cameraId);
      if (status.state === 'recording') {
        const lastFragment = cameras.liveFeed(status.cameraId)?.lastFragmentMs() ?? 0;
        const silentMs = unchangedFor(status.cameraId, `recording:${status.sinceMs}:${lastFragment}`, now);
        if (silentMs > silentRecordingMs) {
          return `camera ${status.cameraId} shows "recording" but no video arrived for ${Math.round(silentMs / 1000)} s and its supervisor did not restart the recorder`;
        }
      } else if (status.state === 'connecting') {
        const stuckMs = unchangedFor(status.cameraId, `connecting:${status.sinceMs}`, now);
        if (stuckMs > stuckConnectingMs) {
          return `camera ${status.cameraId} has been "connecting" for ${Math.round(stuckMs / 1000)} s: its supervisor is stuck`;
        }
      } else {
        seen.delete(status.cameraId);
      }
    }
    for (const id of seen.keys()) if (!present.has(id)) seen.delete(id);
    return null;
  };
}
