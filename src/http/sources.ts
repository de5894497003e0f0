/**
 * What the LAN server needs from the rest of Hearth, as small interfaces the composition
 * root (src/hearth.ts) fills in with the real camera supervisor and recorder.
 */
import type { CameraState, CameraStatus } from '../cameras/cameraStatus.ts';
import type { LiveFeed } from '../recording/liveFeed.ts';

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

export interface LiveSubscriber {
  /** ftyp+moov; sent first, and again after a reset. */
  init(segment: Buffer): void;
  /** moof+mdat. */
  fragment(fragment: Buffer): void;
  /** The feed restarted (camera dropped and reconnected): a new init follows. */
  reset(): void;
}

export interface LiveSource {
  /** Starts delivering the camera's feed (init first if known); null when the camera has no feed now. */
  subscribe(cameraId: string, subscriber: LiveSubscriber): (() => void) | null;
}

/** Adapts the recorder's per-camera `LiveFeed` (src/recording/liveFeed.ts) to `LiveSource`. */
export function liveSourceFromFeeds(feedOf: (cameraId: string) => LiveFeed | null): LiveSource {
  return {
    subscribe(cameraId, subscriber) {
      const feed = feedOf(cameraId);
      if (!feed) return null;
      const onInit = (segment: Buffer): void => subscriber.init(segment);
      const onFragment = (fragment: Buffer): void => subscriber.fragment(fragment);
      const onReset = (): void => subscriber.reset();
      feed.on('init', onInit);
      feed.on('fragment', onFragment);
      feed.on('reset', onReset);
      const init = feed.initSegment();
      if (init) subscriber.init(init);
      // The GOP so far right after init (fragments from the newest keyframe on): the viewer's
      // first frame comes now, not at the next keyframe, and playback can start at the live edge.
      if (init) for (const fragment of feed.keyframeRun()) subscriber.fragment(fragment);
      return () => {
        feed.off('init', onInit);
        feed.off('fragment', onFragment);
        feed.off('reset', onReset);
      };
    },
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

/** Until the recorder is wired: no camera has a live feed. */
export const noLiveSource: LiveSource = { subscribe: () => null };

/** Until the supervisor is wired: state comes from the registry alone. */
export const noStatusSource: CameraStatusSource = { status: () => null };
