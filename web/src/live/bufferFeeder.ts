/**
 * The SourceBuffer side of a live view (liveStream.ts reads the stream): appends one at a
 * time, trims what lies far behind the playhead, and keeps the playhead at the live edge.
 */

/** Appends waiting while the decoder is busy; beyond this the tab cannot keep up, so reopen at the live edge. */
const maxQueuedBytes = 8 * 1024 * 1024;
/**
 * Live edge. The server sends fragments of ≤ 0.5 s (a GOP is cut into several), so right
 * after an append the playhead sits one fragment plus this slack behind the buffered end:
 * enough to bridge the wait for the next fragment without a stall, and no more.
 */
const liveEdgeSlackSeconds = 0.25;
/** Until the first fragments' length is measured: a new viewer starts this far behind the newest frame. */
const startBehindSeconds = 0.75;
/** Further behind than this (or margin + 0.75 s for long fragments): seek to the live edge rather than catch up slowly. */
const seekBehindSeconds = 1.5;
/** Gentle rate changes (unnoticeable on video-only streams) pull the playhead back to its margin. */
const catchUpRate = 1.1;
const slowDownRate = 0.95;
/** Keep this much video behind the playhead; older data is removed so memory stays flat over hours. */
const keepBehindSeconds = 10;
const trimEverySeconds = 20;

/**
 * Serializes appends and removes on one SourceBuffer (it takes one operation at a time)
 * and keeps the playhead near the live edge.
 */
export class BufferFeeder {
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private started = false;
  private lastTrimAt = 0;
  private lastEnd = 0;
  /** Typical duration of one appended fragment (s), 0 until measured; the live edge margin must cover it or playback stalls between fragments. */
  private fragmentSeconds = 0;
  private quotaRetries = 0;
  failed = false;
  private closed = false;
  private readonly onUpdateEnd = () => this.afterUpdate();

  constructor(
    private readonly buffer: SourceBuffer,
    private readonly video: HTMLVideoElement,
  ) {
    buffer.addEventListener('updateend', this.onUpdateEnd);
    buffer.addEventListener('error', () => (this.failed = true));
  }

  /** False when the tab cannot keep up (too much queued): the caller reopens at the live edge. */
  push(chunk: Uint8Array): boolean {
    if (this.closed || this.failed) return false;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > maxQueuedBytes) return false;
    this.next();
    return true;
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    this.buffer.removeEventListener('updateend', this.onUpdateEnd);
  }

  private next(): void {
    if (this.closed || this.buffer.updating || this.queue.length === 0) return;
    const data = this.queue.length === 1 ? this.queue[0]! : concat(this.queue);
    try {
      this.buffer.appendBuffer(data as Uint8Array<ArrayBuffer>);
      this.queue = [];
      this.queuedBytes = 0;
      this.quotaRetries = 0;
    } catch (error) {
      if (error instanceof DOMException && error.name === 'QuotaExceededError' && this.quotaRetries < 2) {
        // Full: drop everything behind the playhead, then try the same bytes again on updateend.
        this.quotaRetries++;
        this.queue = [data];
        this.removeBehind(1);
        return;
      }
      this.failed = true;
    }
  }

  private removeBehind(keepSeconds: number): boolean {
    const ranges = this.buffer.buffered;
    if (ranges.length === 0) return false;
    const cut = this.video.currentTime - keepSeconds;
    if (cut <= ranges.start(0) + 0.5) return false;
    try {
      this.buffer.remove(0, cut);
      return true;
    } catch {
      return false;
    }
  }

  private afterUpdate(): void {
    if (this.closed) return;
    this.followLiveEdge();
    const now = this.video.currentTime;
    if (!this.buffer.updating && now - this.lastTrimAt > trimEverySeconds) {
      this.lastTrimAt = now;
      if (this.removeBehind(keepBehindSeconds)) return; // the append continues on the next updateend
    }
    this.next();
  }

  private followLiveEdge(): void {
    const ranges = this.buffer.buffered;
    if (ranges.length === 0) return;
    const last = ranges.length - 1;
    const start = ranges.start(last);
    const end = ranges.end(last);
    const grew = end - this.lastEnd;
    const appended = this.lastEnd > 0 && grew > 0.02 && grew < 10;
    // Measured per append, never from the first data (a new viewer's first appends carry the
    // GOP so far, so the first growth is capped): an average, since reads split and join fragments.
    if (appended) this.fragmentSeconds = this.fragmentSeconds === 0 ? Math.min(1, grew) : this.fragmentSeconds * 0.7 + grew * 0.3;
    this.lastEnd = end;
    const video = this.video;
    if (!this.started) {
      // First data (the GOP so far, from its keyframe): start near its end, not at its keyframe,
      // so a new viewer is at the live edge from the first frame shown.
      this.started = true;
      video.currentTime = Math.max(start, end - startBehindSeconds);
      video.play().catch(() => undefined);
      return;
    }
    const margin = (this.fragmentSeconds === 0 ? startBehindSeconds - liveEdgeSlackSeconds : Math.min(4, this.fragmentSeconds)) + liveEdgeSlackSeconds;
    const lag = end - video.currentTime;
    if (video.currentTime < start || lag > Math.max(seekBehindSeconds, margin + 0.75)) {
      video.currentTime = Math.max(start, end - margin);
      video.playbackRate = 1;
    } else if (appended) {
      // Judged right after an append, when the lag is at its largest: a trim's updateend says nothing new.
      video.playbackRate = lag > margin + 0.1 ? catchUpRate : lag < margin - 0.15 ? slowDownRate : 1;
    }
    if (video.paused) video.play().catch(() => undefined);
  }
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
