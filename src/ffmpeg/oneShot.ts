/**
 * The one home of `fluent-ffmpeg` (the design card's package): short one-shot ffmpeg jobs
 * that read a file and write their answer to a pipe (the snapshot JPEG). The argument list
 * still comes from args.ts; fluent-ffmpeg runs it with the binary locate.ts found, and this
 * module keeps the bounds fluent-ffmpeg lacks: a wall-clock limit ending in the one stop
 * sequence of child.ts (fluent's own `timeout` sends SIGTERM and never SIGKILL), and a cap
 * on the bytes kept.
 *
 * Where it does not serve (measured 2026-12-02 on this 2-core box under load ~10, real
 * 720p H.265 recorder segments, one job at a time; timings are noisy at that load):
 *  - ffprobe at reconcile (recording/probeSegment.ts) stays a direct execFile. N=50 probes:
 *    direct 13.1-13.3 s, fluent-ffmpeg 7.6-12.8 s; Node peak RSS 78-81 MB vs 80-82 MB;
 *    answer 196 vs 1,657 bytes per probe. No cost either way, but fluent's ffprobe
 *    (lib/ffprobe.js) spawns ffprobe with no timeout, keeps no handle to the process (it
 *    cannot be killed when a file hangs it) and buffers all of stdout: the 15 s limit, the
 *    kill and the 1 MB cap could not be kept.
 *  - Snapshots, N=20 (fluent here vs the execFile it replaced): direct 9.3-12.1 s, fluent
 *    6.1-9.9 s, the same 43,283-byte JPEG, Node peak RSS 76-82 MB vs 80-81 MB.
 *  - Export (playback/exportVideo.ts) and every long-running ffmpeg stay on child.ts: they
 *    stream for minutes to hours and must stop with SIGINT and a grace (docs/DESIGN.md
 *    "Recorders spawn ffmpeg directly": fluent-ffmpeg's kill() defaults to SIGKILL, which cuts the file being written).
 */
import type { ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { discardedOutputGraceMs, stopChildProcess } from './child.ts';
import { ffmpegPathSync } from './locate.ts';

export interface OneShotLimits {
  /** Wall-clock limit; then the job is stopped (SIGINT, SIGKILL after a grace). */
  timeoutMs: number;
  /** More output than this stops the job: no picture is that big. */
  maxOutputBytes: number;
  /** Default: the ffmpeg locate.ts found (the server passes the same one; a test may pass a wrapper). */
  ffmpegPath?: string;
}

/** The job failed; `message` is ffmpeg's own last words when it said any (or the bound it broke). */
export class OneShotError extends Error {
  override name = 'OneShotError';
}

/**
 * Runs one args.ts argument list of the shape `[…options] -i <file> […output options] pipe:1`
 * and resolves with what ffmpeg wrote to stdout.
 */
export function ffmpegOutput(args: readonly string[], limits: OneShotLimits): Promise<Buffer> {
  const at = args.indexOf('-i');
  const input = args[at + 1];
  if (at < 0 || input === undefined || args.at(-1) !== 'pipe:1') throw new OneShotError(`not a one-shot argument list (one -i input, output pipe:1): ${args.join(' ')}`);
  const command = ffmpeg({ stdoutLines: 0 }).setFfmpegPath(limits.ffmpegPath ?? ffmpegPathSync()).input(input);
  withOptions(args.slice(0, at), (...options) => command.inputOptions(...options));
  withOptions(args.slice(at + 2, -1), (...options) => command.outputOptions(...options));
  return new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    let bytes = 0;
    let proc: ChildProcess | undefined;
    let settled = false;
    const finish = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(Buffer.concat(parts));
    };
    const stop = (why: string): void => {
      finish(new OneShotError(why));
      if (proc) void stopChildProcess(proc, discardedOutputGraceMs);
    };
    const timer = setTimeout(() => stop(`ffmpeg took over ${limits.timeoutMs} ms`), limits.timeoutMs);
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > limits.maxOutputBytes) stop(`ffmpeg wrote over ${limits.maxOutputBytes} bytes`);
        else parts.push(chunk);
        done();
      },
    });
    command
      .on('start', () => {
        // fluent-ffmpeg exposes its child only while it runs.
        proc = (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      })
      .on('error', (error: Error, _stdout: string | null, stderr: string | null) => {
        const last = (stderr ?? '').trim().split('\n').at(-1)?.trim();
        finish(new OneShotError(last || error.message));
      })
      .on('end', () => finish(null))
      .pipe(sink, { end: true });
  });
}

/** Several arguments in one call: fluent-ffmpeg then passes each as is (a lone one is split at a space). */
function withOptions(options: string[], add: (...options: string[]) => unknown): void {
  if (options.length === 0) return;
  if (options.length === 1 && options[0]?.includes(' ')) throw new OneShotError(`fluent-ffmpeg would split the argument "${options[0]}"`);
  add(...options);
}
