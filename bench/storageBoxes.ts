/**
 * Where a recorded segment's bytes go, box by box (ISO/IEC 14496-12), for bench/storage.ts:
 * everything that is not a media packet is container overhead, charged to the box that
 * holds it. Read with src/mp4's walker, the same one Hearth reads its segments with.
 */
import { childBoxes, topBoxes } from '../src/mp4/boxes.ts';

/** Bytes per category; `mdat payload` is the media itself, every other key is overhead. */
export type BoxBytes = Record<string, number>;

function add(into: BoxBytes, key: string, n: number): void {
  into[key] = (into[key] ?? 0) + n;
}

function u24(b: Uint8Array, at: number): number {
  return (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
}

function u32(b: Uint8Array, at: number): number {
  return b[at]! * 0x100_0000 + u24(b, at + 1);
}

/**
 * One segment's bytes by category: per segment (ftyp, moov, a trailing mfra), per fragment
 * (moof, mfhd and traf headers, tfhd, tfdt, the trun header, mdat header) and per sample
 * (trun entries: sizes, and durations/flags/composition offsets when ffmpeg writes them),
 * per-sample entries split by track id. Adds into `into`; returns the fragment count.
 */
export function accountSegment(b: Uint8Array, into: BoxBytes): { fragments: number; samples: number } {
  let fragments = 0;
  let samples = 0;
  for (const top of topBoxes(b)) {
    const size = top.end - top.start;
    if (top.type === 'mdat') {
      add(into, 'mdat header', top.body - top.start);
      add(into, 'mdat payload', top.end - top.body);
      continue;
    }
    if (top.type !== 'moof') {
      add(into, top.type, size);
      continue;
    }
    fragments++;
    add(into, 'moof+traf headers', top.body - top.start);
    for (const child of childBoxes(b, top.body, top.end)) {
      if (child.type !== 'traf') {
        add(into, child.type, child.end - child.start);
        continue;
      }
      add(into, 'moof+traf headers', child.body - child.start);
      let track = 0;
      for (const box of childBoxes(b, child.body, child.end)) {
        if (box.type === 'tfhd') track = u32(b, box.body + 4);
        if (box.type !== 'trun') {
          add(into, box.type, box.end - box.start);
          continue;
        }
        // trun: full-box header, sample count, then data offset / first-sample flags if flagged.
        const flags = u24(b, box.body + 1);
        samples += u32(b, box.body + 4);
        const header = box.body - box.start + 8 + (flags & 0x1 ? 4 : 0) + (flags & 0x4 ? 4 : 0);
        add(into, 'trun header', header);
        add(into, `trun entries (track ${track})`, box.end - box.start - header);
      }
    }
  }
  return { fragments, samples };
}
