/**
 * Recorded playback through Media Source Extensions. Chromium has no native HLS, and each
 * recorded segment is its own fragmented MP4, so the player appends segment after
 * segment into one SourceBuffer, placing each at its wall-clock start:
 *   media time t  <->  wall time originMs + t * 1000
 * where originMs is the start of the first segment of this "session". Consecutive segments
 * of one recorder run carry continuous decode times and keep the previous offset (no
 * seam); a segment whose clock restarted (recorder restart, reset timestamps) is re-placed
 * from its database start time. Gaps between recordings stay gaps in the media timeline
 * and are skipped by jumping currentTime. A seek inside what is buffered moves currentTime;
 * anywhere else starts a fresh session (new MediaSource), which costs one segment fetch.
 * With ManagedMediaSource (iOS Safari) the browser says when it wants data
 * (startstreaming/endstreaming); the player then fetches ahead only while it is asked to.
 */
import { getSegments, type Segment } from '../api.ts';
import { segmentFacts } from '../../../src/mp4/index.ts';
import { chooseRecordedSource, type PlaybackSupport } from './chooseRecordedSource.ts';
import type { MediaSourceCtor } from './playbackSupport.ts';
import { asRecorded, chooseHevcFallback, responseReason, getStreamSegments, isHevcType, variantNote, variantUrl, type PlaybackVariant } from './hevcFallback.ts';
import { bufferOp, isBuffered, nearGap, skipGap } from './sourceBufferOps.ts';
import { VideoElementPlayback, type PlayerStatus, type RecordedPlayback } from './videoPlayback.ts';
import { showState } from '../observableState.ts';

/** How far ahead to keep buffered, in seconds of media (times the speed). */
const aheadSeconds = 20;
/** Buffered media kept behind the playhead before it is evicted (memory on phones). */
const behindSeconds = 60;
/** Segments are listed this far ahead of the playhead per request. */
const listAheadMs = 15 * 60_000;
/** Decode-time continuity within this much of the database start keeps the previous offset. */
const continuityToleranceSeconds = 1.5;
/** While at the newest recording, ask for new segments this often. */
const liveEdgePollMs = 3_000;
/** After ManagedMediaSource's endstreaming, still keep this much ahead (it may have evicted some). */
const minAheadSeconds = 4;

interface Session {
  generation: number;
  abort: AbortController;
  mediaSource: MediaSource;
  objectUrl: string;
  sourceBuffer: SourceBuffer | null;
  mimeType: string | null;
  originMs: number;
  /** timestampOffset used for the last appended segment and the decode time it ended at. */
  lastOffsetSeconds: number | null;
  segments: Segment[];
  nextIndex: number;
  busy: boolean;
  lastListedToMs: number;
  nextListPollAt: number;
  /** ManagedMediaSource's wish for data (startstreaming/endstreaming); null for a plain MediaSource. */
  streaming: boolean | null;
  /** H.265 fallback (hevcFallback.ts): which stream is fetched, and whether Hearth converts it. */
  variant: PlaybackVariant;
}

export class MediaSourcePlayer extends VideoElementPlayback implements RecordedPlayback {
  private session: Session | null = null;
  private generation = 0;
  /** Which recording is on screen, in words, when it is not the main stream as recorded (H.265 fallback). */
  sourceNote: string | null = null;
  /** The fallback the last session settled on: the next seek starts there instead of re-trying the main stream. */
  private preferred: PlaybackVariant = asRecorded;
  /** Keeps the pump going while the video is stalled at the newest recording (no timeupdate then). */
  private readonly tick: ReturnType<typeof setInterval>;

