/**
 * What every recorded-playback engine offers the timeline (RecordedPlayback), and the video
 * element plumbing the engines share: listeners removed at destroy, the wanted speed and
 * play/pause, and the seek latency published as observable state (observableState.ts).
 */
import { showState } from '../observableState.ts';

export type PlayerPhase = 'idle' | 'loading' | 'playing' | 'paused' | 'waiting' | 'no-recording' | 'error';

export interface PlayerStatus {
  phase: PlayerPhase;
  /** Words for the homeowner when there is something to say (gap skipped, nothing recorded, failure). */
  message: string | null;
}

export interface RecordedPlayback {
  /** Wall-clock time (ms) of the picture on screen, or null before anything is loaded. */
  wallNow(): number | null;
  seek(wallMs: number): Promise<void>;
  setSpeed(speed: number): void;
  play(): void;
  pause(): void;
  readonly playing: boolean;
  /** Which recording is on screen, in words, when it is not the main stream as recorded (H.265 fallback). */
  readonly sourceNote: string | null;
  destroy(): void;
}

/** The shared half of an engine that plays into one video element. */
export abstract class VideoElementPlayback {
  protected wantPlaying = true;
  protected speed = 1;
  /** Media time the last seek landed on: the picture moves once currentTime passes it. */
  protected seekMediaTime = 0;
  private seekStartedAt: number | null = null;
  private readonly listeners: Array<[string, EventListener]> = [];

  constructor(
    protected readonly video: HTMLVideoElement,
    protected readonly onStatus: (status: PlayerStatus) => void,
  ) {}

  /** True once something is loaded that play() can start. */
  protected abstract loaded(): boolean;

  setSpeed(speed: number): void {
    this.speed = speed;
    this.video.playbackRate = speed;
    this.video.defaultPlaybackRate = speed;
  }

  play(): void {
    this.wantPlaying = true;
    if (this.loaded()) this.resume();
  }

  pause(): void {
    this.wantPlaying = false;
    this.video.pause();
    this.emit('paused', null);
  }

  get playing(): boolean {
    return this.wantPlaying;
  }

  protected emit(phase: PlayerPhase, message: string | null): void {
    this.onStatus({ phase, message });
  }

  protected on(type: string, listener: EventListener): void {
    this.video.addEventListener(type, listener);
    this.listeners.push([type, listener]);
  }

  /** Starts the picture; a refused play() (autoplay policy) leaves it paused, which the page shows. */
  protected resume(): void {
    void this.video.play().catch(() => undefined);
  }

  /** A seek starts now: its latency is measured until the picture moves (noteSeekProgress). */
  protected seekStarted(): void {
    this.seekStartedAt = performance.now();
  }

  /** A seek served by moving currentTime within what is loaded. */
  protected seekWithin(t: number): void {
    showState(this.video, 'seekKind', 'buffered');
    this.seekMediaTime = t;
    this.video.currentTime = t;
    if (this.wantPlaying) this.resume();
  }

  /** Call from timeupdate: publishes the seek latency once the picture moves past the seek. */
  protected noteSeekProgress(): void {
    if (this.seekStartedAt !== null && this.video.currentTime > this.seekMediaTime + 0.04 && !this.video.paused) {
      showState(this.video, 'seekLatencyMs', Math.round(performance.now() - this.seekStartedAt));
      this.seekStartedAt = null;
    }
  }

  /** Removes this engine's listeners and empties the element. */
  protected releaseVideo(): void {
    for (const [type, listener] of this.listeners) this.video.removeEventListener(type, listener);
    this.video.removeAttribute('src');
    this.video.load();
  }
}
