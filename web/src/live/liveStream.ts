/**
 * One camera's live view: `GET /api/cameras/:id/live.mp4` (chunked fragmented MP4 from the
 * recorder's own RTSP connection, no transcoding) read with fetch + ReadableStream and
 * appended to a Media Source Extensions SourceBuffer.
 *
 * Why an HTTP stream and not a WebSocket: it is the same bytes on the same path, and the
 * route already carries the gate, the per-second revocation check, the session cookie and
 * the slow-viewer cut-off; a WebSocket would add a second transport to secure for no gain.
 *
 * Kept low-latency and bounded for a tab left open for days: the playhead is pulled to the
 * live edge when it lags, the buffer behind the playhead is trimmed, QuotaExceededError
 * frees space and retries once, and the stream is reopened (with bounded backoff) when the
 * server ends it, which it does whenever the camera reconnects and a new init segment comes.
 */
import { initSegmentLength, streamCodecs } from '../../../src/mp4/index.ts';
import { BufferFeeder, concat } from './bufferFeeder.ts';
import { showState } from '../observableState.ts';

export type LiveStatus =
  | { kind: 'idle' }
  | { kind: 'connecting'; reconnect: boolean }
  | { kind: 'playing' }
  /** 503: the camera has no feed right now (offline, retrying…); retried. */
  | { kind: 'no_feed'; message: string }
  /** 404: no such camera, or this user may not see it. Not retried. */
  | { kind: 'not_found' }
  | { kind: 'unsupported'; codec: string; videoName: string | null }
  | { kind: 'no_mse' }
  /** Gave up after `maxFailures` attempts in a row; `retry()` starts again. */
  | { kind: 'failed'; message: string };

export interface LiveStreamOptions {
  url: string;
  video: HTMLVideoElement;
  onStatus(status: LiveStatus): void;
}

/** Consecutive failed attempts (no frame shown) before the tile asks for a click instead. */
const maxFailures = 30;
const firstRetryMs = 500;
const maxRetryMs = 10_000;
/** A stream that played this long counts as healthy: when it ends (camera reconnect) it is reopened at once. */
const healthyStreamMs = 5_000;
/** A stream that delivers nothing this long is treated as dead and reopened. */
const stallMs = 15_000;
/** The init segment is a few hundred bytes; anything this big before a moov is not our stream. */
const maxInitBytes = 2 * 1024 * 1024;

type Outcome = { kind: 'retry'; played: boolean } | { kind: 'final' };

type MediaSourceCtor = typeof MediaSource;

function mediaSourceCtor(): MediaSourceCtor | null {
  // iOS Safari 17+ offers only ManagedMediaSource; everything else MediaSource.
  const w = window as unknown as { ManagedMediaSource?: MediaSourceCtor; MediaSource?: MediaSourceCtor };
  return w.ManagedMediaSource ?? w.MediaSource ?? null;
}

export class LiveStream {
  private generation = 0;
  private running = false;
  private controller: AbortController | null = null;
  private objectUrl: string | null = null;
  private wakeRetry: (() => void) | null = null;
  private firstFrameReported = false;
  private lastStatus: LiveStatus['kind'] = 'idle';
  private readonly options: LiveStreamOptions;

  constructor(options: LiveStreamOptions) {
    // Every status goes through here, so the retry loop knows what the viewer currently sees.
    this.options = { ...options, onStatus: (status) => ((this.lastStatus = status.kind), options.onStatus(status)) };
  }

