/**
 * Finds ffmpeg and ffprobe (HEARTH_FFMPEG / HEARTH_FFPROBE, then PATH) and checks that
 * they can do what Hearth needs: RTSP in, H.264, the segment/mp4/mpegts muxers, pipes.
 * Answers are cached per process: the binaries do not change while Hearth runs.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Oldest ffmpeg known to work: Debian 12 / Raspberry Pi OS ship 5.1. */
export const minimumFfmpegMajor = 5;

export const requiredMuxers = ['segment', 'mp4', 'mpegts', 'image2pipe', 'rawvideo', 'rtp'] as const;
export const requiredDemuxers = ['rtsp', 'mov,mp4,m4a,3gp,3g2,mj2', 'mpegts', 'concat', 'lavfi'] as const;
export const requiredProtocols = ['file', 'pipe', 'tcp', 'udp', 'rtp'] as const;
export const requiredDecoders = ['h264'] as const;

export interface FfmpegBinaries {
  ffmpegPath: string;
  ffprobePath: string;
  /** e.g. "5.1.9-0+deb12u1" */
  version: string;
  major: number;
  /** Capabilities Hearth needs that this build lacks; empty when all is well. */
  missing: string[];
}

export class FfmpegNotFoundError extends Error {
  override name = 'FfmpegNotFoundError';
}

let cached: Promise<FfmpegBinaries> | undefined;

export function locateFfmpeg(env: NodeJS.ProcessEnv = process.env): Promise<FfmpegBinaries> {
  cached ??= inspectFfmpeg(env);
  return cached;
}

/** The paths only, for callers that already ran `locateFfmpeg` once at start. */
export function ffmpegPathSync(env: NodeJS.ProcessEnv = process.env): string {
  return env.HEARTH_FFMPEG || findOnPath('ffmpeg', env) || 'ffmpeg';
}

export function ffprobePathSync(env: NodeJS.ProcessEnv = process.env): string {
  return env.HEARTH_FFPROBE || findOnPath('ffprobe', env) || 'ffprobe';
}

/** Uncached: for `hearth doctor` after an install, and for tests with another PATH. */
export async function inspectFfmpeg(env: NodeJS.ProcessEnv): Promise<FfmpegBinaries> {
  const ffmpegPath = env.HEARTH_FFMPEG || findOnPath('ffmpeg', env);
  const ffprobePath = env.HEARTH_FFPROBE || findOnPath('ffprobe', env);
  if (!ffmpegPath || !ffprobePath) {
    throw new FfmpegNotFoundError(
      `${!ffmpegPath ? 'ffmpeg' : 'ffprobe'} was not found on PATH; install it with "sudo apt-get install ffmpeg" ` +
        'or set HEARTH_FFMPEG / HEARTH_FFPROBE to its full path',
    );
  }
  const versionText = await capture(ffmpegPath, ['-hide_banner', '-version']);
  const match = /ffmpeg version (n?(\d+)\.[^\s]*)/.exec(versionText);
  const version = match?.[1] ?? 'unknown';
  const major = Number(match?.[2] ?? 0);
  const missing: string[] = [];
  if (major !== 0 && major < minimumFfmpegMajor) missing.push(`ffmpeg ${minimumFfmpegMajor} or newer (found ${version})`);

  const [muxers, demuxers, protocols, decoders] = await Promise.all([
    capture(ffmpegPath, ['-hide_banner', '-muxers']),
    capture(ffmpegPath, ['-hide_banner', '-demuxers']),
    capture(ffmpegPath, ['-hide_banner', '-protocols']),
    capture(ffmpegPath, ['-hide_banner', '-decoders']),
  ]);
  const formatNames = (text: string): Set<string> =>
    new Set(text.split('\n').map((line) => /^\s*[DE.]{1,2}d?\s+(\S+)/.exec(line)?.[1]).filter((n): n is string => !!n));
  const muxerSet = formatNames(muxers);
  const demuxerSet = formatNames(demuxers);
  const protocolSet = new Set(protocols.split('\n').map((l) => l.trim()));
  const decoderSet = new Set(decoders.split('\n').map((l) => /^\s*\S{6}\s+(\S+)/.exec(l)?.[1]).filter((n): n is string => !!n));
  for (const m of requiredMuxers) if (!muxerSet.has(m)) missing.push(`muxer ${m}`);
  for (const d of requiredDemuxers) if (!demuxerSet.has(d)) missing.push(`demuxer ${d}`);
  for (const p of requiredProtocols) if (!protocolSet.has(p)) missing.push(`protocol ${p}`);
  for (const d of requiredDecoders) if (!decoderSet.has(d)) missing.push(`decoder ${d}`);
  return { ffmpegPath, ffprobePath, version, major, missing };
}

async function capture(file: string, args: string[]): Promise<string> {
  const { stdout } = await run(file, args, { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 });
  return stdout;
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this PATH entry; keep looking.
    }
  }
  return null;
}
