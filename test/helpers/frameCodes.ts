/**
 * Reading back the frame code the simulator burns into every picture (src/simulator/frameCode.ts):
 * real ffmpeg decodes a file, URL or piped bytes to 8-bit gray frames, and each frame's code
 * is read. The one decode-and-read loop for the identity, recording, storm, timeline tests and
 * the storm bench.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ffmpegPathSync } from '../../src/ffmpeg/locate.ts';
import { readFrameCode, type FrameCode } from '../../src/simulator/index.ts';

export interface FrameDecode {
  /** ffmpeg's input: a file or URL, or bytes piped to its stdin in the given container format. */
  input: string | { bytes: Buffer; format: string };
  /** Size of each decoded frame after `filter` (the stream's size when there is no scale or crop). */
  width: number;
  height: number;
  /** The -vf chain, e.g. 'fps=1' or 'crop=iw:40:0:0'; none: every frame as it is. */
  filter?: string;
  maxFrames?: number;
  /** ffmpeg options before -i, e.g. ['-skip_frame', 'nokey'], ['-cookies', …], ['-rtsp_transport', 'tcp']. */
  inputOptions?: string[];
  /** ffmpeg options after -i, e.g. ['-ss', '2.5'] or ['-fps_mode', 'passthrough']. */
  outputOptions?: string[];
  timeoutMs?: number;
}

export interface DecodedFrames {
  /** The codes of the frames that carry one, in order. */
  codes: FrameCode[];
  /** How many whole frames ffmpeg decoded. */
  frames: number;
  /** null when ffmpeg exited 0; else what it said (it is killed at `timeoutMs`). */
  error: string | null;
}

/** Decodes with real ffmpeg and reads the frame code of every decoded frame. Bounded by `timeoutMs` (default 60 s). */
export function decodeFrameCodes(decode: FrameDecode): Promise<DecodedFrames> {
  const source = typeof decode.input === 'string' ? ['-i', decode.input] : ['-f', decode.input.format, '-i', 'pipe:0'];
  const args = [
    '-v', 'error', ...(decode.inputOptions ?? []), ...source, ...(decode.outputOptions ?? []),
    ...(decode.filter ? ['-vf', decode.filter] : []), ...(decode.maxFrames !== undefined ? ['-frames:v', String(decode.maxFrames)] : []),
    '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1',
  ];
  const child = spawn(ffmpegPathSync(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  child.stdin.on('error', () => undefined); // ffmpeg may stop reading once it has its frames
  child.stdin.end(typeof decode.input === 'string' ? undefined : decode.input.bytes);
  const timeoutMs = decode.timeoutMs ?? 60_000;
  let timedOut = false;
  const timer = setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      const gray = Buffer.concat(chunks);
      const size = decode.width * decode.height;
      const codes: FrameCode[] = [];
      let frames = 0;
      for (let offset = 0; offset + size <= gray.length; offset += size) {
        frames += 1;
        const read = readFrameCode(gray.subarray(offset, offset + size), decode.width, decode.height);
        if (read) codes.push(read);
      }
      const error = timedOut ? `ffmpeg was stopped after ${timeoutMs} ms` : code === 0 ? null : `ffmpeg exited ${code}: ${stderr.trim()}`;
      resolve({ codes, frames, error });
    });
  });
}

/** Camera codes of the decoded frames; throws when ffmpeg cannot decode the input. */
export async function cameraCodes(decode: FrameDecode): Promise<number[]> {
  const decoded = await decodeFrameCodes(decode);
  assert.equal(decoded.error, null, `ffmpeg could not decode ${typeof decode.input === 'string' ? decode.input : 'the bytes'}: ${decoded.error}`);
  return decoded.codes.map((c) => c.cameraCode);
}

/**
 * Camera codes in a recorded segment, one frame a second; every frame when the segment is
 * shorter than that (a segment cut short at an identity swap may last 100 ms, and fps=1 then
 * yields no frame at all).
 */
export async function segmentCameraCodes(file: string, width: number, height: number): Promise<number[]> {
  const perSecond = await cameraCodes({ input: file, width, height, filter: 'fps=1' });
  return perSecond.length > 0 ? perSecond : cameraCodes({ input: file, width, height });
}

/** The frame code in the top `rows` of the first frame (the code is drawn there: no need to decode the rest). */
export async function firstFrameCode(input: string, width: number, options: { rows?: number; inputOptions?: string[]; outputOptions?: string[]; timeoutMs?: number } = {}): Promise<FrameCode | null> {
  const rows = options.rows ?? 40;
  const decoded = await decodeFrameCodes({ input, width, height: rows, filter: `crop=iw:${rows}:0:0`, maxFrames: 1, ...options });
  assert.equal(decoded.error, null, `ffmpeg could not decode ${input}: ${decoded.error}`);
  return decoded.codes[0] ?? null;
}
