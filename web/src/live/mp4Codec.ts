/**
 * The MSE type string of a fragmented MP4 stream, read from its init segment (ftyp+moov):
 * `video/mp4; codecs="avc1.64001f"`. MediaSource needs the exact profile and level to say
 * whether it can play the stream, and a guess would turn "cannot play H.265" into a
 * silent black tile. Pure functions over bytes, no DOM: unit-tested in Node.
 */

export interface StreamCodecs {
  /** RFC 6381 strings, video first: ['avc1.64001f'], ['hvc1.1.6.L93.b0', 'mp4a.40.2']. */
  codecs: string[];
  /** For messages: 'H.264', 'H.265', or the sample entry type. */
  videoName: string | null;
  mime: string;
}

interface Box {
  type: string;
  /** Start of the box payload (after size+type, and the 64-bit size when present). */
  body: number;
  end: number;
}

/** The boxes directly inside [start, end); stops at the first malformed size. */
function childBoxes(bytes: Uint8Array, start: number, end: number): Box[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: Box[] = [];
  let at = start;
  // Bounded by the byte range: each pass advances by a box of at least 8 bytes.
  while (at + 8 <= end) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) break;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) break;
    boxes.push({ type: boxType(bytes, at + 4), body: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

function boxType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0, bytes[at + 3] ?? 0);
}

function find(bytes: Uint8Array, parent: { body: number; end: number }, type: string): Box | undefined {
  return childBoxes(bytes, parent.body, parent.end).find((b) => b.type === type);
}

/** Byte length of the init segment (through the end of moov) if `bytes` holds all of it, else null. */
export function initSegmentLength(bytes: Uint8Array): number | null {
  for (const box of childBoxes(bytes, 0, bytes.length)) {
    if (box.type === 'moov') return box.end;
  }
  return null;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** Visual sample entries: 8 bytes of SampleEntry + 70 of VisualSampleEntry before the child boxes. */
const visualEntryHeader = 78;
/** Audio sample entries: 8 + 20 bytes before the child boxes. */
const audioEntryHeader = 28;

function avcCodec(bytes: Uint8Array, entry: Box): string {
  const avcC = childBoxes(bytes, entry.body + visualEntryHeader, entry.end).find((b) => b.type === 'avcC');
  if (!avcC || avcC.body + 4 > avcC.end) return entry.type;
  return `${entry.type}.${hex2(bytes[avcC.body + 1] ?? 0)}${hex2(bytes[avcC.body + 2] ?? 0)}${hex2(bytes[avcC.body + 3] ?? 0)}`;
}

/** ISO/IEC 14496-15 annex E: hvc1.<space><profile>.<compat, bit-reversed>.<tier><level>.<constraints>. */
function hevcCodec(bytes: Uint8Array, entry: Box): string {
  const hvcC = childBoxes(bytes, entry.body + visualEntryHeader, entry.end).find((b) => b.type === 'hvcC');
  if (!hvcC || hvcC.body + 13 > hvcC.end) return entry.type;
  const at = hvcC.body;
  const first = bytes[at + 1] ?? 0;
  const space = ['', 'A', 'B', 'C'][first >> 6] ?? '';
  const tier = (first & 0x20) !== 0 ? 'H' : 'L';
  const profile = first & 0x1f;
  let compat = 0;
  for (let i = 0; i < 4; i++) compat = compat * 256 + (bytes[at + 2 + i] ?? 0);
  let reversed = 0;
  for (let bit = 0; bit < 32; bit++) if (compat & (2 ** bit)) reversed += 2 ** (31 - bit);
  const constraints: number[] = [];
  for (let i = 0; i < 6; i++) constraints.push(bytes[at + 6 + i] ?? 0);
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const level = bytes[at + 12] ?? 0;
  return [`${entry.type}`, `${space}${profile}`, reversed.toString(16), `${tier}${level}`, ...constraints.map((c) => c.toString(16).toUpperCase())].join('.');
}

/** mp4a.40.<audio object type> from esds (ES_Descriptor → DecoderConfig → DecoderSpecificInfo). */
function mp4aCodec(bytes: Uint8Array, entry: Box): string {
  const esds = childBoxes(bytes, entry.body + audioEntryHeader, entry.end).find((b) => b.type === 'esds');
  if (!esds) return 'mp4a.40.2';
  let at = esds.body + 4; // version + flags
  const readDescriptor = (): { tag: number; body: number; end: number } | null => {
    if (at >= esds.end) return null;
    const tag = bytes[at++] ?? 0;
    let length = 0;
    for (let i = 0; i < 4 && at < esds.end; i++) {
      const b = bytes[at++] ?? 0;
      length = (length << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    return { tag, body: at, end: Math.min(esds.end, at + length) };
  };
  const es = readDescriptor();
  if (!es || es.tag !== 3) return 'mp4a.40.2';
  const flags = bytes[es.body + 2] ?? 0;
  at = es.body + 3 + ((flags & 0x80) !== 0 ? 2 : 0) + ((flags & 0x20) !== 0 ? 2 : 0);
  if ((flags & 0x40) !== 0) at += 1 + (bytes[at] ?? 0);
  const config = readDescriptor();
  if (!config || config.tag !== 4) return 'mp4a.40.2';
  const objectType = bytes[config.body] ?? 0x40;
  if (objectType !== 0x40) return `mp4a.${hex2(objectType)}`;
  at = config.body + 13;
  const specific = readDescriptor();
  if (!specific || specific.tag !== 5) return 'mp4a.40.2';
  const audioObjectType = (bytes[specific.body] ?? 0x10) >> 3;
  return `mp4a.40.${audioObjectType || 2}`;
}

const videoNames: Record<string, string> = { avc1: 'H.264', avc3: 'H.264', hvc1: 'H.265', hev1: 'H.265', av01: 'AV1', vp09: 'VP9' };

/** Reads every track's sample entry; null when there is no moov with a known sample entry. */
export function streamCodecs(init: Uint8Array): StreamCodecs | null {
  const moov = childBoxes(init, 0, init.length).find((b) => b.type === 'moov');
  if (!moov) return null;
  const video: string[] = [];
  const audio: string[] = [];
  let videoName: string | null = null;
  for (const trak of childBoxes(init, moov.body, moov.end).filter((b) => b.type === 'trak')) {
    const mdia = find(init, trak, 'mdia');
    const minf = mdia && find(init, mdia, 'minf');
    const stbl = minf && find(init, minf, 'stbl');
    const stsd = stbl && find(init, stbl, 'stsd');
    if (!stsd) continue;
    const entry = childBoxes(init, stsd.body + 8, stsd.end)[0]; // full box header + entry_count
    if (!entry) continue;
    if (entry.type === 'avc1' || entry.type === 'avc3') video.push(avcCodec(init, entry));
    else if (entry.type === 'hvc1' || entry.type === 'hev1') video.push(hevcCodec(init, entry));
    else if (entry.type === 'mp4a') audio.push(mp4aCodec(init, entry));
    else if (entry.type === 'Opus') audio.push('opus');
    else continue;
    if (videoName === null && video.length > 0) videoName = videoNames[entry.type] ?? entry.type;
  }
  const codecs = [...video, ...audio];
  if (codecs.length === 0) return null;
  return { codecs, videoName, mime: `video/mp4; codecs="${codecs.join(',')}"` };
}
