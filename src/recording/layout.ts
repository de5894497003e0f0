/**
 * Where recordings live: `<dataDir>/recordings/<camera>/<YYYY-MM-DD>/<YYYYMMDDTHHMMSSZ>-<run>.mp4`,
 * dates in UTC. The row's `path` is relative to the recording root; files are found from rows.
 */
import path from 'node:path';

export const recordingsDirName = 'recordings';
export const segmentExtension = '.mp4';

export function recordingRoot(dataDir: string): string {
  return path.join(path.resolve(dataDir), recordingsDirName);
}

export function cameraDir(root: string, cameraId: string): string {
  return path.join(root, cameraId);
}

/**
 * The folder a stream's segments go in: `<camera>` for the main stream, `<camera>.sub` for
 * the sub stream an H.265 camera also records (subStreamRecorders.ts). A camera id holds no '.', so
 * the two can never meet another camera's folder.
 */
export function streamDirName(cameraId: string, stream: 'main' | 'sub'): string {
  return stream === 'sub' ? `${cameraId}${subStreamDirSuffix}` : cameraId;
}

export const subStreamDirSuffix = '.sub';

/** The camera and stream of a folder under the recording root (reconcile). */
export function streamOfDir(name: string): { cameraId: string; stream: 'main' | 'sub' } {
  return name.endsWith(subStreamDirSuffix) ? { cameraId: name.slice(0, -subStreamDirSuffix.length), stream: 'sub' } : { cameraId: name, stream: 'main' };
}

/** The strftime pattern ffmpeg expands (TZ=UTC) when it opens each segment. `runId` keeps restarts from colliding. */
export function segmentPattern(root: string, cameraId: string, runId: string): string {
  return path.join(cameraDir(root, cameraId), '%Y-%m-%d', `%Y%m%dT%H%M%SZ-${runId}${segmentExtension}`);
}

const segmentNamePattern = /^(\d{4})(\d{2})(\d{2})T\d{6}Z-[a-z0-9]+\.mp4$/;

/** The segment list names files by basename only; the day directory is in the name. */
export function relativeSegmentPath(cameraId: string, basename: string): string | null {
  const match = segmentNamePattern.exec(basename);
  if (!match) return null;
  return path.posix.join(cameraId, `${match[1]}-${match[2]}-${match[3]}`, basename);
}

/** The run id in a segment's path (`…Z-<run>.mp4`): one ffmpeg run, so one codec and one stream time. */
export function runIdOfSegment(file: string): string | null {
  return /Z-([a-z0-9]+)\.mp4$/.exec(file)?.[1] ?? null;
}

export function dayDirName(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
