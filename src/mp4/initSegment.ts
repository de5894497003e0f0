/**
 * What an init segment (ftyp + moov) says: the tracks, their codec strings and clocks, the
 * trex defaults that fragments lean on, and where the init section ends in a file whose
 * head has been read. Recorded segments and the live stream are both fragmented MP4
 * written with `empty_moov`, so the moov always comes first and holds no samples.
 */
import { boxAt, boxType, childBox, childBoxes, topBoxes, u32, u8, walkBoxes, type Box } from './boxes.ts';
import { audioEntryTypes, codecName, sampleEntryCodec, videoEntryTypes } from './codecStrings.ts';

export type TrackKind = 'video' | 'audio' | 'other';

export interface TrackInfo {
  /** tkhd track_ID; null when tkhd is unreadable. */
  id: number | null;
  kind: TrackKind;
  /** Sample entry type, e.g. 'avc1', 'hvc1', 'mp4a'. */
  sampleEntry: string | null;
  /** RFC 6381 string, e.g. 'avc1.64001f', 'hvc1.1.6.L93.B0', 'mp4a.40.2'; null without a sample entry. */
  codec: string | null;
  /** mdhd timescale (ticks per second); null when unreadable. */
  timescale: number | null;
}

/** What fragments inherit from the moov: trex default sample flags per track, and the video track. */
export interface TrackDefaults {
  videoTrackId: number | null;
  defaultSampleFlags: ReadonlyMap<number, number>;
  /** trex default_sample_duration per track. */
  defaultSampleDuration: ReadonlyMap<number, number>;
}

export const noTrackDefaults: TrackDefaults = { videoTrackId: null, defaultSampleFlags: new Map(), defaultSampleDuration: new Map() };

export interface InitInfo {
  tracks: TrackInfo[];
  /** Codec strings, video first: ['avc1.64001f', 'mp4a.40.2']. */
  codecs: string[];
  /** `video/mp4; codecs="…"`, or null when no track has a codec. */
  mime: string | null;
  /** The first video track's codec for messages ('H.264', 'H.265'), or null. */
  videoName: string | null;
  /** moov holds mvex: the samples are in fragments (moof + mdat) after it. */
  fragmented: boolean;
  defaults: TrackDefaults;
}

function kindOf(handler: string | null, entry: string | null): TrackKind {
  if (handler === 'vide') return 'video';
  if (handler === 'soun') return 'audio';
  if (entry && videoEntryTypes.has(entry)) return 'video';
  if (entry && audioEntryTypes.has(entry)) return 'audio';
  return 'other';
}

function readTrack(bytes: Uint8Array, trak: Box): TrackInfo {
  const tkhd = childBox(bytes, trak, 'tkhd');
  const tkhdVersion = tkhd ? u8(bytes, tkhd.body, tkhd.end) : null;
  // track_ID follows creation and modification times: 4+4 bytes in version 0, 8+8 in version 1.
  const id = tkhd && tkhdVersion !== null ? u32(bytes, tkhd.body + 4 + (tkhdVersion === 1 ? 16 : 8), tkhd.end) : null;
  const mdia = childBox(bytes, trak, 'mdia');
  const mdhd = mdia && childBox(bytes, mdia, 'mdhd');
  const mdhdVersion = mdhd ? u8(bytes, mdhd.body, mdhd.end) : null;
  const timescale = mdhd && mdhdVersion !== null ? u32(bytes, mdhd.body + (mdhdVersion === 1 ? 20 : 12), mdhd.end) : null;
  const hdlr = mdia && childBox(bytes, mdia, 'hdlr');
  // hdlr: full-box header (4), pre_defined (4), handler_type (4)
  const handler = hdlr && hdlr.body + 12 <= hdlr.end ? boxType(bytes, hdlr.body + 8) : null;
  const stsd = mdia && boxAt(bytes, mdia, 'minf', 'stbl', 'stsd');
  const entry = stsd ? childBoxes(bytes, stsd.body + 8, stsd.end, 1)[0] : undefined; // full-box header + entry_count
  return {
    id,
    kind: kindOf(handler, entry?.type ?? null),
    sampleEntry: entry?.type ?? null,
    codec: entry ? sampleEntryCodec(bytes, entry) : null,
    timescale: timescale || null,
  };
}

