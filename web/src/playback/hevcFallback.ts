/**
 * What the timeline plays when a camera records H.265 and this browser cannot decode it
 * (asked of the browser with the recording's real codec string; Chromium and Firefox
 * say no on most machines): the camera's H.264 sub-stream recording where one covers
 * the moment, else Hearth's H.264 copy made on the box for this browser
 * (GET /api/segments/:id/h264.mp4). The player says in words which one is playing.
 * Export is not affected: it is always the main stream, copied as recorded.
 */
import { api, type Segment } from '../api.ts';

export type RecordedStream = 'main' | 'sub';

/** Which recording the player fetches, and whether Hearth converts it for this browser. */
export interface PlaybackVariant {
  stream: RecordedStream;
  convert: boolean;
}

export const asRecorded: PlaybackVariant = { stream: 'main', convert: false };

/** Baseline H.264, what both fallbacks deliver: if even this cannot play, no fallback helps. */
const h264Probe = 'video/mp4; codecs="avc1.42E01E"';

export function isHevcType(mimeType: string): boolean {
  return /codecs="?(hvc1|hev1)/i.test(mimeType);
}

export function variantUrl(segment: Segment, variant: PlaybackVariant): string {
  return variant.convert ? `${segment.url}/h264.mp4` : segment.url;
}

/** The words over the player; null when it plays the recording as it is. */
export function variantNote(variant: PlaybackVariant): string | null {
  if (variant.convert) return 'H.265 recording converted on this box for this browser (H.264, at most 720p), because this browser cannot decode H.265.';
  if (variant.stream === 'sub') return 'H.265 recording shown as H.264 from the sub stream, because this browser cannot decode H.265.';
  return null;
}

/** A camera's recorded segments of one stream (the main stream is what /segments lists without `stream`). */
export function getStreamSegments(cameraId: string, fromMs: number, toMs: number, stream: RecordedStream): Promise<Segment[]> {
  const query = `from=${Math.floor(fromMs)}&to=${Math.ceil(toMs)}${stream === 'sub' ? '&stream=sub' : ''}`;
  return api<Segment[]>(`/api/cameras/${encodeURIComponent(cameraId)}/segments?${query}`);
}

export type FallbackChoice =
  | { variant: PlaybackVariant; segments: Segment[] | null }
  | { variant: null; message: string };

/**
 * The fallback for an H.265 recording at `wallMs`: the sub stream when its recording covers
 * that moment (its own segment list), else the converted main stream (segments: null, keep
 * the main list). `tried` is what already failed to play, so each step is tried once.
 */
export async function chooseHevcFallback(
  cameraId: string,
  wallMs: number,
  toMs: number,
  tried: PlaybackVariant,
  isTypeSupported: (mime: string) => boolean,
): Promise<FallbackChoice> {
  if (tried.convert) return { variant: null, message: 'This browser could not play the H.264 copy Hearth made of this H.265 recording either. Use “Download range” to watch it in a video player.' };
  if (!isTypeSupported(h264Probe)) {
    return { variant: null, message: 'This recording is H.265 and this browser plays neither H.265 nor H.264 here. Use “Download range” to watch it in a video player.' };
  }
  if (tried.stream === 'main') {
    let sub: Segment[] = [];
    try {
      sub = await getStreamSegments(cameraId, wallMs - 60_000, toMs, 'sub');
    } catch {
      sub = []; // no sub-stream list: the conversion below still plays
    }
    sub.sort((a, b) => a.start - b.start);
    // Covering: the sub recording holds the moment, or starts within 2 s of it.
    if (sub.some((s) => s.start <= wallMs + 2_000 && s.end > wallMs)) return { variant: { stream: 'sub', convert: false }, segments: sub };
  }
  return { variant: { stream: 'main', convert: true }, segments: null };
}

/** The server's own sentence for a failed media fetch (e.g. "already converting for 2 cameras"), else the status. */
export async function responseReason(response: Response): Promise<string> {
  const fallback = `${response.status} ${response.statusText}`;
  if (!(response.headers.get('content-type') ?? '').includes('json')) return fallback;
  const body = (await response.json().catch(() => null)) as { message?: unknown } | null;
  return typeof body?.message === 'string' ? body.message : fallback;
}
