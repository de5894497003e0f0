/**
 * Does a live fMP4 fragment start with a sync sample (keyframe)? Live fragments are shorter
 * than a GOP, so only some of them can start a new viewer's decoder. The answer is read
 * from the sample flags (ISO/IEC 14496-12 §8.8): the first sample's flags are trun's
 * first_sample_flags (trun flag 0x4), else its own per-sample flags (0x400), else tfhd's
 * default_sample_flags (0x20), else the init segment's trex default for that track.
 * Parsing is bounded and never throws: a malformed or truncated box answers 'unknown'.
 */

export type FragmentStart = 'keyframe' | 'delta' | 'unknown';

/** What the init segment (moov) tells about fragments: per-track trex default flags, and which track is video. */
export interface TrackDefaults {
  videoTrackId: number | null;
  defaultSampleFlags: ReadonlyMap<number, number>;
}

export const noTrackDefaults: TrackDefaults = { videoTrackId: null, defaultSampleFlags: new Map() };

/** sample_is_non_sync_sample (§8.8.3.1). */
const nonSyncFlag = 0x0001_0000;
/** sample_depends_on: 1 = depends on other samples (not an I-frame). */
const dependsOnMask = 0x0300_0000;
const dependsOnOthers = 0x0100_0000;
/** More children than this in one box is not a real live stream; stop looking. */
const maxChildren = 256;

interface Box {
  type: string;
  /** Payload start (after the header) and end, absolute in the buffer. */
  body: number;
  end: number;
}

/** The child boxes of buf[start, end), bounded in count; stops at the first malformed header. */
function children(buf: Buffer, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  let at = start;
  while (at + 8 <= end && boxes.length < maxChildren) {
    let size = buf.readUInt32BE(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) break;
      const big = buf.readBigUInt64BE(at + 8);
      if (big > BigInt(end - at)) break;
      size = Number(big);
      header = 16;
    } else if (size === 0) {
      size = end - at; // "to the end of the enclosing box"
    }
    if (size < header || at + size > end) break;
    boxes.push({ type: buf.toString('latin1', at + 4, at + 8), body: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

function child(buf: Buffer, parent: Box, type: string): Box | undefined {
  return children(buf, parent.body, parent.end).find((b) => b.type === type);
}

/** Reads a u32 at `at` if it lies inside the box, else null. */
function u32(buf: Buffer, box: Box, at: number): number | null {
  return at + 4 <= box.end ? buf.readUInt32BE(at) : null;
}

function isSync(flags: number): boolean {
  return (flags & nonSyncFlag) === 0 && (flags & dependsOnMask) !== dependsOnOthers;
}

/** Reads trex defaults and the video track's id from a moov box (or an init segment holding one). */
export function trackDefaults(init: Buffer): TrackDefaults {
  const top = children(init, 0, init.length);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) return noTrackDefaults;
  const defaultSampleFlags = new Map<number, number>();
  let videoTrackId: number | null = null;
  for (const box of children(init, moov.body, moov.end)) {
    if (box.type === 'mvex') {
      for (const trex of children(init, box.body, box.end)) {
        if (trex.type !== 'trex') continue;
        // fullbox header (4), track_ID, sample_description_index, duration, size, flags
        const trackId = u32(init, trex, trex.body + 4);
        const flags = u32(init, trex, trex.body + 20);
        if (trackId !== null && flags !== null) defaultSampleFlags.set(trackId, flags);
      }
    } else if (box.type === 'trak' && videoTrackId === null) {
      const tkhd = child(init, box, 'tkhd');
      const mdia = child(init, box, 'mdia');
      const hdlr = mdia && child(init, mdia, 'hdlr');
      // hdlr: fullbox header (4), pre_defined (4), handler_type (4)
      if (!tkhd || !hdlr || hdlr.body + 12 > hdlr.end || init.toString('latin1', hdlr.body + 8, hdlr.body + 12) !== 'vide') continue;
      // tkhd track_ID follows creation/modification times: 4+4 bytes in version 0, 8+8 in version 1.
      const version = init[tkhd.body] ?? 0;
      videoTrackId = u32(init, tkhd, tkhd.body + 4 + (version === 1 ? 16 : 8));
    }
  }
  return { videoTrackId, defaultSampleFlags };
}

/** Whether the moof's video track fragment starts with a sync sample. */
export function fragmentStart(moof: Buffer, defaults: TrackDefaults): FragmentStart {
  const top = children(moof, 0, moof.length);
  const box = top.find((b) => b.type === 'moof');
  if (!box) return 'unknown';
  const trafs = children(moof, box.body, box.end).filter((b) => b.type === 'traf');
  for (const traf of trafs) {
    const parts = children(moof, traf.body, traf.end);
    const tfhd = parts.find((b) => b.type === 'tfhd');
    const trun = parts.find((b) => b.type === 'trun');
    if (!tfhd || !trun) continue;
    const tfhdFlags = (u32(moof, tfhd, tfhd.body) ?? 0) & 0xff_ffff;
    const trackId = u32(moof, tfhd, tfhd.body + 4);
    if (trackId === null) continue;
    // Only the video track decides; with the video track unknown, the first track fragment does.
    if (defaults.videoTrackId !== null && trackId !== defaults.videoTrackId) continue;
    const flags = firstSampleFlags(moof, tfhd, tfhdFlags, trun) ?? defaults.defaultSampleFlags.get(trackId) ?? null;
    if (flags === null) return 'unknown';
    return isSync(flags) ? 'keyframe' : 'delta';
  }
  return 'unknown';
}

/** trun first_sample_flags, else the first per-sample flags, else tfhd default_sample_flags; null when none is given. */
function firstSampleFlags(buf: Buffer, tfhd: Box, tfhdFlags: number, trun: Box): number | null {
  const trunFlags = (u32(buf, trun, trun.body) ?? 0) & 0xff_ffff;
  const sampleCount = u32(buf, trun, trun.body + 4);
  let at = trun.body + 8 + (trunFlags & 0x1 ? 4 : 0);
  if (trunFlags & 0x4) return u32(buf, trun, at);
  if (trunFlags & 0x400 && sampleCount !== null && sampleCount > 0) {
    const skip = (trunFlags & 0x100 ? 4 : 0) + (trunFlags & 0x200 ? 4 : 0);
    return u32(buf, trun, at + skip);
  }
  if (tfhdFlags & 0x20) {
    at = tfhd.body + 8;
    if (tfhdFlags & 0x1) at += 8; // base_data_offset
    if (tfhdFlags & 0x2) at += 4; // sample_description_index
    if (tfhdFlags & 0x8) at += 4; // default_sample_duration
    if (tfhdFlags & 0x10) at += 4; // default_sample_size
    return u32(buf, tfhd, at);
  }
  return null;
}
