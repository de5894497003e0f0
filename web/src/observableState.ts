/**
 * The page's observable state: what a video element is doing, written as data-* attributes on
 * the element itself, so that anything outside the app can read it without reaching into the
 * app's objects: the end-to-end tests, a homeowner's userscript or browser automation, and
 * assistive tools. The names below are a contract; add to them, do not rename them.
 *
 *   data-playback         how the recording plays: 'MediaSource', 'ManagedMediaSource', 'hls', or 'none:<reason>'
 *   data-codec            the recording's codecs, comma-separated (e.g. 'avc1.640028')
 *   data-playback-source  which recording is fetched: 'main', 'sub' or 'h264-copy' (H.265 fallback)
 *   data-origin-ms        wall-clock time (ms) at media time 0: currentTime maps to the clock from here
 *   data-seek-kind        how the last seek was served: 'buffered' (moved within media) or 'session' (fresh load)
 *   data-seek-latency-ms  click-to-moving-picture time of the last seek, ms
 *   data-first-frame-ms   live view: time of the first painted frame, ms since navigation
 *
 * The components also render state into their markup, part of the same contract:
 * data-live-status on a live player (livePlayer.tsx), data-view-start / data-view-end (ms)
 * on the scrubber (scrubber.tsx), data-camera and data-event-id naming what a tile or card shows.
 */
export interface ObservableVideoState {
  playback: string;
  codec: string;
  playbackSource: 'main' | 'sub' | 'h264-copy';
  originMs: number;
  seekKind: 'buffered' | 'session';
  seekLatencyMs: number;
  firstFrameMs: number;
}

/** Publishes one fact of the observable state on the element (see the list above). */
export function showState<K extends keyof ObservableVideoState>(element: HTMLElement, key: K, value: ObservableVideoState[K]): void {
  element.dataset[key] = String(value);
}
