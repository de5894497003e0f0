/**
 * RFC 6381 codec strings from MP4 sample entries, the exact strings
 * MediaSource.isTypeSupported and canPlayType need: avc1.PPCCLL from avcC,
 * hvc1.<space><profile>.<compat>.<tier><level>.<constraints> from hvcC (ISO/IEC 14496-15
 * annex E), mp4a.40.<object type> from esds, opus. A guess here would turn "cannot decode
 * H.265" into a generic failure, so an unreadable configuration box answers the bare
 * sample entry type, never another codec's string.
 */
import { childBox, u8, u16, type Box } from './boxes.ts';

/** SampleEntry (8) + VisualSampleEntry (70) bytes before a video entry's child boxes. */
const visualEntryHeader = 78;
/** SampleEntry (8) + AudioSampleEntry v0 (20); QuickTime sound versions 1 and 2 add 16 and 36. */
const audioEntryHeader = 28;

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

export const videoEntryTypes = new Set(['avc1', 'avc3', 'hvc1', 'hev1', 'av01', 'vp09', 'vp08', 'mp4v']);
export const audioEntryTypes = new Set(['mp4a', 'Opus', 'fLaC', 'ac-3', 'ec-3', 'alaw', 'ulaw']);

/** Short names for captions and messages: 'H.264', 'H.265', 'AAC'. */
export function codecName(codec: string): string {
  const entry = codec.split('.')[0] ?? codec;
  const names: Record<string, string> = {
    avc1: 'H.264', avc3: 'H.264', hvc1: 'H.265', hev1: 'H.265', av01: 'AV1', vp09: 'VP9', vp08: 'VP8', mp4v: 'MPEG-4 Part 2',
    mp4a: 'AAC', opus: 'Opus', flac: 'FLAC', 'ac-3': 'AC-3', 'ec-3': 'E-AC-3',
  };
  return names[entry] ?? entry;
}

function avcString(bytes: Uint8Array, entry: Box): string {
  const avcC = childBox(bytes, entry, 'avcC', visualEntryHeader);
  // avcC: configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication
  const profile = avcC && u8(bytes, avcC.body + 1, avcC.end);
  const compat = avcC && u8(bytes, avcC.body + 2, avcC.end);
  const level = avcC && u8(bytes, avcC.body + 3, avcC.end);
  if (profile == null || compat == null || level == null) return entry.type;
  return `${entry.type}.${hex2(profile)}${hex2(compat)}${hex2(level)}`;
}

function hevcString(bytes: Uint8Array, entry: Box): string {
  const hvcC = childBox(bytes, entry, 'hvcC', visualEntryHeader);
  if (!hvcC || hvcC.body + 13 > hvcC.end) return entry.type;
  const at = hvcC.body;
  const first = bytes[at + 1]!;
  const space = ['', 'A', 'B', 'C'][first >> 6] ?? '';
  const tier = (first & 0x20) !== 0 ? 'H' : 'L';
  const profile = first & 0x1f;
  // general_profile_compatibility_flags, written with its bits in reverse order.
  let reversed = 0;
  for (let i = 0; i < 4; i += 1) {
    const byte = bytes[at + 2 + i]!;
    for (let bit = 0; bit < 8; bit += 1) if (byte & (0x80 >> bit)) reversed += 2 ** (i * 8 + bit);
  }
  const constraints: number[] = [];
  for (let i = 0; i < 6; i += 1) constraints.push(bytes[at + 6 + i]!);
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const level = bytes[at + 12]!;
  return [entry.type, `${space}${profile}`, reversed.toString(16).toUpperCase(), `${tier}${level}`, ...constraints.map((c) => c.toString(16).toUpperCase())].join('.');
}

/** mp4a.40.<audio object type>: ES_Descriptor (3) → DecoderConfigDescriptor (4) → DecoderSpecificInfo (5). */
function mp4aString(bytes: Uint8Array, entry: Box): string {
  const soundVersion = u16(bytes, entry.body + 8, entry.end) ?? 0;
  const skip = audioEntryHeader + (soundVersion === 1 ? 16 : soundVersion === 2 ? 36 : 0);
  const esds = childBox(bytes, entry, 'esds', skip);
  if (!esds) return 'mp4a';
  let at = esds.body + 4; // full-box header
  const descriptor = (): { tag: number; body: number; end: number } | null => {
    const tag = u8(bytes, at, esds.end);
    if (tag === null) return null;
    at += 1;
    let length = 0;
    // Up to four 7-bit length bytes.
    for (let i = 0; i < 4; i += 1) {
      const b = u8(bytes, at, esds.end);
      if (b === null) return null;
      at += 1;
      length = length * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    return { tag, body: at, end: Math.min(esds.end, at + length) };
  };
  const es = descriptor();
  if (!es || es.tag !== 3) return 'mp4a';
  const flags = u8(bytes, es.body + 2, es.end) ?? 0;
  at = es.body + 3 + ((flags & 0x80) !== 0 ? 2 : 0);
  if ((flags & 0x40) !== 0) at += 1 + (u8(bytes, at, es.end) ?? 0);
  if ((flags & 0x20) !== 0) at += 2;
  const config = descriptor();
  if (!config || config.tag !== 4) return 'mp4a';
  const objectType = u8(bytes, config.body, config.end);
  if (objectType === null) return 'mp4a';
  if (objectType !== 0x40) return `mp4a.${hex2(objectType)}`;
  at = config.body + 13;
  const specific = descriptor();
  const first = specific && specific.tag === 5 ? u8(bytes, specific.body, specific.end) : null;
  if (first === null) return 'mp4a.40';
  let audioObjectType = first >> 3;
  if (audioObjectType === 31) audioObjectType = 32 + (((first & 0x07) << 3) | ((u8(bytes, specific!.body + 1, specific!.end) ?? 0) >> 5));
  return `mp4a.40.${audioObjectType}`;
}

/** The codec string of one sample entry (a child of stsd). */
export function sampleEntryCodec(bytes: Uint8Array, entry: Box): string {
  switch (entry.type) {
    case 'avc1':
    case 'avc3':
      return avcString(bytes, entry);
    case 'hvc1':
    case 'hev1':
      return hevcString(bytes, entry);
    case 'mp4a':
      return mp4aString(bytes, entry);
    case 'Opus':
      return 'opus';
    case 'fLaC':
      return 'flac';
    default:
      return entry.type;
  }
}
