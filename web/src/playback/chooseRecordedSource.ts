/**
 * The one decision of how a recording plays in this browser, asked with the recording's
 * real codec string (read from its init segment by src/mp4): Media Source Extensions
 * (MediaSource, or ManagedMediaSource on iOS Safari 17.1+), else native HLS from the
 * playlist route (older iPhones), else words saying why not. A pure function, so a new
 * source (another stream of the camera, a transcode) is one more branch here.
 */

export interface RecordingCodec {
  /** `video/mp4; codecs="hvc1.1.6.L93.B0,mp4a.40.2"`; null when the init segment names no known codec. */
  mimeType: string | null;
  /** Codec strings, video first. */
  codecs: string[];
  /** 'H.264', 'H.265', …; null without a video track. */
  videoName: string | null;
}

export type MseKind = 'MediaSource' | 'ManagedMediaSource';

export interface PlaybackSupport {
  /** The Media Source API this browser has, and its isTypeSupported; null without one. */
  mse: { kind: MseKind; isTypeSupported(mime: string): boolean } | null;
  /** `<video>` plays HLS itself (canPlayType of the playlist type is not ''); canPlay asks it about a codec. */
  nativeHls: { canPlay(mime: string): boolean } | null;
}

export type RecordedSource =
  /** hevcFallback: the browser cannot decode this H.265 but plays H.264, so the player shows the
   *  camera's H.264 sub-stream recording or Hearth's H.264 copy (hevcFallback.ts). */
  | { kind: 'mse'; api: MseKind; mimeType: string; hevcFallback?: true }
  | { kind: 'hls' }
  | { kind: 'none'; reason: 'codec' | 'no-player' | 'unreadable'; message: string };

/** What the H.265 fallbacks are (the sub stream is H.264, the copy is libx264): asked as the plainest H.264. */
const h264Baseline = 'video/mp4; codecs="avc1.42E01E"';

const download = 'Use “Download range” to save it and watch it in a video player.';

function describe(codec: RecordingCodec): string {
  const video = codec.codecs[0] ?? 'no video track';
  if (codec.videoName === 'H.265') return `H.265 (HEVC, ${video})`;
  return codec.videoName ? `${codec.videoName} (${video})` : `in a format this page does not know (${codec.codecs.join(', ')})`;
}

export function chooseRecordedSource(codec: RecordingCodec, support: PlaybackSupport): RecordedSource {
  if (!support.mse && !support.nativeHls) {
    return { kind: 'none', reason: 'no-player', message: `This browser can play neither Media Source video nor HLS, so recordings cannot play here. ${download}` };
  }
  if (codec.mimeType === null) {
    return { kind: 'none', reason: 'unreadable', message: `Hearth could not read which video format this recording is in. ${download}` };
  }
  if (support.mse?.isTypeSupported(codec.mimeType)) return { kind: 'mse', api: support.mse.kind, mimeType: codec.mimeType };
  if (support.nativeHls?.canPlay(codec.mimeType)) return { kind: 'hls' };
  if (codec.videoName === 'H.265' && support.mse?.isTypeSupported(h264Baseline)) {
    return { kind: 'mse', api: support.mse.kind, mimeType: codec.mimeType, hevcFallback: true };
  }
  return {
    kind: 'none',
    reason: 'codec',
    message: `This recording is ${describe(codec)}, which this browser cannot decode. ${codec.videoName === 'H.265' ? 'Safari, or Edge and Chrome on a computer with HEVC hardware decoding, can play it. ' : ''}${download}`,
  };
}
