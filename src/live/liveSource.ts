/**
 * The port a live viewer's route reads a camera's fMP4 feed through: the HTTP layer and the
 * MPEG-1 fallback depend on this, and the recorder's per-camera `LiveFeed` fills it in.
 */
import type { LiveFeed } from './liveFeed.ts';

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

/** Adapts the recorder's per-camera `LiveFeed` (src/live/liveFeed.ts) to `LiveSource`. */
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

/** Until the recorder is wired: no camera has a live feed. */
export const noLiveSource: LiveSource = { subscribe: () => null };
