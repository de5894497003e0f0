/**
 * The recorded player the timeline drives, whichever way the browser plays: it reads the
 * codec of the recording at the first moment asked for (from that segment's init section,
 * one small range request), lets chooseRecordedSource decide, then hands every call to
 * the engine chosen (MSE/ManagedMediaSource: MediaSourcePlayer; native HLS: NativeHlsPlayer),
 * or says in words why nothing can play.
 */
import { getSegments } from '../api.ts';
import { readInit, scanInit } from '../../../src/mp4/index.ts';
import { chooseRecordedSource, type RecordedSource, type RecordingCodec } from './chooseRecordedSource.ts';
import { NativeHlsPlayer } from './nativeHlsPlayer.ts';
import { mediaSourceApi, playbackSupport } from './playbackSupport.ts';
import { MediaSourcePlayer } from './mediaSourcePlayer.ts';
import type { PlayerStatus, RecordedPlayback } from './videoPlayback.ts';
import { showState } from '../observableState.ts';

/** The init section of a recorder segment is a few KiB; this much covers it in one request. */
const initProbeBytes = 64 * 1024;

/** Reads the codec of the segment recorded at (or next after) wallMs; null when nothing is recorded there. */
async function recordingCodecAt(cameraId: string, wallMs: number, signal: AbortSignal): Promise<RecordingCodec | null> {
  const segments = (await getSegments(cameraId, wallMs - 60_000, wallMs + 15 * 60_000)).sort((a, b) => a.start - b.start);
  const segment = segments.find((s) => s.end > wallMs);
  if (!segment) return null;
  let response = await fetch(segment.url, { credentials: 'same-origin', headers: { Range: `bytes=0-${initProbeBytes - 1}` }, signal });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  let head = new Uint8Array(await response.arrayBuffer());
  if (scanInit(head, segment.bytes).kind === 'incomplete') {
    response = await fetch(segment.url, { credentials: 'same-origin', signal });
    head = new Uint8Array(await response.arrayBuffer());
  }
  const init = readInit(head);
  return { mimeType: init?.mime ?? null, codecs: init?.codecs ?? [], videoName: init?.videoName ?? null };
}

export class RecordedPlaybackSwitch implements RecordedPlayback {
  private engine: RecordedPlayback | null = null;
  private choosing: AbortController | null = null;
  private speed = 1;
  private wantPlaying = true;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly cameraId: string,
    private readonly onStatus: (status: PlayerStatus) => void,
  ) {}

  wallNow(): number | null {
    return this.engine?.wallNow() ?? null;
  }

  get sourceNote(): string | null {
    return this.engine?.sourceNote ?? null;
  }

  async seek(wallMs: number): Promise<void> {
    if (this.engine) return this.engine.seek(wallMs);
    this.choosing?.abort();
    const choosing = new AbortController();
    this.choosing = choosing;
    this.onStatus({ phase: 'loading', message: null });
    let codec: RecordingCodec | null;
    try {
      codec = await recordingCodecAt(this.cameraId, wallMs, choosing.signal);
    } catch (error) {
      if (!choosing.signal.aborted) this.onStatus({ phase: 'error', message: `Could not load the recording: ${(error as Error).message}` });
      return;
    }
    if (choosing.signal.aborted) return;
    this.choosing = null;
    if (!codec) {
      this.onStatus({ phase: 'no-recording', message: 'Nothing was recorded at that moment or after it. Pick a shaded part of the timeline.' });
      return;
    }
    const source = chooseRecordedSource(codec, playbackSupport(this.video));
    this.describe(source, codec);
    const engine = this.engineFor(source);
    if (!engine) {
      if (source.kind === 'none') this.onStatus({ phase: 'error', message: source.message });
      return;
    }
    this.engine = engine;
    engine.setSpeed(this.speed);
    if (!this.wantPlaying) engine.pause();
    await engine.seek(wallMs);
  }

  setSpeed(speed: number): void {
    this.speed = speed;
    this.engine?.setSpeed(speed);
  }

  play(): void {
    this.wantPlaying = true;
    this.engine?.play();
  }

  pause(): void {
    this.wantPlaying = false;
    this.engine?.pause();
  }

  get playing(): boolean {
    return this.engine?.playing ?? this.wantPlaying;
  }

  destroy(): void {
    this.choosing?.abort();
    this.engine?.destroy();
    this.engine = null;
  }

  private engineFor(source: RecordedSource): RecordedPlayback | null {
    if (source.kind === 'hls') return new NativeHlsPlayer(this.video, this.cameraId, this.onStatus);
    const api = mediaSourceApi();
    if (source.kind === 'mse' && api) return new MediaSourcePlayer(this.video, this.cameraId, this.onStatus, api.Source, playbackSupport(this.video));
    return null;
  }

  /** Publishes which way this recording plays, and its codec, as observable state. */
  private describe(source: RecordedSource, codec: RecordingCodec): void {
    showState(this.video, 'playback', source.kind === 'mse' ? source.api : source.kind === 'hls' ? 'hls' : `none:${source.reason}`);
    showState(this.video, 'codec', codec.codecs.join(','));
  }
}
