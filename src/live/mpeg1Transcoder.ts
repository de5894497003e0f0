/**
 * The one home of `node-rtsp-stream` (docs/DESIGN.md, "Live view from the recorder's connection"): its MPEG-1 muxer turns a camera's
 * live picture into MPEG-TS/MPEG-1 that JSMpeg draws on a canvas, for browsers that
 * cannot decode the camera's codec (H.265 in most). We use only its muxer: its
 * VideoStream opens a second camera connection and an unauthenticated WebSocket port on
 * every interface, which would bypass the grants. Input is Hearth's own fMP4 fan-out
 * written to ffmpeg's stdin (`pipe:0`), so the camera sees no extra connection, and a
 * Hearth that dies closes the pipe and the transcoder ends with it.
 */
import { createRequire } from 'node:module';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { adoptChild, discardedOutputGraceMs } from '../ffmpeg/child.ts';

interface Mpeg1Muxer extends EventEmitter {
  stream: ChildProcessWithoutNullStreams;
}
type Mpeg1MuxerConstructor = new (options: { url: string; ffmpegPath: string; ffmpegOptions: Record<string, string | number> }) => Mpeg1Muxer;

const require = createRequire(import.meta.url);
const Mpeg1MuxerClass = require('node-rtsp-stream/mpeg1muxer.js') as Mpeg1MuxerConstructor;

export interface Mpeg1TranscoderOptions {
  ffmpegPath: string;
  /** Output width; height keeps the aspect ratio. Small: this path decodes and re-encodes. */
  width: number;
  bitrateKbps: number;
  fps: number;
  onData(chunk: Buffer): void;
  onExit(code: number | null, signal: NodeJS.Signals | null, stderrTail: string): void;
}

export interface Mpeg1Transcoder {
  readonly pid: number | undefined;
  /** Bytes of fMP4 (init, then fragments). Returns false when ffmpeg is not keeping up. */
  write(chunk: Buffer): boolean;
  stop(): void;
}

/** ffmpeg stdin buffered beyond this means the machine cannot transcode in real time. */
export const maxPendingInputBytes = 8 * 1024 * 1024;

export function startMpeg1Transcoder(options: Mpeg1TranscoderOptions): Mpeg1Transcoder {
  // The muxer builds: ffmpeg -i pipe:0 -f mpegts -codec:v mpeg1video <these> -
  const muxer = new Mpeg1MuxerClass({
    url: 'pipe:0',
    ffmpegPath: options.ffmpegPath,
    ffmpegOptions: {
      '-an': '',
      '-vf': `scale=${options.width}:-2`,
      '-b:v': `${options.bitrateKbps}k`,
      '-maxrate': `${options.bitrateKbps * 2}k`,
      '-bufsize': `${options.bitrateKbps}k`,
      '-r': options.fps,
      '-bf': 0,
      '-g': options.fps,
      '-loglevel': 'error',
      '-nostats': '',
    },
  });
  // The muxer spawned it; it is watched and stopped like every other ffmpeg.
  const watched = adoptChild(muxer.stream, { lines: 20, lineChars: 300 });
  const child = watched.process;
  let stopped = false;
  child.stdin.on('error', () => undefined); // EPIPE when ffmpeg exits first; the exit handler reports it
  muxer.on('mpeg1data', (data: Buffer) => options.onData(data));
  void watched.exited.then(({ code, signal }) => options.onExit(code, signal, watched.stderrTail().join('\n').trim()));
  return {
    pid: child.pid,
    write(chunk) {
      if (stopped || !child.stdin.writable) return false;
      if (child.stdin.writableLength > maxPendingInputBytes) return false;
      child.stdin.write(chunk);
      return true;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      child.stdin.end();
      // A wedged ffmpeg does not outlive its viewers.
      void watched.stop(discardedOutputGraceMs);
    },
  };
}
