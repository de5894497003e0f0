/**
 * What a recorded-playback client needs from one self-contained fMP4 segment (ftyp+moov,
 * then moof+mdat) to place it on a timeline: its MSE type, the video track's clock and the
 * first fragment's decode time.
 */
import { firstDecodeTime } from './fragments.ts';
import { readInit } from './initSegment.ts';

export interface SegmentFacts {
  /** `video/mp4; codecs="avc1.64001f"`; null when the init segment names no known codec. */
  mimeType: string | null;
  /** Codec strings, video first. */
  codecs: string[];
  /** 'H.264', 'H.265', … for messages; null without a video track. */
  videoName: string | null;
  /** The video track's mdhd timescale (ticks per second). */
  timescale: number;
  /** Decode time of the first video fragment, in seconds of the file's own clock. */
  firstDecodeSeconds: number;
}

/** Recorder output uses 90 kHz for video when mdhd cannot be read. */
const fallbackTimescale = 90_000;

export function segmentFacts(bytes: Uint8Array): SegmentFacts | null {
  const init = readInit(bytes);
  if (!init) return null;
  const video = init.tracks.find((t) => t.kind === 'video' && (init.defaults.videoTrackId === null || t.id === init.defaults.videoTrackId));
  const timescale = video?.timescale ?? fallbackTimescale;
  const decode = firstDecodeTime(bytes, init.defaults) ?? 0;
  return { mimeType: init.mime, codecs: init.codecs, videoName: init.videoName, timescale, firstDecodeSeconds: decode / timescale };
}
