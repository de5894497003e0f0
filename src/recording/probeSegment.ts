/**
 * ffprobe of one segment file: its duration, or null when it holds no playable video.
 * A direct execFile, not fluent-ffmpeg: its ffprobe has no timeout, no kill and no output
 * cap (measured and explained in src/ffmpeg/oneShot.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ffprobePathSync } from '../ffmpeg/locate.ts';
import { segmentProbeArgs } from '../ffmpeg/args.ts';

const run = promisify(execFile);

export interface SegmentProbe {
  durationMs: number;
  hasVideo: boolean;
}

export async function probeSegment(file: string): Promise<SegmentProbe | null> {
  let stdout: string;
  try {
    ({ stdout } = await run(ffprobePathSync(), segmentProbeArgs(file), { timeout: 15_000, maxBuffer: 1024 * 1024 }));
  } catch (error) {
    // ffprobe exits non-zero on a file with no complete fragment: not playable.
    if ((error as { code?: unknown }).code !== undefined) return null;
    throw error;
  }
  const parsed = JSON.parse(stdout) as { format?: { duration?: string }; streams?: { codec_type?: string }[] };
  const seconds = Number(parsed.format?.duration ?? NaN);
  const hasVideo = (parsed.streams ?? []).some((s) => s.codec_type === 'video');
  if (!Number.isFinite(seconds) || seconds <= 0 || !hasVideo) return null;
  return { durationMs: Math.round(seconds * 1000), hasVideo };
}
