/**
 * Where a fragmented MP4 segment's init section (ftyp + moov) ends, so an HLS playlist
 * can point EXT-X-MAP at it by byte range. The recorder writes `empty_moov` fragments,
 * so the moov is at the start of each file.
 */
import { open } from 'node:fs/promises';

/** How far into a file the moov may end; recorder output puts it within the first few KiB. */
const headBytes = 256 * 1024;

/** Byte length of ftyp..moov when the file is fragmented (a moof follows), else null. */
export async function fragmentedInitLength(file: string): Promise<number | null> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(headBytes);
    const { bytesRead } = await handle.read(head, 0, headBytes, 0);
    let offset = 0;
    let moovEnd: number | null = null;
    // Bounded: each step advances by a box of at least 8 bytes within `bytesRead`.
    while (offset + 8 <= bytesRead) {
      const size32 = head.readUInt32BE(offset);
      const type = head.toString('latin1', offset + 4, offset + 8);
      const size = size32 === 1 && offset + 16 <= bytesRead ? Number(head.readBigUInt64BE(offset + 8)) : size32;
      if (size < 8) return null;
      if (type === 'moov') moovEnd = offset + size;
      if (type === 'moof') return moovEnd;
      offset += size;
    }
    return null;
  } finally {
    await handle.close();
  }
}
