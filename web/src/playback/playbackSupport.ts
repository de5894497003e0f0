/**
 * What this browser offers for recorded video, asked of the browser itself: MediaSource,
 * or ManagedMediaSource (iOS Safari 17.1+ has only that one), and native HLS in <video>.
 */
import type { MseKind, PlaybackSupport } from './chooseRecordedSource.ts';

export type MediaSourceCtor = typeof MediaSource;

/** The Media Source constructor and its name; ManagedMediaSource first, as Safari prefers it. */
export function mediaSourceApi(): { kind: MseKind; Source: MediaSourceCtor } | null {
  const w = window as unknown as { ManagedMediaSource?: MediaSourceCtor; MediaSource?: MediaSourceCtor };
  if (typeof w.ManagedMediaSource === 'function') return { kind: 'ManagedMediaSource', Source: w.ManagedMediaSource };
  if (typeof w.MediaSource === 'function') return { kind: 'MediaSource', Source: w.MediaSource };
  return null;
}

export const hlsMimeType = 'application/vnd.apple.mpegurl';

export function playbackSupport(video: HTMLVideoElement): PlaybackSupport {
  const api = mediaSourceApi();
  return {
    mse: api && { kind: api.kind, isTypeSupported: (mime) => api.Source.isTypeSupported(mime) },
    nativeHls: video.canPlayType(hlsMimeType) !== '' ? { canPlay: (mime) => video.canPlayType(mime) !== '' } : null,
  };
}
