/**
 * The live side of the recorder's one RTSP connection: ffmpeg writes fragmented MP4 on
 * stdout; this splits it into the init segment (ftyp+moov) and fragments (moof+mdat),
 * which the live view fans out to browsers (MSE). Late joiners get `initSegment()` first.
 */
import { EventEmitter } from 'node:events';

export interface LiveFeedEvents {
  init: [segment: Buffer];
  fragment: [fragment: Buffer];
  /** The recorder restarted: a new init segment follows; viewers must reset their decoder. */
  reset: [];
}

export class LiveFeed extends EventEmitter<LiveFeedEvents> {
  private init: Buffer | null = null;
  private pending: Buffer[] = [];
  /** The newest complete fragment (starts on a keyframe: frag_keyframe), so a new viewer sees a picture at once instead of after the next GOP. */
  private latest: Buffer | null = null;
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private lastFragmentAtMs = 0;

  constructor(readonly cameraId: string) {
    super();
  }

  initSegment(): Buffer | null {
    return this.init;
  }

  latestFragment(): Buffer | null {
    return this.latest;
  }

  /** Wall time of the last fragment, 0 before the first: the recorder's liveness signal. */
  lastFragmentMs(): number {
    return this.lastFragmentAtMs;
  }

  /** Called by the recorder when it (re)starts ffmpeg. */
  restart(): void {
    this.init = null;
    this.latest = null;
    this.pending = [];
    this.chunks = [];
    this.chunkBytes = 0;
    this.emit('reset');
  }

  /**
   * Feeds raw stdout bytes; emits whole boxes grouped as init / fragment. Chunks are kept
   * as a list and joined once per complete box: joining on every pipe read copied a 2 s
   * fragment of a high-bitrate camera over and over.
   */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    // Bounded: each pass consumes one whole box or stops.
    while (this.chunkBytes >= 8) {
      const head = this.peek(16);
      const size = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (size === 1 && head.length < 16) return; // a 64-bit size whose second half has not arrived
      const boxSize = size === 1 ? Number(head.readBigUInt64BE(8)) : size;
      if (boxSize < 8) {
        // size 0 ("to end of file") never occurs in fragmented output; resync by dropping the buffer.
        this.chunks = [];
        this.chunkBytes = 0;
        return;
      }
      if (this.chunkBytes < boxSize) return;
      this.onBox(type, this.take(boxSize));
    }
  }

  /** The first `n` buffered bytes (fewer if fewer are buffered), without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n || this.chunks.length === 1) return first.subarray(0, n);
    return Buffer.concat(this.chunks, Math.min(n, this.chunkBytes));
  }

  /** Removes and returns exactly `n` buffered bytes (the caller checked they are there). */
  private take(n: number): Buffer {
    const parts: Buffer[] = [];
    let needed = n;
    while (needed > 0) {
      const first = this.chunks[0]!;
      if (first.length <= needed) {
        parts.push(first);
        this.chunks.shift();
        needed -= first.length;
      } else {
        parts.push(first.subarray(0, needed));
        this.chunks[0] = first.subarray(needed);
        needed = 0;
      }
    }
    this.chunkBytes -= n;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  private onBox(type: string, box: Buffer): void {
    this.pending.push(box);
    if (type === 'moov') {
      this.init = Buffer.concat(this.pending);
      this.pending = [];
      this.emit('init', this.init);
    } else if (type === 'mdat') {
      const fragment = Buffer.concat(this.pending);
      this.pending = [];
      this.lastFragmentAtMs = Date.now();
      this.latest = fragment;
      this.emit('fragment', fragment);
    }
  }
}
