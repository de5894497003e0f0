/**
 * A snapshot source that needs no live decoder: the last frame of the camera's newest
 * recorded segment, as JPEG. The lead can swap in a live-frame source (SnapshotSource).
 */
import { execFile } from 'node:child_process';
import type { Db } from '../db/sqlite.ts';
import { snapshotFromSegmentArgs } from '../ffmpeg/args.ts';
import { newestSegment } from './mediaRows.ts';
import { resolveInsideRoot } from './safePath.ts';

export interface SnapshotSource {
  /** A JPEG of what the camera saw most recently, or null when there is nothing to show. */
  snapshot(cameraId: string): Promise<Buffer | null>;
}

const snapshotTimeoutMs = 10_000;
const maxSnapshotBytes = 8 * 1024 * 1024;

export function snapshotFromRecording(db: Db, recordingRoot: string, ffmpegPath: string): SnapshotSource {
  return {
    async snapshot(cameraId) {
      const segment = newestSegment(db, cameraId);
      if (!segment) return null;
      const file = await resolveInsideRoot(recordingRoot, segment.path);
      if (!file) return null;
      return new Promise<Buffer>((resolve, reject) => {
        execFile(
          ffmpegPath,
          snapshotFromSegmentArgs(file),
          { encoding: 'buffer', timeout: snapshotTimeoutMs, maxBuffer: maxSnapshotBytes },
          (error, stdout, stderr) => {
            if (error) reject(new Error(`snapshot of ${cameraId} failed: ${stderr.toString().trim().slice(0, 300) || error.message}`));
            else resolve(stdout);
          },
        );
      });
    },
  };
}
