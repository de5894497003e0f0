/**
 * A snapshot source that needs no live decoder: the last frame of the camera's newest
 * recorded segment, as JPEG. The lead can swap in a live-frame source (SnapshotSource).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Db } from '../db/sqlite.ts';
import { snapshotFromSegmentArgs } from '../ffmpeg/args.ts';
import { newestSegments } from './mediaRows.ts';
import { resolveInsideRoot } from './safePath.ts';

export interface SnapshotSource {
  /** A JPEG of what the camera saw most recently, or null when there is nothing to show. */
  snapshot(cameraId: string): Promise<Buffer | null>;
}

const snapshotTimeoutMs = 10_000;
const maxSnapshotBytes = 8 * 1024 * 1024;
/**
 * The newest segment can vanish between the query and ffmpeg (pruned, set aside by an
 * identity check) or be unreadable (cut by a power loss): fall back to the ones before it.
 */
const segmentsTried = 3;

/** No frame could be read from any of the newest recordings: worth a retry, not a server fault. */
export class SnapshotUnavailableError extends Error {
  override name = 'SnapshotUnavailableError';
}

export function snapshotFromRecording(db: Db, recordingRoot: string, ffmpegPath: string): SnapshotSource {
  return {
    async snapshot(cameraId) {
      const segments = newestSegments(db, cameraId, segmentsTried);
      if (segments.length === 0) return null;
      const problems: string[] = [];
      for (const segment of segments) {
        const file = await resolveInsideRoot(recordingRoot, segment.path);
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
    },
  };
}

function lastFrame(ffmpegPath: string, file: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    execFile(ffmpegPath, snapshotFromSegmentArgs(file), { encoding: 'buffer', timeout: snapshotTimeoutMs, maxBuffer: maxSnapshotBytes }, (error, stdout, stderr) => {
      // The last line says why; the server's own paths are no business of a viewer.
      const why = stderr.toString().trim().split('\n').at(-1)?.replaceAll(file, path.basename(file)).replace(/^\[\w+\]\s*/, '').slice(0, 200);
      if (error) reject(new Error(why || error.message));
      else if (stdout.length === 0) reject(new Error('ffmpeg wrote no picture'));
      else resolve(stdout);
    });
  });
}
