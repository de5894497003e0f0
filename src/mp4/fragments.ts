/**
 * Reading movie fragments (moof: tfhd, tfdt, trun; ISO/IEC 14496-12 §8.8): which samples
 * are sync samples (keyframes), their decode times, and where a fragment's clock starts.
 * A sample's flags are its own per-sample flags (trun 0x400), else for the first sample
 * trun's first_sample_flags (0x4), else tfhd's default_sample_flags (0x20), else the init
 * segment's trex default for that track. Bounded and never throws: what cannot be read
 * answers 'unknown' or null.
 */
import { childBoxes, topBoxes, u32, u64, u8, type Box } from './boxes.ts';
import type { TrackDefaults } from './initSegment.ts';

export type FragmentStart = 'keyframe' | 'delta' | 'unknown';

/** sample_is_non_sync_sample (§8.8.3.1). */
const nonSyncFlag = 0x0001_0000;
/** sample_depends_on: 1 = depends on other samples (not an I-frame). */
const dependsOnMask = 0x0300_0000;
const dependsOnOthers = 0x0100_0000;
/** More samples than this in one track fragment is not a camera's recording. */
const maxSamplesPerTraf = 100_000;

export function isSyncSample(flags: number): boolean {
  return (flags & nonSyncFlag) === 0 && (flags & dependsOnMask) !== dependsOnOthers;
}

export interface TrackFragment {
  trackId: number;
  /** tfdt baseMediaDecodeTime in the track's timescale; null without tfdt. */
  baseDecodeTime: number | null;
  samples: Array<{ duration: number | null; flags: number | null }>;
}

/** Reads one traf; `limit` caps how many samples are read (1 is enough to know how it starts). */
export function readTrackFragment(bytes: Uint8Array, traf: Box, defaults: TrackDefaults, limit = maxSamplesPerTraf): TrackFragment | null {
  const parts = childBoxes(bytes, traf.body, traf.end);
  const tfhd = parts.find((b) => b.type === 'tfhd');
  if (!tfhd) return null;
  const tfhdFlags = (u32(bytes, tfhd.body, tfhd.end) ?? 0) & 0xff_ffff;
  const trackId = u32(bytes, tfhd.body + 4, tfhd.end);
  if (trackId === null) return null;
  let at = tfhd.body + 8;
  if (tfhdFlags & 0x1) at += 8; // base_data_offset
  if (tfhdFlags & 0x2) at += 4; // sample_description_index
  const tfhdDuration = tfhdFlags & 0x8 ? u32(bytes, at, tfhd.end) : null;
  if (tfhdFlags & 0x8) at += 4;
  if (tfhdFlags & 0x10) at += 4; // default_sample_size
  const tfhdSampleFlags = tfhdFlags & 0x20 ? u32(bytes, at, tfhd.end) : null;
  const defaultFlags = tfhdSampleFlags ?? defaults.defaultSampleFlags.get(trackId) ?? null;
  const defaultDuration = tfhdDuration ?? defaults.defaultSampleDuration.get(trackId) ?? null;

  const tfdt = parts.find((b) => b.type === 'tfdt');
  const tfdtVersion = tfdt ? u8(bytes, tfdt.body, tfdt.end) : null;
  const baseDecodeTime = tfdt && tfdtVersion !== null ? (tfdtVersion === 1 ? u64(bytes, tfdt.body + 4, tfdt.end) : u32(bytes, tfdt.body + 4, tfdt.end)) : null;

  const samples: TrackFragment['samples'] = [];
  for (const trun of parts) {
    if (trun.type !== 'trun' || samples.length >= limit) continue;
    const trunFlags = (u32(bytes, trun.body, trun.end) ?? 0) & 0xff_ffff;
    const count = u32(bytes, trun.body + 4, trun.end) ?? 0;
    let cursor = trun.body + 8 + (trunFlags & 0x1 ? 4 : 0);
    const firstFlags = trunFlags & 0x4 ? u32(bytes, cursor, trun.end) : null;
    if (trunFlags & 0x4) cursor += 4;
    const stride = [0x100, 0x200, 0x400, 0x800].filter((f) => trunFlags & f).length * 4;
    const take = Math.min(count, limit - samples.length);
    for (let i = 0; i < take; i += 1) {
      let field = cursor;
      let duration = defaultDuration;
      const first = i === 0 && firstFlags !== null;
      let flags = first ? firstFlags : defaultFlags;
      if (stride > 0 && field + stride > trun.end) break; // a cut-off run: stop at its last whole sample
      if (trunFlags & 0x100) (duration = u32(bytes, field, trun.end)), (field += 4);
      if (trunFlags & 0x200) field += 4;
      if (trunFlags & 0x400 && !first) flags = u32(bytes, field, trun.end);
      samples.push({ duration, flags });
      cursor += stride;
    }
  }
  return { trackId, baseDecodeTime, samples };
}

/** The moof's track fragments that concern the video track (every one when the video track is unknown). */
function videoFragments(bytes: Uint8Array, moof: Box, defaults: TrackDefaults, limit?: number): TrackFragment[] {
  const found: TrackFragment[] = [];
  for (const traf of childBoxes(bytes, moof.body, moof.end)) {
    if (traf.type !== 'traf') continue;
    const fragment = readTrackFragment(bytes, traf, defaults, limit);
    if (!fragment) continue;
    if (defaults.videoTrackId !== null && fragment.trackId !== defaults.videoTrackId) continue;
    found.push(fragment);
  }
  return found;
}

/** Whether the first moof in `bytes` starts its video track with a sync sample. */
export function fragmentStart(bytes: Uint8Array, defaults: TrackDefaults): FragmentStart {
  const moof = topBoxes(bytes).find((b) => b.type === 'moof');
  if (!moof) return 'unknown';
  // With the video track unknown, the first track fragment decides.
  const fragment = videoFragments(bytes, moof, defaults, 1)[0];
  const flags = fragment?.samples[0]?.flags ?? null;
  if (flags === null) return 'unknown';
  return isSyncSample(flags) ? 'keyframe' : 'delta';
}

/** tfdt of the video track in the first moof of `bytes`, in the track's timescale; null when absent. */
export function firstDecodeTime(bytes: Uint8Array, defaults: TrackDefaults): number | null {
  const moof = topBoxes(bytes).find((b) => b.type === 'moof');
  if (!moof) return null;
  return videoFragments(bytes, moof, defaults, 0)[0]?.baseDecodeTime ?? null;
}

export interface VideoSample {
  /** Index among the file's video samples, in decode order. */
  index: number;
  /** Decode time in the track's timescale; null when no tfdt or duration told it. */
  decodeTime: number | null;
  sync: boolean | null;
}

/** Every video sample of a fragmented file (all its moofs), with its sync flag and decode time. */
export function videoSamples(bytes: Uint8Array, defaults: TrackDefaults, limit = 1_000_000): VideoSample[] {
  const samples: VideoSample[] = [];
  let clock: number | null = null;
  for (const moof of topBoxes(bytes)) {
    if (moof.type !== 'moof') continue;
    for (const fragment of videoFragments(bytes, moof, defaults)) {
      if (fragment.baseDecodeTime !== null) clock = fragment.baseDecodeTime;
      for (const sample of fragment.samples) {
        if (samples.length >= limit) return samples;
        samples.push({ index: samples.length, decodeTime: clock, sync: sample.flags === null ? null : isSyncSample(sample.flags) });
        clock = clock !== null && sample.duration !== null ? clock + sample.duration : null;
      }
    }
  }
  return samples;
}
