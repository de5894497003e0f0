/**
 * Asks the camera what its stream carries before each recorder run (ffprobe over the same
 * URL, one short connection that ends before the recorder's begins), so the recorder is
 * started with arguments that fit: MP4 cannot hold G.711, the default audio of most
 * Hikvision, Dahua, Reolink and Amcrest cameras, and guessing "copy" made ffmpeg exit on
 * every start. A camera can change codecs (firmware update, settings page), so this is
 * asked again at every run, never cached.
 */
import { spawn } from 'node:child_process';
import { ffprobePathSync } from '../ffmpeg/locate.ts';
import { streamProbeArgs, type RecorderAudioMode } from '../ffmpeg/args.ts';

export interface ProbedStreams {
  video: { codec: string; width: number | null; height: number | null } | null;
  audio: { codec: string; sampleRate: number | null; channels: number | null } | null;
}

export type ProbeResult = { ok: true; streams: ProbedStreams } | { ok: false; errorLines: string[]; code: number | null; timedOut: boolean };

/** Audio codecs an MP4 segment (and a browser's MSE) takes as they are. */
const mp4AudioCodecs = new Set(['aac', 'opus', 'mp3']);

/** How a camera's audio codec names itself to a homeowner. */
const audioNames: Record<string, string> = {
  pcm_mulaw: 'G.711 µ-law (PCMU)',
  pcm_alaw: 'G.711 A-law (PCMA)',
  adpcm_g726: 'G.726',
  adpcm_g726le: 'G.726',
  g722: 'G.722',
  g729: 'G.729',
  pcm_s16be: 'uncompressed PCM (L16)',
  aac: 'AAC',
  opus: 'Opus',
  mp3: 'MP3',
};

export function audioCodecName(codec: string): string {
  return audioNames[codec] ?? codec;
}

export interface AudioPlan {
  mode: RecorderAudioMode;
  /** One sentence for the camera page; null when there is nothing to say (audio kept as sent). */
  note: string | null;
}

/** What the recorder does with the audio the camera sends. */
export function planAudio(audio: ProbedStreams['audio']): AudioPlan {
  if (audio === null) return { mode: 'none', note: 'The camera sends no audio.' };
  if (mp4AudioCodecs.has(audio.codec)) return { mode: 'copy', note: null };
  return {
    mode: 'aac',
    note: `The camera sends ${audioCodecName(audio.codec)} audio, which MP4 recordings cannot hold; Hearth converts it to AAC.`,
  };
}

/** Bounded in time and output: a camera that drips bytes cannot hold a run's start. */
export function probeStream(url: string, ioTimeoutSeconds: number, deadlineMs = (ioTimeoutSeconds + 5) * 1_000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const child = spawn(ffprobePathSync(), streamProbeArgs(url, ioTimeoutSeconds), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < 256_000) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8_000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.once('error', (error) => {
      stderr += `\n[fatal] cannot run ffprobe: ${error.message}`;
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const errorLines = stderr
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.length > 0)
        .slice(-20);
      const streams = code === 0 ? parseProbe(stdout) : null;
      if (streams && streams.video) resolve({ ok: true, streams });
      else resolve({ ok: false, errorLines: streams ? [...errorLines, '[error] the stream has no video track'] : errorLines, code, timedOut });
    });
  });
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
}

export function parseProbe(json: string): ProbedStreams | null {
  let parsed: { streams?: FfprobeStream[] };
  try {
    parsed = JSON.parse(json) as { streams?: FfprobeStream[] };
  } catch {
    // Not JSON: ffprobe was cut off; the caller reports the probe as failed.
    return null;
  }
  const streams = Array.isArray(parsed.streams) ? parsed.streams : [];
  const video = streams.find((s) => s.codec_type === 'video' && typeof s.codec_name === 'string');
  const audio = streams.find((s) => s.codec_type === 'audio' && typeof s.codec_name === 'string');
  const positive = (n: unknown): number | null => (typeof n === 'number' && n > 0 ? n : typeof n === 'string' && Number(n) > 0 ? Number(n) : null);
  return {
    video: video ? { codec: video.codec_name ?? '', width: positive(video.width), height: positive(video.height) } : null,
    audio: audio ? { codec: audio.codec_name ?? '', sampleRate: positive(audio.sample_rate), channels: positive(audio.channels) } : null,
  };
}