  /** Starts (or keeps) the stream; safe to call repeatedly. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const generation = ++this.generation;
    void this.run(generation);
  }

  /** Stops fetching at once (tile off-screen, page hidden, unmounted) and frees the decoder. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.controller?.abort();
    this.controller = null;
    this.wakeRetry?.();
    this.detach();
    this.options.onStatus({ kind: 'idle' });
  }

  private alive(generation: number): boolean {
    return this.running && generation === this.generation;
  }

  private async run(generation: number): Promise<void> {
    let failures = 0;
    let reconnect = false;
    // Bounded: at most maxFailures attempts in a row that show nothing, each delayed by a capped backoff.
    while (this.alive(generation) && failures < maxFailures) {
      // Say "connecting" on the first try and when a playing stream could not be reopened; otherwise keep the last words (e.g. no feed).
      if (!reconnect || (failures > 0 && this.lastStatus === 'playing')) this.options.onStatus({ kind: 'connecting', reconnect });
      const outcome = await this.connectOnce(generation).catch((error: unknown): Outcome => {
        console.warn('live view', this.options.url, error);
        return { kind: 'retry', played: false };
      });
      this.controller = null;
      if (!this.alive(generation)) return;
      if (outcome.kind === 'final') {
        this.running = false;
        return;
      }
      failures = outcome.played ? 0 : failures + 1;
      reconnect = true;
      // A stream that played and ended (camera reconnect) is reopened at once; failures back off with jitter.
      const delayMs = outcome.played ? 150 : Math.min(maxRetryMs, firstRetryMs * 2 ** (failures - 1)) * (0.5 + Math.random() * 0.5);
      await this.sleep(delayMs);
    }
    if (this.alive(generation)) {
      this.running = false;
      this.detach();
      this.options.onStatus({ kind: 'failed', message: `Live video did not start after ${maxFailures} attempts.` });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeRetry = done;
    });
  }

  private detach(): void {
    const { video } = this.options;
    if (this.objectUrl) {
      video.removeAttribute('src');
      video.load(); // releases the decoder and shows the poster again
      URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = null;
    }
  }

  private async connectOnce(generation: number): Promise<Outcome> {
    const controller = new AbortController();
    this.controller = controller;
    let response: Response;
    performance.mark(`live:fetch ${this.options.url}`);
    try {
      response = await fetch(this.options.url, { signal: controller.signal, credentials: 'same-origin', cache: 'no-store' });
    } catch {
      return { kind: 'retry', played: false };
    }
    if (!this.alive(generation)) return { kind: 'final' };
    if (response.status === 404) {
      this.options.onStatus({ kind: 'not_found' });
      return { kind: 'final' };
    }
    if (response.status === 503) {
      const body = (await response.json().catch(() => ({}))) as { message?: string };
      this.options.onStatus({ kind: 'no_feed', message: body.message ?? 'The camera is not streaming right now.' });
      return { kind: 'retry', played: false };
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'retry', played: false };
    }
    const reader = response.body.getReader();
    try {
      return await this.pump(generation, reader, controller);
    } finally {
      controller.abort();
      reader.releaseLock();
    }
  }

  /** Reads with a stall timer: a stream that goes quiet is aborted rather than waited on forever. */
  private async read(reader: ReadableStreamDefaultReader<Uint8Array>, controller: AbortController): Promise<Uint8Array | null> {
    const timer = setTimeout(() => controller.abort(), stallMs);
    try {
      const { done, value } = await reader.read();
      return done ? null : value;
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  private async pump(generation: number, reader: ReadableStreamDefaultReader<Uint8Array>, controller: AbortController): Promise<Outcome> {
    // 1. The init segment (ftyp+moov) names the codec.
    let head: Uint8Array = new Uint8Array(0);
    let initLength: number | null = null;
    while (initLength === null) {
      const chunk = await this.read(reader, controller);
      if (!chunk || !this.alive(generation)) return { kind: 'retry', played: false };
      head = concat([head, chunk]);
      if (head.length > maxInitBytes) return { kind: 'retry', played: false };
      initLength = initSegmentLength(head);
    }
    performance.mark(`live:init ${this.options.url}`);
    const codecs = streamCodecs(head.subarray(0, initLength));
    if (!codecs) return { kind: 'retry', played: false };
    const Source = mediaSourceCtor();
    if (!Source) {
      this.options.onStatus({ kind: 'no_mse' });
      return { kind: 'final' };
    }
    if (!Source.isTypeSupported(codecs.mime)) {
      this.options.onStatus({ kind: 'unsupported', codec: codecs.codecs[0] ?? codecs.mime, videoName: codecs.videoName });
      return { kind: 'final' };
    }

    // 2. A fresh MediaSource per stream: a camera reconnect brings new timestamps and maybe a new codec.
    this.detach();
    const { video } = this.options;
    const source = new Source();
    this.objectUrl = URL.createObjectURL(source);
    video.disableRemotePlayback = true; // ManagedMediaSource plays only with this set
    video.src = this.objectUrl;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('MediaSource did not open')), 10_000);
      source.addEventListener('sourceopen', () => (clearTimeout(timer), resolve()), { once: true });
    });
    if (!this.alive(generation)) return { kind: 'final' };
    const buffer = source.addSourceBuffer(codecs.mime);
    const feeder = new BufferFeeder(buffer, video);
    let played = false;
    const openedAt = performance.now();
    // Only a stream that kept playing a while resets the failure count: one that plays a frame and dies at once must back off.
    const playedWell = () => played && performance.now() - openedAt > healthyStreamMs;
    const onFrame = () => {
      if (played || !this.alive(generation)) return;
      played = true;
      this.reportFirstFrame();
      this.options.onStatus({ kind: 'playing' });
    };
    video.addEventListener('playing', onFrame);
    try {
      feeder.push(head);
      // 3. Fragments as they come, until the server ends the stream or we are stopped.
      for (;;) {
        if (feeder.failed) return { kind: 'retry', played: playedWell() };
        const chunk = await this.read(reader, controller);
        if (!chunk || !this.alive(generation)) return { kind: 'retry', played: playedWell() };
        if (!feeder.push(chunk)) return { kind: 'retry', played: playedWell() };
      }
    } finally {
      video.removeEventListener('playing', onFrame);
      feeder.close();
    }
  }

  /** Publishes the time of the first painted frame (ms since navigation) as observable state. */
  private reportFirstFrame(): void {
    if (this.firstFrameReported) return;
    this.firstFrameReported = true;
    const { video } = this.options;
    const mark = () => showState(video, 'firstFrameMs', Math.round(performance.now()));
    if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(mark);
    else mark();
  }
}
