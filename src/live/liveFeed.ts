/**
 * The live side of the recorder's one RTSP connection: ffmpeg writes fragmented MP4 on
 * stdout; this splits it into the init segment (ftyp+moov) and fragments (moof+mdat),
 * which the live view fans out to browsers (MSE). Fragments are shorter than a GOP (see
 * recorderArgs), so only some start with a keyframe: late joiners get `initSegment()`,
 * then `keyframeRun()` (the GOP so far), then the live fragments.
 */
import { EventEmitter } from 'node:events';
import { fragmentStart, noTrackDefaults, trackDefaults, type FragmentStart, type TrackDefaults } from '../mp4/index.ts';

/**
 * Bounds of the GOP-so-far kept for late joiners. A camera with a 10 s GOP at a high
 * bitrate, or one that never marks a keyframe, would otherwise grow it without limit. The
 * byte bound stays well under the live route's 8 MiB slow-viewer cut, so a new viewer's
 * catch-up burst is not mistaken for a stuck viewer. Past a bound the run is dropped until
 * the next keyframe fragment: a late joiner then waits for that keyframe, as before.
 */
export const defaultMaxRunBytes = 4 * 1024 * 1024;
export const defaultMaxRunFragments = 64;

export interface LiveFeedOptions {
  maxRunBytes?: number;
  maxRunFragments?: number;
}

export interface LiveFeedEvents {
  init: [segment: Buffer];
  fragment: [fragment: Buffer];
  /** The recorder restarted: a new init segment follows; viewers must reset their decoder. */
  reset: [];
}

export class LiveFeed extends EventEmitter<LiveFeedEvents> {
  private init: Buffer | null = null;
  private pending: Buffer[] = [];
  /** How the pending fragment's moof starts; decided when the moof arrives. */
  private pendingStart: FragmentStart = 'unknown';
  private defaults: TrackDefaults = noTrackDefaults;
  /** Fragments since the newest one that starts on a keyframe, so a new viewer decodes at once instead of after the next GOP. */
  private run: Buffer[] = [];
  private runBytes = 0;
  private readonly maxRunBytes: number;
  private readonly maxRunFragments: number;
  private chunks: Buffer[] = [];
  /** Index of the first unconsumed chunk in `chunks`. */
  private first = 0;
  private chunkBytes = 0;
  /** The header of the box being gathered, once its first bytes are in. */
  private box: { type: string; size: number } | null = null;
  private lastFragmentAtMs = 0;

  constructor(
    readonly cameraId: string,
    options: LiveFeedOptions = {},
  ) {
    super();
    this.maxRunBytes = options.maxRunBytes ?? defaultMaxRunBytes;
    this.maxRunFragments = options.maxRunFragments ?? defaultMaxRunFragments;
  }

  initSegment(): Buffer | null {
    return this.init;
  }

  /**
   * The fragments since the newest keyframe fragment (the GOP so far), oldest first; the
   * first one starts on a keyframe. Empty before the first keyframe fragment, and after the
   * run outgrew its bounds until the next keyframe fragment.
   */
  keyframeRun(): Buffer[] {
    return this.run.slice();
  }

  /** Wall time of the last fragment, 0 before the first: the recorder's liveness signal. */
  lastFragmentMs(): number {
    return this.lastFragmentAtMs;
  }

  /** Called by the recorder when it (re)starts ffmpeg. */
  restart(): void {
    this.init = null;
    this.defaults = noTrackDefaults;
    this.dropRun();
    this.pending = [];
    this.pendingStart = 'unknown';
    this.dropBuffered();
    this.emit('reset');
  }

  /**
   * Feeds raw stdout bytes; emits whole boxes grouped as init / fragment. Chunks are kept
   * as a list and joined once per complete box: joining on every pipe read copied a 2 s
   * fragment of a high-bitrate camera over and over. The box header is parsed once and the
   * list is consumed by index, so many tiny reads cost linear, not quadratic, time.
   */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    // Bounded: each pass consumes one whole box or stops.
    while (this.chunkBytes >= 8) {
      if (!this.box) {
        const head = this.peek(16);
        const size = head.readUInt32BE(0);
        if (size === 1 && head.length < 16) return; // a 64-bit size whose second half has not arrived
        const boxSize = size === 1 ? Number(head.readBigUInt64BE(8)) : size;
        if (boxSize < 8) {
          // size 0 ("to end of file") never occurs in fragmented output; resync by dropping the buffer.
          this.dropBuffered();
          return;
        }
        this.box = { type: head.toString('latin1', 4, 8), size: boxSize };
      }
      if (this.chunkBytes < this.box.size) return;
      const { type, size } = this.box;
      this.box = null;
      this.onBox(type, this.take(size));
    }
  }

  private dropBuffered(): void {
    this.chunks = [];
    this.first = 0;
    this.chunkBytes = 0;
    this.box = null;
  }

  /** The first `n` buffered bytes (fewer if fewer are buffered), without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[this.first]!;
    if (first.length >= n || this.chunks.length - this.first === 1) return first.subarray(0, n);
    const parts: Buffer[] = [];
    let got = 0;
    for (let i = this.first; i < this.chunks.length && got < n; i += 1) {
      parts.push(this.chunks[i]!);
      got += this.chunks[i]!.length;
    }
    return Buffer.concat(parts, Math.min(n, got));
  }

  /** Removes and returns exactly `n` buffered bytes (the caller checked they are there). */
  private take(n: number): Buffer {
    const parts: Buffer[] = [];
    let needed = n;
    while (needed > 0) {
      const first = this.chunks[this.first]!;
      if (first.length <= needed) {
        parts.push(first);
        this.first += 1;
        needed -= first.length;
      } else {
        parts.push(first.subarray(0, needed));
        this.chunks[this.first] = first.subarray(needed);
        needed = 0;
      }
    }
    // Compact the consumed head of the list now and then rather than shifting on every chunk.
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first > 1024 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
    this.chunkBytes -= n;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  private onBox(type: string, box: Buffer): void {
    if (type === 'moof' && !this.pending.some((b) => b.toString('latin1', 4, 8) === 'moof')) {
      this.pendingStart = fragmentStart(box, this.defaults);
    }
    this.pending.push(box);
    if (type === 'moov') {
      this.defaults = trackDefaults(box);
      this.init = Buffer.concat(this.pending);
      this.pending = [];
      this.dropRun();
      this.emit('init', this.init);
    } else if (type === 'mdat') {
      const fragment = Buffer.concat(this.pending);
      const start = this.pendingStart;
      this.pending = [];
      this.pendingStart = 'unknown';
      this.lastFragmentAtMs = Date.now();
      this.keepInRun(fragment, start);
      this.emit('fragment', fragment);
    }
  }

  /** A keyframe fragment starts a new run; others extend it. 'unknown' never starts one, and is never dropped from the stream. */
  private keepInRun(fragment: Buffer, start: FragmentStart): void {
    if (start === 'keyframe' && fragment.length <= this.maxRunBytes) {
      this.run = [fragment];
      this.runBytes = fragment.length;
      return;
    }
    if (this.run.length === 0) return;
    if (start === 'keyframe' || this.run.length >= this.maxRunFragments || this.runBytes + fragment.length > this.maxRunBytes) {
      this.dropRun();
      return;
    }
    this.run.push(fragment);
    this.runBytes += fragment.length;
  }

  private dropRun(): void {
    this.run = [];
    this.runBytes = 0;
  }
}