  constructor(
    video: HTMLVideoElement,
    private readonly cameraId: string,
    onStatus: (status: PlayerStatus) => void,
    private readonly Source: MediaSourceCtor,
    private readonly support: PlaybackSupport,
  ) {
    super(video, onStatus);
    this.on('timeupdate', () => this.onTimeUpdate());
    this.on('waiting', () => {
      skipGap(this.video);
      if (this.wantPlaying) this.emit('waiting', null);
    });
    this.on('playing', () => this.emit('playing', null));
    this.on('pause', () => {
      if (!this.wantPlaying) this.emit('paused', null);
    });
    this.tick = setInterval(() => {
      if (this.session) void this.pump(this.session);
    }, 1000);
    this.on('error', () => this.emit('error', `The browser could not play this recording (${video.error?.message || 'media error ' + (video.error?.code ?? '?')}).`));
  }

  protected loaded(): boolean {
    return Boolean(this.session?.sourceBuffer);
  }

  /** Wall-clock time (ms) of the picture on screen, or null before anything is loaded. */
  wallNow(): number | null {
    const session = this.session;
    if (!session || session.sourceBuffer === null) return null;
    return session.originMs + this.video.currentTime * 1000;
  }

  async seek(wallMs: number): Promise<void> {
    this.seekStarted();
    const session = this.session;
    if (session && session.sourceBuffer) {
      const t = (wallMs - session.originMs) / 1000;
      if (t >= 0 && isBuffered(this.video, t)) {
        this.seekWithin(t);
        return;
      }
    }
    showState(this.video, 'seekKind', 'session');
    await this.startSession(wallMs);
  }

  destroy(): void {
    clearInterval(this.tick);
    this.generation += 1;
    this.endSession();
    this.releaseVideo();
  }

  private endSession(): void {
    const session = this.session;
    this.session = null;
    if (!session) return;
    session.abort.abort();
    URL.revokeObjectURL(session.objectUrl);
  }

  private async startSession(wallMs: number): Promise<void> {
    this.endSession();
    const generation = ++this.generation;
    const abort = new AbortController();
    const mediaSource = new this.Source();
    const managed = 'streaming' in mediaSource;
    const objectUrl = URL.createObjectURL(mediaSource);
    const opened = new Promise<void>((resolve) => mediaSource.addEventListener('sourceopen', () => resolve(), { once: true }));
    // ManagedMediaSource opens only with remote playback (AirPlay) off or given another source.
    this.video.disableRemotePlayback = true;
    this.video.src = objectUrl;
    this.emit('loading', null);
    let segments: Segment[];
    try {
      segments = await getSegments(this.cameraId, wallMs - 60_000, wallMs + listAheadMs);
    } catch (error) {
      if (generation === this.generation) this.emit('error', `Could not list recordings: ${(error as Error).message}`);
      return;
    }
    if (generation !== this.generation) return;
    segments.sort((a, b) => a.start - b.start);
    const index = segments.findIndex((s) => s.end > wallMs);
    const first = segments[index];
    if (!first) {
      URL.revokeObjectURL(objectUrl);
      this.emit('no-recording', 'Nothing was recorded at that moment or after it. Pick a shaded part of the timeline.');
      return;
    }
    const startWall = Math.max(wallMs, first.start);
    const session: Session = {
      generation,
      abort,
      mediaSource,
      objectUrl,
      sourceBuffer: null,
      mimeType: null,
      originMs: first.start,
      lastOffsetSeconds: null,
      segments,
      nextIndex: index,
      busy: false,
      lastListedToMs: wallMs + listAheadMs,
      nextListPollAt: 0,
      streaming: managed ? Boolean((mediaSource as MediaSource & { streaming?: boolean }).streaming) : null,
      variant: asRecorded,
    };
    if (managed) {
      const wish = (streaming: boolean) => () => {
        session.streaming = streaming;
        if (streaming && session.generation === this.generation) void this.pump(session);
      };
      mediaSource.addEventListener('startstreaming', wish(true), { signal: abort.signal });
      mediaSource.addEventListener('endstreaming', wish(false), { signal: abort.signal });
    }
    this.session = session;
    if (this.preferred !== asRecorded && !(await this.fallBack(session, startWall, this.preferred.convert ? { stream: 'sub', convert: false } : asRecorded))) return;
    showState(this.video, 'originMs', session.originMs);
    await opened;
    if (generation !== this.generation) return;
    const appended = await this.appendNext(session);
    if (!appended || generation !== this.generation) return;
    const t = (startWall - session.originMs) / 1000;
    this.seekMediaTime = t;
    this.video.currentTime = t;
    this.video.playbackRate = this.speed;
    if (startWall > wallMs + 1000) {
      this.emit('loading', `Nothing was recorded at that moment; playing from ${new Date(startWall).toLocaleTimeString()}.`);
    }
    if (this.wantPlaying) this.resume();
    void this.pump(session);
  }