function readDefaults(bytes: Uint8Array, moov: Box, tracks: TrackInfo[]): { defaults: TrackDefaults; fragmented: boolean } {
  const mvex = childBox(bytes, moov, 'mvex');
  const defaultSampleFlags = new Map<number, number>();
  const defaultSampleDuration = new Map<number, number>();
  for (const trex of mvex ? childBoxes(bytes, mvex.body, mvex.end) : []) {
    if (trex.type !== 'trex') continue;
    // full-box header (4), track_ID, default_sample_description_index, _duration, _size, _flags
    const trackId = u32(bytes, trex.body + 4, trex.end);
    const duration = u32(bytes, trex.body + 12, trex.end);
    const flags = u32(bytes, trex.body + 20, trex.end);
    if (trackId === null) continue;
    if (flags !== null) defaultSampleFlags.set(trackId, flags);
    if (duration !== null) defaultSampleDuration.set(trackId, duration);
  }
  const video = tracks.find((t) => t.kind === 'video');
  return { defaults: { videoTrackId: video?.id ?? null, defaultSampleFlags, defaultSampleDuration }, fragmented: mvex !== undefined };
}

/** Reads the moov among the top-level boxes of `bytes` (an init segment, or a whole file); null without one. */
export function readInit(bytes: Uint8Array): InitInfo | null {
  const moov = topBoxes(bytes).find((b) => b.type === 'moov');
  if (!moov) return null;
  const tracks = childBoxes(bytes, moov.body, moov.end)
    .filter((b) => b.type === 'trak')
    .map((trak) => readTrack(bytes, trak));
  const ordered = [...tracks.filter((t) => t.kind === 'video'), ...tracks.filter((t) => t.kind === 'audio')];
  const codecs = ordered.map((t) => t.codec).filter((c): c is string => c !== null);
  const firstVideo = ordered.find((t) => t.kind === 'video' && t.codec !== null);
  const { defaults, fragmented } = readDefaults(bytes, moov, tracks);
  return {
    tracks,
    codecs,
    mime: codecs.length > 0 ? `video/mp4; codecs="${codecs.join(',')}"` : null,
    videoName: firstVideo?.codec ? codecName(firstVideo.codec) : null,
    fragmented,
    defaults,
  };
}

/** Trex defaults and the video track of an init segment; noTrackDefaults when it holds no moov. */
export function trackDefaults(init: Uint8Array): TrackDefaults {
  return readInit(init)?.defaults ?? noTrackDefaults;
}

/**
 * Where the init section ends in a file of which `head` is the first bytes:
 * - 'fragmented': ftyp..moov (with mvex) is whole in `head`; `next` says what follows it:
 *   'moof' (seen, whole or cut by the read), 'past-read' (the file goes on beyond `head`),
 *   'end' (the file ends at the moov: no media yet), or another box type.
 * - 'incomplete': the moov (or what precedes it) runs past `head`; read more.
 * - 'not-fragmented': a plain MP4 (moov without mvex, or mdat before any moov).
 * - 'invalid': not ISO-BMFF at all.
 */
export type InitScan =
  | { kind: 'fragmented'; initLength: number; next: 'moof' | 'past-read' | 'end' | string }
  | { kind: 'incomplete' }
  | { kind: 'not-fragmented' }
  | { kind: 'invalid' };

export function scanInit(head: Uint8Array, fileLength = head.length): InitScan {
  const walk = walkBoxes(head, 0, head.length);
  const moovIndex = walk.boxes.findIndex((b) => b.type === 'moov');
  if (moovIndex < 0) {
    if (walk.boxes.some((b) => b.type === 'mdat' || b.type === 'moof')) return { kind: 'not-fragmented' };
    if (walk.stop === 'truncated' && head.length < fileLength) return { kind: 'incomplete' };
    if (walk.cut && walk.cut.type === 'moov') return { kind: 'incomplete' };
    return { kind: 'invalid' };
  }
  const moov = walk.boxes[moovIndex]!;
  if (!childBox(head, moov, 'mvex')) return { kind: 'not-fragmented' };
  const after = walk.boxes[moovIndex + 1];
  let next: string;
  if (after) next = after.type;
  else if (walk.cut) next = walk.cut.type;
  else if (moov.end >= fileLength) next = 'end';
  else if (walk.stoppedAt + 8 > head.length) next = 'past-read';
  else next = 'invalid';
  return { kind: 'fragmented', initLength: moov.end, next };
}

/** Byte length of the init segment (through the end of moov) when `bytes` holds all of it, else null. */
export function initSegmentLength(bytes: Uint8Array): number | null {
  return topBoxes(bytes).find((b) => b.type === 'moov')?.end ?? null;
}

/** The live view's shape: codec strings, a name for messages, the MSE type; null without a known sample entry. */
export interface StreamCodecs {
  codecs: string[];
  videoName: string | null;
  mime: string;
}

export function streamCodecs(init: Uint8Array): StreamCodecs | null {
  const info = readInit(init);
  if (!info || info.mime === null) return null;
  const known = info.tracks.filter((t) => t.kind !== 'other' && t.codec !== null);
  if (known.length === 0) return null;
  return { codecs: info.codecs, videoName: info.videoName, mime: info.mime };
}
