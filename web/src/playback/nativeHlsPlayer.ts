/**
 * Recorded playback by the browser's own HLS player (iPhones before iOS 17.1 have no Media
 * Source at all): <video src> is the playlist route for an hour from the chosen moment.
 * The playlist text is read first so media time maps back to wall time: media time runs
 * through the segments' EXTINF durations in order, and each segment's wall start is its
 * EXT-X-PROGRAM-DATE-TIME. Gaps between recordings take no media time. At the end of the
 * hour it moves on to the next playlist.
 */
import { VideoElementPlayback, type PlayerStatus, type RecordedPlayback } from './videoPlayback.ts';
import { showState } from '../observableState.ts';

/** How much wall time one playlist spans (the route allows up to 24 h). */
const windowMs = 60 * 60_000;
/** At the newest recording, look for new segments this often. */
const newestPollMs = 5_000;

export interface PlaylistSpan {
  /** Wall-clock start (ms) from EXT-X-PROGRAM-DATE-TIME. */
  wallStartMs: number;
  /** Media time where this segment starts (sum of the EXTINFs before it), seconds. */
  mediaStart: number;
  durationSeconds: number;
}

/** The segments of an HLS media playlist with their wall and media times. */
export function playlistSpans(text: string): PlaylistSpan[] {
  const spans: PlaylistSpan[] = [];
  let wallMs: number | null = null;
  let media = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) wallMs = Date.parse(line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length).trim());
    else if (line.startsWith('#EXTINF:')) {
      const duration = Number.parseFloat(line.slice('#EXTINF:'.length));
      if (!Number.isFinite(duration) || wallMs === null || !Number.isFinite(wallMs)) continue;
      spans.push({ wallStartMs: wallMs, mediaStart: media, durationSeconds: duration });
      media += duration;
      wallMs = null;
    }
  }
  return spans;
}

/** Media time of a wall time within the playlist (a gap maps to the next segment's start); null outside it. */
export function mediaTimeOf(spans: readonly PlaylistSpan[], wallMs: number): number | null {
  const first = spans[0];
  if (!first || wallMs < first.wallStartMs) return null;
  for (const span of spans) {
    const into = (wallMs - span.wallStartMs) / 1000;
    if (into < span.durationSeconds) return span.mediaStart + Math.max(0, into);
  }
  return null;
}

export function wallTimeOf(spans: readonly PlaylistSpan[], mediaSeconds: number): number | null {
  let found: PlaylistSpan | undefined;
  for (const span of spans) if (span.mediaStart <= mediaSeconds) found = span;
  return found ? found.wallStartMs + Math.min(mediaSeconds - found.mediaStart, found.durationSeconds) * 1000 : null;
}

export class NativeHlsPlayer extends VideoElementPlayback implements RecordedPlayback {
  /** Native HLS plays the recording as it is. */
  readonly sourceNote: string | null = null;
  private spans: PlaylistSpan[] = [];
  private generation = 0;
  private newestTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    video: HTMLVideoElement,
    private readonly cameraId: string,
    onStatus: (status: PlayerStatus) => void,
  ) {
    super(video, onStatus);
    this.on('playing', () => this.emit('playing', null));
    this.on('waiting', () => this.wantPlaying && this.emit('waiting', null));
    this.on('timeupdate', () => this.noteSeekProgress());
    this.on('ended', () => this.onEnded());
    this.on('error', () => {
      if (video.getAttribute('src')) this.emit('error', `The browser could not play this recording's playlist (${video.error?.message || 'media error ' + (video.error?.code ?? '?')}).`);
    });
  }

  protected loaded(): boolean {
    return this.spans.length > 0;
  }

  wallNow(): number | null {
    return this.spans.length ? wallTimeOf(this.spans, this.video.currentTime) : null;
  }

  async seek(wallMs: number): Promise<void> {
    this.seekStarted();
    const t = this.spans.length ? mediaTimeOf(this.spans, wallMs) : null;
    if (t !== null && this.video.readyState > 0) {
      this.seekWithin(t);
      return;
    }
    showState(this.video, 'seekKind', 'session');
    await this.load(wallMs);
  }

  destroy(): void {
    this.generation += 1;
    if (this.newestTimer) clearTimeout(this.newestTimer);
    this.releaseVideo();
  }

  private playlistUrl(fromMs: number): string {
    return `/api/cameras/${encodeURIComponent(this.cameraId)}/playlist.m3u8?from=${Math.floor(fromMs)}&to=${Math.ceil(fromMs + windowMs)}`;
  }

  /** Loads the playlist from wallMs; false when nothing is recorded from there on. */
  private async load(wallMs: number, quiet = false): Promise<boolean> {
    const generation = ++this.generation;
    if (!quiet) this.onStatus({ phase: 'loading', message: null });
    const url = this.playlistUrl(wallMs);
    let text: string;
    try {
      const response = await fetch(url, { credentials: 'same-origin' });
      if (response.status === 404) {
        if (!quiet && generation === this.generation) this.onStatus({ phase: 'no-recording', message: 'Nothing was recorded at that moment or after it. Pick a shaded part of the timeline.' });
        return false;
      }
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      text = await response.text();
    } catch (error) {
      if (generation === this.generation) this.onStatus({ phase: 'error', message: `Could not load the recording: ${(error as Error).message}` });
      return false;
    }
    if (generation !== this.generation) return false;
    const spans = playlistSpans(text);
    const first = spans[0];
    if (!first) return false;
    this.spans = spans;
    const startWall = Math.max(wallMs, first.wallStartMs);
    const t = mediaTimeOf(spans, startWall) ?? 0;
    this.seekMediaTime = t;
    showState(this.video, 'originMs', first.wallStartMs);
    // Metadata, or an error (which the 'error' listener puts in words): either ends the wait.
    const ready = new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => () => {
        this.video.removeEventListener('loadedmetadata', loaded);
        this.video.removeEventListener('error', failed);
        resolve(ok);
      };
      const loaded = done(true);
      const failed = done(false);
      this.video.addEventListener('loadedmetadata', loaded);
      this.video.addEventListener('error', failed);
    });
    this.video.src = url;
    if (!(await ready) || generation !== this.generation) return false;
    this.video.currentTime = t;
    this.video.playbackRate = this.speed;
    if (startWall > wallMs + 1000 && !quiet) {
      this.onStatus({ phase: 'loading', message: `Nothing was recorded at that moment; playing from ${new Date(startWall).toLocaleTimeString()}.` });
    }
    if (this.wantPlaying) this.resume();
    return true;
  }

  /** The playlist ran out: continue with what was recorded after it, polling at the newest recording. */
  private onEnded(): void {
    const last = this.spans[this.spans.length - 1];
    if (!last || !this.wantPlaying) return;
    const next = last.wallStartMs + last.durationSeconds * 1000 + 1;
    const generation = this.generation;
    void this.load(next, true).then((loaded) => {
      if (loaded || generation + 1 !== this.generation) return;
      this.onStatus({ phase: 'waiting', message: 'This is the newest recording; waiting for more…' });
      this.newestTimer = setTimeout(() => this.onEnded(), newestPollMs);
    });
  }
}
