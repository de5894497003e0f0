/**
 * H.265 recordings as Hearth's recorder writes them, made with real ffmpeg/libx265 and
 * indexed in a real SQLite file: ffmpeg's segment muxer with the recorder's own inner-mp4
 * options (fragmented, empty moov, frag_duration 1 s), so consecutive segments carry
 * continuous decode times like one recorder run. testsrc2 draws a moving pattern and the
 * frame number, so two decodes of "the same moment" match and different moments do not.
 * Clips are cached under the temp dir (libx265 at 720p costs a few CPU seconds).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../src/db/sqlite.ts';
import { upsertCamera } from '../../src/cameras/cameraRows.ts';
import { insertSegments } from '../../src/recording/segmentRows.ts';

export interface H265ClipSpec {
  width: number;
  height: number;
  fps: number;
  segmentSeconds: number;
  segments: number;
}

const cacheRoot = path.join(os.tmpdir(), 'hearth-h265-clips-v2');

/** Segment files (sorted) of one recorder-like run; cached by spec. */
export function h265Segments(spec: H265ClipSpec): string[] {
  const dir = path.join(cacheRoot, `${spec.width}x${spec.height}-${spec.fps}fps-${spec.segmentSeconds}s-x${spec.segments}`);
  const list = (): string[] => readdirSync(dir).filter((n) => /^seg-\d+\.mp4$/.test(n)).sort().map((n) => path.join(dir, n));
  if (existsSync(path.join(dir, 'done'))) return list();
  const partial = `${dir}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const gop = spec.fps * 2;
  execFileSync('nice', [
    'ffmpeg', '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${spec.width}x${spec.height}:rate=${spec.fps}`,
    '-t', String(spec.segmentSeconds * spec.segments),
    '-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    '-x265-params', `log-level=error:keyint=${gop}:min-keyint=${gop}:scenecut=0:repeat-headers=1`,
    // The recorder's segment output (src/ffmpeg/args.ts recorderArgs), cut every segmentSeconds.
    '-f', 'segment', '-segment_format', 'mp4',
    '-segment_format_options', 'movflags=frag_keyframe+empty_moov+default_base_moof+skip_trailer:flush_packets=1:frag_duration=1000000',
    '-segment_time', String(spec.segmentSeconds), '-reset_timestamps', '0',
    path.join(partial, 'seg-%03d.mp4'),
  ], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  execFileSync('touch', [path.join(partial, 'done')]);
  mkdirSync(cacheRoot, { recursive: true });
  if (!existsSync(path.join(dir, 'done'))) {
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  } else {
    rmSync(partial, { recursive: true, force: true });
  }
  return list();
}

export interface IndexedSegment {
  id: number;
  startMs: number;
  endMs: number;
  file: string;
}

/**
 * Adds a camera (if new) and its segments under the recording root, with rows, the way the
 * indexer does (file first, then the row). Segment i starts at startMs + i × segmentSeconds.
 */
export function indexH265Recording(db: Db, root: string, cameraId: string, files: readonly string[], startMs: number, segmentSeconds: number): IndexedSegment[] {
  upsertCamera(db, {
    id: cameraId, name: cameraId, source: 'config', enabled: true, onvif: null,
    streams: { main: `rtsp://127.0.0.1:1/${cameraId}`, sub: null }, retentionDays: null, motionEnabled: false, nowMs: Date.now(),
  });
  const idOf = db.prepare('SELECT id FROM segments WHERE path = ?');
  return files.map((source, i) => {
    const segStart = startMs + i * segmentSeconds * 1000;
    const day = new Date(segStart).toISOString().slice(0, 10);
    const stamp = new Date(segStart).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const relative = path.posix.join(cameraId, day, `${stamp}-h265.mp4`);
    mkdirSync(path.join(root, cameraId, day), { recursive: true });
    copyFileSync(source, path.join(root, relative));
    const endMs = segStart + segmentSeconds * 1000;
    // The indexer's own function: the timeline's coverage spans follow the row.
    insertSegments(db, [{ cameraId, startMs: segStart, endMs, bytes: statSync(source).size, path: relative }]);
    const id = (idOf.get(relative) as { id: number }).id;
    return { id, startMs: segStart, endMs, file: path.join(root, relative) };
  });
}
