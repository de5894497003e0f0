/**
 * Parses ffmpeg's YUV4MPEG2 stream (`-f yuv4mpegpipe`, yuv420p) into whole frames.
 * Y4M carries its own width and height in the header, so the frame size never has to
 * be guessed from stderr. One frame buffer is allocated per stream and reused: the
 * consumer must finish with a frame before `onFrame` returns.
 */

export interface Y4mFormat {
  width: number;
  height: number;
  /** Bytes of one yuv420p frame: luma (width·height), then two quarter-size chroma planes. */
  frameBytes: number;
}

export class Y4mFormatError extends Error {
  override name = 'Y4mFormatError';
}

/** Headers and frame tags are short; anything longer means this is not Y4M. */
const maxHeaderBytes = 512;
const newline = 0x0a;
const frameTag = Uint8Array.from(Buffer.from('FRAME', 'latin1'));

export class Y4mReader {
  private format: Y4mFormat | null = null;
  private frame: Uint8Array = new Uint8Array(0);
  private filled = 0;
  /** Bytes of the stream header or a "FRAME…\n" tag collected so far. */
  private readonly line = new Uint8Array(maxHeaderBytes);
  private lineLength = 0;
  private inFrame = false;

  constructor(
    private readonly onFormat: (format: Y4mFormat) => void,
    private readonly onFrame: (frame: Uint8Array, format: Y4mFormat) => void,
  ) {}

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.inFrame && this.format) {
        const take = Math.min(chunk.length - offset, this.format.frameBytes - this.filled);
        this.frame.set(chunk.subarray(offset, offset + take), this.filled);
        this.filled += take;
        offset += take;
        if (this.filled === this.format.frameBytes) {
          this.inFrame = false;
          this.filled = 0;
          this.onFrame(this.frame, this.format);
        }
        continue;
      }
      const end = chunk.indexOf(newline, offset);
      const stop = end === -1 ? chunk.length : end;
      if (this.lineLength + (stop - offset) > maxHeaderBytes) throw new Y4mFormatError('Y4M header or frame tag too long');
      this.line.set(chunk.subarray(offset, stop), this.lineLength);
      this.lineLength += stop - offset;
      offset = stop;
      if (end === -1) break;
      offset += 1;
      this.endOfLine();
      this.lineLength = 0;
    }
  }

  private endOfLine(): void {
    if (!this.format) {
      this.format = parseHeader(Buffer.from(this.line.buffer, 0, this.lineLength).toString('latin1'));
      this.frame = new Uint8Array(this.format.frameBytes);
      this.onFormat(this.format);
      return;
    }
    // Compared byte by byte: no string per frame.
    for (let i = 0; i < frameTag.length; i++) {
      if (this.line[i] !== frameTag[i] || this.lineLength < frameTag.length) {
        const seen = Buffer.from(this.line.buffer, 0, Math.min(40, this.lineLength)).toString('latin1');
        throw new Y4mFormatError(`expected a FRAME tag, got ${JSON.stringify(seen)}`);
      }
    }
    this.inFrame = true;
  }
}

export function parseHeader(text: string): Y4mFormat {
  const fields = text.split(' ');
  if (fields[0] !== 'YUV4MPEG2') throw new Y4mFormatError('not a YUV4MPEG2 stream');
  let width = 0;
  let height = 0;
  let colour = '420jpeg';
  for (const field of fields.slice(1)) {
    if (field.startsWith('W')) width = Number(field.slice(1));
    else if (field.startsWith('H')) height = Number(field.slice(1));
    else if (field.startsWith('C')) colour = field.slice(1);
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width % 2 || height % 2) {
    throw new Y4mFormatError(`unusable Y4M frame size ${width}x${height}`);
  }
  // Only 4:2:0 is requested (-pix_fmt yuv420p); other layouts would change the frame size.
  if (!colour.startsWith('420')) throw new Y4mFormatError(`unsupported Y4M colour space C${colour}; expected 4:2:0`);
  return { width, height, frameBytes: (width * height * 3) / 2 };
}