  /** Fetches and appends session.segments[nextIndex]; false when that failed. */
  private async appendNext(session: Session): Promise<boolean> {
    const segment = session.segments[session.nextIndex];
    if (!segment) return false;
    let bytes: ArrayBuffer;
    try {
      const response = await fetch(variantUrl(segment, session.variant), { credentials: 'same-origin', signal: session.abort.signal });
      if (!response.ok) throw new Error(await responseReason(response));
      bytes = await response.arrayBuffer();
    } catch (error) {
      if (session.abort.signal.aborted) return false;
      // Retention may have deleted it meanwhile: skip to the next one.
      session.nextIndex += 1;
      if (session.sourceBuffer === null) this.emit('error', `Could not load the recording: ${(error as Error).message}`);
      return false;
    }
    if (session.generation !== this.generation) return false;
    const facts = segmentFacts(new Uint8Array(bytes)) ?? { mimeType: null, codecs: [], videoName: null, timescale: 90_000, firstDecodeSeconds: 0 };
    try {
      if (session.sourceBuffer === null) {
        // Asked again at every session: a camera may have changed codec between recordings.
        const choice = chooseRecordedSource(facts, this.support);
        // H.265 this browser cannot decode: the sub stream or Hearth's H.264 copy (each tried once).
        const hevc = (choice.kind === 'mse' && choice.hevcFallback === true) || (choice.kind === 'none' && choice.reason === 'codec' && isHevcType(facts.mimeType ?? ''));
        if (hevc || (choice.kind === 'none' && session.variant !== asRecorded)) {
          return (await this.fallBack(session, Math.max(segment.start, session.originMs), session.variant)) && this.appendNext(session);
        }
        if (choice.kind !== 'mse') {
          this.emit('error', choice.kind === 'none' ? choice.message : 'This recording needs another player: pick the moment again.');
          return false;
        }
        session.sourceBuffer = session.mediaSource.addSourceBuffer(choice.mimeType);
        session.sourceBuffer.mode = 'segments';
        session.mimeType = choice.mimeType;
      } else if (facts.mimeType !== null && facts.mimeType !== session.mimeType && 'changeType' in session.sourceBuffer) {
        session.sourceBuffer.changeType(facts.mimeType);
        session.mimeType = facts.mimeType;
      }
      const expected = (segment.start - session.originMs) / 1000;
      let offset = expected - facts.firstDecodeSeconds;
      if (session.lastOffsetSeconds !== null && Math.abs(facts.firstDecodeSeconds + session.lastOffsetSeconds - expected) < continuityToleranceSeconds) {
        offset = session.lastOffsetSeconds;
      }
      await this.evictBehind(session);
      session.sourceBuffer.timestampOffset = offset;
      await bufferOp(session.sourceBuffer, (sb) => sb.appendBuffer(bytes));
      session.lastOffsetSeconds = offset;
      session.nextIndex += 1;
      return true;
    } catch (error) {
      if (session.generation !== this.generation) return false;
      if ((error as DOMException).name === 'QuotaExceededError') {
        await this.evictBehind(session, 5);
        return false; // the pump retries on the next tick
      }
      this.emit('error', `Playback stopped: ${(error as Error).message}`);
      return false;
    }
  }

