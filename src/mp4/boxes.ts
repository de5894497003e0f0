/**
 * ISO-BMFF box walking over bytes (ISO/IEC 14496-12 §4.2), shared by the server and the
 * browser: pure TypeScript on Uint8Array, no Node and no DOM. Every read is bounded by the
 * byte range it was given and by a box count, and nothing here throws: a malformed size
 * or a cut-off tail ends the walk and says why, so a segment cut by a power loss still
 * reads up to its last whole box.
 */

export interface Box {
  /** Four characters, e.g. 'moov'. */
  type: string;
  /** First byte of the box header. */
  start: number;
  /** First byte after the header (after the 64-bit size when there is one). */
  body: number;
  /** One past the last byte. */
  end: number;
}

/** Why a walk stopped: it reached `end`; a box runs past `end` (more bytes needed); a size is impossible; too many boxes. */
export type WalkStop = 'end' | 'truncated' | 'malformed' | 'limit';

export interface Walk {
  boxes: Box[];
  stop: WalkStop;
  /** With stop 'truncated': the box whose header was read but whose body runs past `end`. */
  cut: { type: string; start: number; declaredEnd: number } | null;
  /** Where the walk stopped: `end`, or the first byte it could not read as a box. */
  stoppedAt: number;
}

/** A recorded segment has a few thousand boxes at most; a count past this is garbage. */
export const maxBoxesPerLevel = 100_000;

export function boxType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0, bytes[at + 3] ?? 0);
}

/** Unsigned big-endian reads; null when any byte lies at or past `end` (or the array). */
export function u8(bytes: Uint8Array, at: number, end = bytes.length): number | null {
  return at >= 0 && at + 1 <= Math.min(end, bytes.length) ? bytes[at]! : null;
}

export function u16(bytes: Uint8Array, at: number, end = bytes.length): number | null {
  return at >= 0 && at + 2 <= Math.min(end, bytes.length) ? (bytes[at]! << 8) | bytes[at + 1]! : null;
}

export function u32(bytes: Uint8Array, at: number, end = bytes.length): number | null {
  if (at < 0 || at + 4 > Math.min(end, bytes.length)) return null;
  return bytes[at]! * 0x100_0000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}

/** A 64-bit value as a Number (exact below 2^53, which any real file size or media time is). */
export function u64(bytes: Uint8Array, at: number, end = bytes.length): number | null {
  const high = u32(bytes, at, end);
  const low = u32(bytes, at + 4, end);
  return high === null || low === null ? null : high * 0x1_0000_0000 + low;
}

/** The boxes laid end to end in bytes[start, end). */
export function walkBoxes(bytes: Uint8Array, start: number, end: number, limit = maxBoxesPerLevel): Walk {
  const stopAt = Math.min(end, bytes.length);
  const boxes: Box[] = [];
  let at = Math.max(0, start);
  // Bounded: each pass advances by at least 8 bytes, and at most `limit` passes.
  while (at < stopAt) {
    if (boxes.length >= limit) return { boxes, stop: 'limit', cut: null, stoppedAt: at };
    const size32 = u32(bytes, at, stopAt);
    if (size32 === null || at + 8 > stopAt) return { boxes, stop: 'truncated', cut: null, stoppedAt: at };
    const type = boxType(bytes, at + 4);
    let size = size32;
    let header = 8;
    if (size32 === 1) {
      const big = u64(bytes, at + 8, stopAt);
      if (big === null) return { boxes, stop: 'truncated', cut: null, stoppedAt: at };
      size = big;
      header = 16;
    } else if (size32 === 0) {
      size = stopAt - at; // "extends to the end of the file" (an mdat being written)
    }
    if (size < header) return { boxes, stop: 'malformed', cut: null, stoppedAt: at };
    if (at + size > stopAt) return { boxes, stop: 'truncated', cut: { type, start: at, declaredEnd: at + size }, stoppedAt: at };
    boxes.push({ type, start: at, body: at + header, end: at + size });
    at += size;
  }
  return { boxes, stop: 'end', cut: null, stoppedAt: at };
}

/** The whole boxes directly inside bytes[start, end). */
export function childBoxes(bytes: Uint8Array, start: number, end: number, limit = maxBoxesPerLevel): Box[] {
  return walkBoxes(bytes, start, end, limit).boxes;
}

/** The first child of `parent` of `type` (children start `skip` bytes into the body, e.g. after a full-box header). */
export function childBox(bytes: Uint8Array, parent: Box, type: string, skip = 0): Box | undefined {
  return childBoxes(bytes, parent.body + skip, parent.end).find((b) => b.type === type);
}

/** Follows a path of plain container boxes from `parent`: boxAt(bytes, trak, 'mdia', 'minf', 'stbl'). */
export function boxAt(bytes: Uint8Array, parent: Box, ...path: string[]): Box | undefined {
  let box: Box | undefined = parent;
  for (const type of path) {
    box = box && childBox(bytes, box, type);
    if (!box) return undefined;
  }
  return box;
}

/** The whole top-level boxes of a buffer. */
export function topBoxes(bytes: Uint8Array): Box[] {
  return childBoxes(bytes, 0, bytes.length);
}
