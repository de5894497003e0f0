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
  private buffered: Buffer = Buffer.alloc(0);
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
    this.buffered = Buffer.alloc(0);
    this.emit('reset');
  }

  /** Feeds raw stdout bytes; emits whole boxes grouped as init / fragment. */
  push(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    // Bounded: each pass consumes one whole box or stops.
    while (this.buffered.length >= 8) {
      const size = this.buffered.readUInt32BE(0);
      const type = this.buffered.toString('latin1', 4, 8);
      const boxSize = size === 1 && this.buffered.length >= 16 ? Number(this.buffered.readBigUInt64BE(8)) : size;
      if (boxSize < 8) {
        // size 0 ("to end of file") never occurs in fragmented output; resync by dropping the buffer.
        this.buffered = Buffer.alloc(0);
        return;
      }
      if (this.buffered.length < boxSize) return;
      const box = this.buffered.subarray(0, boxSize);
      this.buffered = this.buffered.subarray(boxSize);
      this.onBox(type, Buffer.from(box));
    }
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
