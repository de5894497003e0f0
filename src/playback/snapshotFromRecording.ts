/**
 * A snapshot source that needs no live decoder: the last frame of the camera's newest
 * recorded segment, as JPEG. The lead can swap in a live-frame source (SnapshotSource).
 */
import path from 'node:path';
import type { Db } from '../db/sqlite.ts';
import { snapshotFromSegmentArgs } from '../ffmpeg/args.ts';
import { ffmpegOutput } from '../ffmpeg/oneShot.ts';
import { newestSegments, type MediaSegment } from './mediaRows.ts';
import { OutsideRootError, resolveInCameraDir } from './safePath.ts';

export interface SnapshotOptions {
  /**
   * Only a picture taken at or after this time (ms) will do: a viewer with a live-only
   * grant must not get a frame from hours before the camera was turned off (L6).
   */
  newerThanMs?: number;
}

export interface SnapshotSource {
  /** A JPEG of what the camera saw most recently, or null when there is nothing (recent enough) to show. */
  snapshot(cameraId: string, options?: SnapshotOptions): Promise<Buffer | null>;
}

export interface SnapshotLimits {
  /** ffmpeg decoders at once, for the whole box (M5); default 2. */
  maxRunning?: number;
  /** Requests waiting for one; beyond this SnapshotBusyError; default 8. */
  maxWaiting?: number;
  /** A camera's last picture is reused this long, for every viewer the gate let through; default 2 s. */
  cacheMs?: number;
  now?: () => number;
}

const snapshotTimeoutMs = 10_000;
const maxSnapshotBytes = 8 * 1024 * 1024;
/**
 * The newest segment can vanish between the query and ffmpeg (pruned, set aside by an
 * identity check) or be unreadable (cut by a power loss): fall back to the ones before it.
 */
const segmentsTried = 3;

/** Too many snapshots are being made right now: the caller answers 503 with Retry-After. */
export class SnapshotBusyError extends Error {
  override name = 'SnapshotBusyError';
}

/** No frame could be read from any of the newest recordings: worth a retry, not a server fault. */
export class SnapshotUnavailableError extends Error {
  override name = 'SnapshotUnavailableError';
}

export function snapshotFromRecording(db: Db, recordingRoot: string, ffmpegPath: string, limits: SnapshotLimits = {}): SnapshotSource {
  const now = limits.now ?? Date.now;
  const cacheMs = limits.cacheMs ?? 2_000;
  const slots = new Semaphore(limits.maxRunning ?? 2, limits.maxWaiting ?? 8);
  // Keyed by camera and newest segment, never by user: the gate runs before every lookup.
  const cache = new Map<string, { segmentId: number; jpeg: Buffer; atMs: number }>();
  const pending = new Map<string, Promise<Buffer>>();

  const decode = async (cameraId: string, segments: MediaSegment[]): Promise<Buffer> => {
    const release = await slots.acquire();
    if (!release) throw new SnapshotBusyError(`too many snapshots are being made right now; try again in a few seconds`);
    try {
      const problems: string[] = [];
      for (const segment of segments) {
        // Only from the camera's own folder (L1): a mixed-up row is skipped like a missing file.
        const file = await resolveInCameraDir(recordingRoot, cameraId, segment.path).catch((error: unknown) => {
          if (error instanceof OutsideRootError) return null;
          throw error;
        });
        if (!file) continue;
        try {
          return await lastFrame(ffmpegPath, file);
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      throw new SnapshotUnavailableError(
        `could not read a frame from the ${segments.length} newest recordings of camera ${cameraId} (${problems[0] ?? 'files missing'}); try again in a few seconds`,
      );
    } finally {
      release();
    }
  };

  return {
    async snapshot(cameraId, options = {}) {
      const fresh = (s: MediaSegment): boolean => options.newerThanMs === undefined || s.endMs >= options.newerThanMs;
      const segments = newestSegments(db, cameraId, segmentsTried).filter(fresh);
      const newest = segments[0];
      if (!newest) return null;
      const cached = cache.get(cameraId);
      if (cached && cached.segmentId === newest.id && now() - cached.atMs < cacheMs) return cached.jpeg;
      // Viewers asking at the same moment share one decoder.
      const key = `${cameraId}\0${newest.id}`;
      let job = pending.get(key);
      if (!job) {
        job = decode(cameraId, segments);
        pending.set(key, job);
        const forget = (): void => void pending.delete(key);
        job.then((jpeg) => {
          forget();
          cache.set(cameraId, { segmentId: newest.id, jpeg, atMs: now() });
        }, forget);
      }
      return job;
    },
  };
}

/** A counting semaphore with a bounded queue: acquire() gives null when the queue is full. */
class Semaphore {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly max: number,
    private readonly maxWaiting: number,
  ) {}

  async acquire(): Promise<(() => void) | null> {
    if (this.running >= this.max) {
      if (this.waiting.length >= this.maxWaiting) return null;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    };
  }
}

async function lastFrame(ffmpegPath: string, file: string): Promise<Buffer> {
  let jpeg: Buffer;
  try {
    jpeg = await ffmpegOutput(snapshotFromSegmentArgs(file), { timeoutMs: snapshotTimeoutMs, maxOutputBytes: maxSnapshotBytes, ffmpegPath });
  } catch (error) {
    // ffmpeg's last line says why; the server's own paths are no business of a viewer.
    const why = (error as Error).message.replaceAll(file, path.basename(file)).replace(/^\[\w+\]\s*/, '').slice(0, 200);
    throw new Error(why);
  }
  if (jpeg.length === 0) throw new Error('ffmpeg wrote no picture');
  return jpeg;
}
