/**
 * One MPEG-1 transcoder per camera, shared by everyone watching the fallback view:
 * started by the first viewer, stopped a few seconds after the last one leaves (a page
 * reload should not restart it), restarted with the feed when the camera reconnects.
 * Supervised like the recorder: an ffmpeg that dies while people watch is restarted with
 * a bounded backoff and its error is logged with the camera.
 */
import type { Logger } from '../log.ts';
import type { LiveSource } from './liveSource.ts';
import { startMpeg1Transcoder, type Mpeg1Transcoder } from './mpeg1Transcoder.ts';

export interface Mpeg1Viewer {
  data(chunk: Buffer): void;
  /** The camera's feed is gone (offline, not streaming): the viewer should end. */
  end(why: string): void;
}

export interface Mpeg1FanoutOptions {
  live: LiveSource;
  ffmpegPath: string;
  log: Logger;
  width?: number;
  bitrateKbps?: number;
  fps?: number;
  /** How long a transcoder outlives its last viewer. */
  idleStopMs?: number;
}

interface CameraTranscode {
  viewers: Set<Mpeg1Viewer>;
  transcoder: Mpeg1Transcoder | null;
  unsubscribe: (() => void) | null;
  idleTimer: NodeJS.Timeout | null;
  restartTimer: NodeJS.Timeout | null;
  failures: number;
}

export class Mpeg1Fanout {
  private readonly cameras = new Map<string, CameraTranscode>();

  constructor(private readonly options: Mpeg1FanoutOptions) {}

  /** Adds a viewer; null when the camera has no live feed right now. Returns the unsubscribe. */
  watch(cameraId: string, viewer: Mpeg1Viewer): (() => void) | null {
    let entry = this.cameras.get(cameraId);
    if (!entry) {
      entry = { viewers: new Set(), transcoder: null, unsubscribe: null, idleTimer: null, restartTimer: null, failures: 0 };
      this.cameras.set(cameraId, entry);
    }
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = null;
    if (!entry.unsubscribe && !this.connect(cameraId, entry)) {
      if (entry.viewers.size === 0) this.cameras.delete(cameraId);
      return null;
    }
    entry.viewers.add(viewer);
    return () => this.leave(cameraId, viewer);
  }

  /** Running transcoders and their viewers, for /metrics and tests. */
  stats(): Array<{ cameraId: string; viewers: number; pid: number | undefined }> {
    return [...this.cameras].map(([cameraId, e]) => ({ cameraId, viewers: e.viewers.size, pid: e.transcoder?.pid }));
  }

  stopAll(): void {
    for (const [cameraId, entry] of this.cameras) {
      for (const viewer of entry.viewers) viewer.end('stopping');
      this.teardown(cameraId, entry);
    }
  }

  private connect(cameraId: string, entry: CameraTranscode): boolean {
    const unsubscribe = this.options.live.subscribe(cameraId, {
      init: (segment) => {
        // First init, or a reconnect's new one: a fresh transcoder for the new stream.
        entry.transcoder?.stop();
        entry.transcoder = this.spawn(cameraId, entry);
        entry.transcoder.write(segment);
      },
      fragment: (fragment) => {
        if (entry.transcoder && !entry.transcoder.write(fragment)) {
          this.options.log.warn('fallback live view cannot keep up; restarting its transcoder', { event: 'live.mpeg1_slow', camera: cameraId });
          entry.transcoder.stop();
          entry.transcoder = null; // the next init (after the feed's reset) starts a new one
        }
      },
      reset: () => {
        entry.transcoder?.stop();
        entry.transcoder = null;
      },
    });
    if (!unsubscribe) return false;
    entry.unsubscribe = unsubscribe;
    return true;
  }

  private spawn(cameraId: string, entry: CameraTranscode): Mpeg1Transcoder {
    const transcoder: Mpeg1Transcoder = startMpeg1Transcoder({
      ffmpegPath: this.options.ffmpegPath,
      width: this.options.width ?? 640,
      bitrateKbps: this.options.bitrateKbps ?? 1000,
      // MPEG-1 allows only the broadcast rates (24, 25, 30…): 25 repeats a 15 fps camera's frames.
      fps: this.options.fps ?? 25,
      onData: (chunk) => {
        entry.failures = 0;
        for (const viewer of entry.viewers) viewer.data(chunk);
      },
      onExit: (code, signal, stderrTail) => {
        if (entry.transcoder !== transcoder) return; // stopped on purpose
        entry.transcoder = null;
        entry.failures += 1;
        this.options.log.error('fallback live transcoder exited', { event: 'live.mpeg1_exit', camera: cameraId, code, signal, stderr: stderrTail.slice(-300) });
        if (entry.viewers.size === 0) return;
        if (entry.failures >= 5) {
          for (const viewer of entry.viewers) viewer.end('transcoder_failed');
          this.teardown(cameraId, entry);
          return;
        }
        // Resubscribe: the feed replays its init segment, which starts a new transcoder.
        entry.unsubscribe?.();
        entry.unsubscribe = null;
        entry.restartTimer = setTimeout(() => {
          entry.restartTimer = null;
          if (entry.viewers.size > 0 && !this.connect(cameraId, entry)) {
            for (const viewer of entry.viewers) viewer.end('no_feed');
            this.teardown(cameraId, entry);
          }
        }, 500 * 2 ** entry.failures);
      },
    });
    this.options.log.info('fallback live transcoder started', { event: 'live.mpeg1_start', camera: cameraId, pid: transcoder.pid });
    return transcoder;
  }

  private leave(cameraId: string, viewer: Mpeg1Viewer): void {
    const entry = this.cameras.get(cameraId);
    if (!entry || !entry.viewers.delete(viewer) || entry.viewers.size > 0) return;
    entry.idleTimer = setTimeout(() => {
      if (entry.viewers.size === 0) this.teardown(cameraId, entry);
    }, this.options.idleStopMs ?? 5000);
    entry.idleTimer.unref();
  }

  private teardown(cameraId: string, entry: CameraTranscode): void {
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    if (entry.restartTimer) clearTimeout(entry.restartTimer);
    entry.unsubscribe?.();
    entry.unsubscribe = null;
    const transcoder = entry.transcoder;
    entry.transcoder = null;
    transcoder?.stop();
    if (this.cameras.get(cameraId) === entry) this.cameras.delete(cameraId);
    if (transcoder) this.options.log.info('fallback live transcoder stopped', { event: 'live.mpeg1_stop', camera: cameraId });
  }
}
