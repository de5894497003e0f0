/**
 * Just enough ISO-BMFF reading for Media Source Extensions: each recorded segment is a
 * self-contained fragmented MP4 (ftyp+moov, then moof+mdat), and to place it on one
 * timeline the player needs the codec string (from avcC), the track timescale (mdhd) and
 * the first fragment's decode time (tfdt). Nothing here decodes media.
 */

import { streamCodecs } from '../live/mp4Codec.ts';

export interface SegmentFacts {
  /** e.g. `video/mp4; codecs="avc1.64001f"` */
  mimeType: string;
  timescale: number;
  /** Decode time of the first fragment, in seconds of the file's own clock. */
  firstDecodeSeconds: number;
}

const containers = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'moof', 'traf', 'stsd', 'avc1', 'avc3']);

interface Box {
  type: string;
  start: number;
  /** First byte after the header. */
  body: number;
  end: number;
}

function boxes(view: DataView, from: number, to: number): Box[] {
  const found: Box[] = [];
  let at = from;
  // A segment holds a few hundred boxes at most; the cap guards against a corrupt size.
  for (let guard = 0; at + 8 <= to && guard < 10_000; guard += 1) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(view.getUint8(at + 4), view.getUint8(at + 5), view.getUint8(at + 6), view.getUint8(at + 7));
    let body = at + 8;
    if (size === 1) {
      size = Number(view.getBigUint64(at + 8));
      body = at + 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < 8 || at + size > to) break; // truncated tail (a segment cut by a crash): stop here
    found.push({ type, start: at, body, end: at + size });
    at += size;
  }
  return found;
}

/** Depth-first search for the first box of `type`, descending into known containers. */
function findBox(view: DataView, from: number, to: number, type: string): Box | null {
  for (const box of boxes(view, from, to)) {
    if (box.type === type) return box;
    if (containers.has(box.type)) {
      // stsd has a 8-byte full-box header + count; avc1/avc3 a 78-byte sample entry before children.
      const childStart = box.type === 'stsd' ? box.body + 8 : box.type === 'avc1' || box.type === 'avc3' ? box.body + 78 : box.body;
      const inner = findBox(view, childStart, box.end, type);
      if (inner) return inner;
    }
  }
  return null;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

export function readSegmentFacts(bytes: ArrayBuffer): SegmentFacts {
  const view = new DataView(bytes);
  // H.265 (hvc1/hev1) is read by the live view's sample-entry reader; this walker knew only avcC.
  // Stopgap until the one MP4 reader (issue 18) replaces both.
  const sampleEntries = streamCodecs(new Uint8Array(bytes));
  const avcC = findBox(view, 0, bytes.byteLength, 'avcC');
  let codec = 'avc1.640028'; // High@4.0: what the camera almost always sends, if avcC is unreadable
  if (avcC && avcC.body + 4 <= avcC.end) {
    codec = `avc1.${hex2(view.getUint8(avcC.body + 1))}${hex2(view.getUint8(avcC.body + 2))}${hex2(view.getUint8(avcC.body + 3))}`;
  } else if (findBox(view, 0, bytes.byteLength, 'hvcC')) {
    codec = 'hvc1.1.6.L93.B0';
  }
  const mdhd = findBox(view, 0, bytes.byteLength, 'mdhd');
  let timescale = 90_000;
  if (mdhd) {
    const version = view.getUint8(mdhd.body);
    timescale = view.getUint32(mdhd.body + (version === 1 ? 20 : 12)) || timescale;
  }
  const tfdt = findBox(view, 0, bytes.byteLength, 'tfdt');
  let firstDecode = 0;
  if (tfdt) {
    const version = view.getUint8(tfdt.body);
    firstDecode = version === 1 ? Number(view.getBigUint64(tfdt.body + 4)) : view.getUint32(tfdt.body + 4);
  }
  const mimeType = sampleEntries && sampleEntries.videoName === 'H.265' ? sampleEntries.mime : `video/mp4; codecs="${codec}"`;
  return { mimeType, timescale, firstDecodeSeconds: firstDecode / timescale };
}