  /**
   * Switches the session to the next H.265 fallback after `tried` (sub stream, then
   * conversion); false, with words for the homeowner, when none is left.
   */
  private async fallBack(session: Session, wallMs: number, tried: PlaybackVariant): Promise<boolean> {
    const choice = await chooseHevcFallback(this.cameraId, wallMs, wallMs + listAheadMs, tried, (mime) => this.support.mse?.isTypeSupported(mime) ?? false);
    if (session.generation !== this.generation) return false;
    if (choice.variant === null) {
      this.preferred = asRecorded;
      this.sourceNote = null;
      this.emit('error', choice.message);
      return false;
    }
    let segments = choice.segments;
    if (segments === null && session.variant.stream !== 'main') {
      try {
        segments = await getSegments(this.cameraId, wallMs - 60_000, wallMs + listAheadMs);
      } catch (error) {
        this.emit('error', `Could not list recordings: ${(error as Error).message}`);
        return false;
      }
      if (session.generation !== this.generation) return false;
    }
    if (segments !== null) {
      segments.sort((a, b) => a.start - b.start);
      session.segments = segments;
      session.nextIndex = Math.max(0, segments.findIndex((s) => s.end > wallMs));
      const first = segments[session.nextIndex];
      // Nothing appended yet: media time 0 is where the new list starts, so no time is negative.
      if (session.sourceBuffer === null && first && first.start < session.originMs) {
        session.originMs = first.start;
        showState(this.video, 'originMs', session.originMs);
      }
    }
    session.variant = choice.variant;
    this.preferred = choice.variant;
    this.sourceNote = variantNote(choice.variant);
    showState(this.video, 'playbackSource', choice.variant.convert ? 'h264-copy' : choice.variant.stream);
    return true;
  }

  private async evictBehind(session: Session, keepSeconds = behindSeconds): Promise<void> {
    const sb = session.sourceBuffer;
    if (!sb || sb.buffered.length === 0) return;
    const cut = this.video.currentTime - keepSeconds;
    if (sb.buffered.start(0) < cut - 1) await bufferOp(sb, (b) => b.remove(0, cut));
  }

  /** Keeps `aheadSeconds × speed` buffered: appends the next segment, lists more when the list runs out. */
  private async pump(session: Session): Promise<void> {
    if (session.busy || session.generation !== this.generation) return;
    session.busy = true;
    try {
      // Bounded: each pass appends at most one segment or lists once.
      for (let pass = 0; pass < 8 && session.generation === this.generation; pass += 1) {
        const sb = session.sourceBuffer;
        if (!sb) return;
        const bufferedEnd = sb.buffered.length ? sb.buffered.end(sb.buffered.length - 1) : 0;
        const ahead = bufferedEnd - this.video.currentTime;
        if (ahead > aheadSeconds * this.speed) return;
        if (session.streaming === false && ahead > minAheadSeconds) return;
        if (session.nextIndex >= session.segments.length) {
          if (Date.now() < session.nextListPollAt) return;
          const last = session.segments[session.segments.length - 1];
          const fromMs = last ? last.end - 1 : session.lastListedToMs;
          let more: Segment[] = [];
          try {
            more = await getStreamSegments(this.cameraId, fromMs, Math.min(fromMs + listAheadMs, Date.now() + 60_000), session.variant.stream);
          } catch {
            session.nextListPollAt = Date.now() + liveEdgePollMs;
            return;
          }
          if (session.generation !== this.generation) return;
          const known = new Set(session.segments.map((s) => s.id));
          const fresh = more.filter((s) => !known.has(s.id)).sort((a, b) => a.start - b.start);
          if (fresh.length === 0) {
            session.nextListPollAt = Date.now() + liveEdgePollMs;
            return;
          }
          session.segments.push(...fresh);
        }
        const ok = await this.appendNext(session);
        if (!ok) return;
      }
    } finally {
      session.busy = false;
    }
  }

  private onTimeUpdate(): void {
    this.noteSeekProgress();
    const session = this.session;
    if (!session) return;
    const sb = session.sourceBuffer;
    if (sb && nearGap(sb, this.video.currentTime)) skipGap(this.video);
    void this.pump(session);
  }
}
