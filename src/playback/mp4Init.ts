/**
 * Where a recorded segment's init section (ftyp + moov) ends, so an HLS playlist can point
 * EXT-X-MAP at it by byte range. Reads the file's head and asks the one MP4 reader
 * (src/mp4); the recorder writes `empty_moov` fragments, so the moov comes first.
 */
import { open } from 'node:fs/promises';
import { scanInit } from '../mp4/index.ts';

/** How much of a file's head is read first; a moov bigger than this is read whole on a second pass. */
const headBytes = 64 * 1024;
/** A moov past this is not from Hearth's recorder. */
const maxInitBytes = 8 * 1024 * 1024;

/**
 * 'fragmented': ftyp..moov is initLength bytes and fragments follow; 'empty': a fragmented
 * file that ends at its moov (no media yet); 'plain': anything else (not fragmented, unreadable).
 */
export type Mp4Layout = { kind: 'fragmented'; initLength: number; fileBytes: number } | { kind: 'empty' | 'plain'; fileBytes: number };

export async function mp4Layout(file: string): Promise<Mp4Layout> {
  const handle = await open(file, 'r');
  try {
    const fileBytes = (await handle.stat()).size;
    // Bounded: at most two reads (the head, then up to maxInitBytes).
    for (const want of [headBytes, maxInitBytes]) {
      const length = Math.min(want, fileBytes);
      const head = new Uint8Array(length);
      const { bytesRead } = await handle.read(head, 0, length, 0);
      const scan = scanInit(head.subarray(0, bytesRead), fileBytes);
      if (scan.kind === 'incomplete' && length < fileBytes) continue;
      if (scan.kind !== 'fragmented') return { kind: 'plain', fileBytes };
      if (scan.next === 'end') return { kind: 'empty', fileBytes };
      // 'past-read': the fragments start beyond the head; with mvex in the moov they are moofs.
      return scan.next === 'moof' || scan.next === 'past-read' ? { kind: 'fragmented', initLength: scan.initLength, fileBytes } : { kind: 'plain', fileBytes };
    }
    return { kind: 'plain', fileBytes };
  } finally {
    await handle.close();
  }
}

/** Byte length of ftyp..moov when the file is a fragmented MP4 with fragments after it, else null. */
export async function fragmentedInitLength(file: string): Promise<number | null> {
  const layout = await mp4Layout(file);
  return layout.kind === 'fragmented' ? layout.initLength : null;
}
