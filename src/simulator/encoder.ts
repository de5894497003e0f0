/**
 * Supervises the one ffmpeg per simulated camera that renders the scene and sends main,
 * sub (and audio) as RTP to loopback UDP sockets owned here (UdpRtpFeed). Knows when the
 * scene really started: the wall time a frame arrives minus its RTP time, minimised over
 * the first seconds (ffmpeg bursts its first frames after x264 starts up).
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simulatorEncoderArgs, simulatorLoopArgs } from './ffmpegArgs.ts';
import { ffmpegPathSync } from '../ffmpeg/locate.ts';
import { discardedOutputGraceMs, spawnChild, type Child } from '../ffmpeg/child.ts';
import type { Logger } from '../log.ts';
import { wallSecondsBits } from './frameCode.ts';
import { timestampDelta } from './rtsp/rtpPacket.ts';
import type { TrackMedia } from './rtsp/rtpTrack.ts';
import { UdpRtpFeed } from './rtsp/udpRtpFeed.ts';
import { sceneFilterGraph, sceneRender, type SceneScript } from './scene.ts';
import { ensureLoopClip } from './loopClip.ts';
import { undoIfThrows } from '../util/undoIfThrows.ts';

export class EncoderError extends Error {
  override name = 'EncoderError';
}

/** 'live': render and encode continuously; 'loop': send a pre-rendered clip by stream copy (no audio). */
export type SceneMedia = 'live' | 'loop';

export interface SceneEncoderOptions {
  serial: string;
  cameraCode: number;
  script: SceneScript;
  audio: boolean;
  /** Default 'live'. */
  media?: SceneMedia;
  log: Logger;
}

const sceneBackground = '0x50606a';

const startTimeoutMs = 15_000;
/** Anchor refinement window: long enough to get past x264's start-up burst. */
const anchorWindowMs = 5_000;
const restartDelayMs = 1_000;
/** At most this many unexpected restarts per minute, then the camera stays dark and says why. */
const maxRestartsPerMinute = 5;
const stderrLinesKept = 20;

/** Every live encoder child, so a process exit without stop() still kills them (no time to be graceful). */
const liveChildren = new Set<Child>();
process.on('exit', () => {
  for (const child of liveChildren) child.kill();
});

interface ProcessAnchor {
  spawnedAtMs: number;
  firstTimestamp: number | undefined;
  firstArrivalMs: number | undefined;
  /** Best estimate of the wall time of this process's t=0. */
  zeroAtMs: number | undefined;
  /** Epoch seconds (mod 2^24) the burnt-in clock shows at t=0. */
  clockAtZeroSec: number;
}

export class SceneEncoder {
  readonly main: UdpRtpFeed;
  readonly sub: UdpRtpFeed;
  readonly audio: UdpRtpFeed | undefined;
  private child: Child | undefined;
  private anchor: ProcessAnchor | undefined;
  /** Wall time of scene time 0 (first process); later processes continue the scene from there. */
  private sceneZeroAtMs: number | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private spawnError: Error | undefined;
  private readonly restarts: number[] = [];
  private readonly sdpFile: string;
  private progressOutTimeUs = 0;
  private progressAtMs = 0;

  private constructor(
    private readonly options: SceneEncoderOptions,
    feeds: { main: UdpRtpFeed; sub: UdpRtpFeed; audio: UdpRtpFeed | undefined },
  ) {
    this.main = feeds.main;
    this.sub = feeds.sub;
    this.audio = feeds.audio;
    this.sdpFile = path.join(os.tmpdir(), `hearth-sim-${process.pid}-${options.serial}.sdp`);
    this.main.onPacket = (info, arrivalMs) => this.refineAnchor(info.timestamp, arrivalMs);
    for (const feed of this.feeds()) feed.onError = (error) => options.log.warn('simulator RTP socket error', { error: error.message });
  }

  /** Binds the sockets, starts ffmpeg and resolves once the main stream is flowing. */
  static async start(options: SceneEncoderOptions): Promise<SceneEncoder> {
    const [main, sub, audio] = await Promise.all([
      UdpRtpFeed.open('video', '127.0.0.1'),
      UdpRtpFeed.open('video', '127.0.0.1'),
      // The loop clip has no audio track.
      options.audio && options.media !== 'loop' ? UdpRtpFeed.open('audio', '127.0.0.1') : Promise.resolve(undefined),
    ]);
    const encoder = new SceneEncoder(options, { main, sub, audio });
    await undoIfThrows(() => encoder.spawnAndWait(), () => encoder.stop());
    return encoder;
  }

  /** Wall time (ms, UTC) of scene time 0; scripted intervals are relative to it. */
  get sceneStartedAtMs(): number {
    if (this.sceneZeroAtMs === undefined) throw new EncoderError(`encoder of ${this.options.serial} has not produced a frame yet`);
    return this.sceneZeroAtMs;
  }

  /** How far the burnt-in clock runs ahead (+) or behind (-) the true wall time of a frame. */
  get burntClockOffsetMs(): number {
    const a = this.anchor;
    if (a?.zeroAtMs === undefined) return 0;
    return Math.round(a.clockAtZeroSec * 1000 - (a.zeroAtMs % (2 ** wallSecondsBits * 1000)));
  }

  /** How far ffmpeg's output lags real time (CPU starvation makes the scene drift late). */
  get encoderLagMs(): number {
    const zero = this.anchor?.zeroAtMs;
    if (zero === undefined || this.progressAtMs === 0) return 0;
    return Math.max(0, Math.round(this.progressAtMs - zero - this.progressOutTimeUs / 1000));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stops ffmpeg (SIGINT, SIGKILL after a grace period) and closes the sockets; safe to call twice. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      const child = this.child;
      if (child !== undefined && child.running() && this.spawnError === undefined) await child.stop(discardedOutputGraceMs);
      for (const feed of this.feeds()) feed.close();
      await rm(this.sdpFile, { force: true });
    })();
    return this.stopped;
  }

  private feeds(): UdpRtpFeed[] {
    return this.audio === undefined ? [this.main, this.sub] : [this.main, this.sub, this.audio];
  }

  private async spawnAndWait(): Promise<void> {
    await rm(this.sdpFile, { force: true });
    const spawnedAtMs = Date.now();
    const phaseSec =
      this.sceneZeroAtMs === undefined ? 0 : ((spawnedAtMs - this.sceneZeroAtMs) / 1000) % this.options.script.periodSec;
    const clockAtZeroSec = (spawnedAtMs / 1000) % 2 ** wallSecondsBits;
    this.anchor = { spawnedAtMs, firstTimestamp: undefined, firstArrivalMs: undefined, zeroAtMs: undefined, clockAtZeroSec };
    const target = (feed: UdpRtpFeed): { host: string; rtpPort: number; rtcpPort: number } => ({ host: '127.0.0.1', ...feed.ports });
    const args =
      this.options.media === 'loop'
        ? simulatorLoopArgs({
            clipFile: await ensureLoopClip({ serial: this.options.serial, cameraCode: this.options.cameraCode, script: this.options.script, background: sceneBackground }),
            targets: [target(this.main), target(this.sub)],
            sdpFile: this.sdpFile,
          })
        : simulatorEncoderArgs({
            renderWidth: sceneRender.width,
            renderHeight: sceneRender.height,
            fps: sceneRender.fps,
            gopFrames: sceneRender.gopFrames,
            background: sceneBackground,
            filterGraph: sceneFilterGraph({
              script: this.options.script,
              serial: this.options.serial,
              cameraCode: this.options.cameraCode,
              phaseSec,
              clockAtZeroSec,
            }),
            video: [
              { label: 'main', bitrateKbps: 1500, target: target(this.main) },
              { label: 'sub', bitrateKbps: 400, target: target(this.sub) },
            ],
            ...(this.audio === undefined ? {} : { audio: { toneHz: 440, target: target(this.audio) } }),
            sdpFile: this.sdpFile,
          });
    const [file, argv] = tiedToThisProcess(ffmpegPathSync(), args);
    const child = spawnChild(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] }, { lines: stderrLinesKept, lineChars: 500, keep: (line) => line.trim() !== '' });
    this.child = child;
    liveChildren.add(child);
    child.process.stdout?.setEncoding('utf8').on('data', (text: string) => this.readProgress(text));
    this.spawnError = undefined;
    child.process.on('error', (error) => {
      this.spawnError = error;
      this.options.log.error('simulator encoder failed to start', { serial: this.options.serial, error: error.message });
    });
    child.process.once('exit', (code, signal) => {
      liveChildren.delete(child);
      this.handleExit(child, code, signal);
    });
    this.options.log.debug('simulator encoder started', { serial: this.options.serial, pid: child.pid, phaseSec: phaseSec.toFixed(1) });

    await this.waitForSdp(child);
    await this.waitForFirstPacket(child);
    if (this.sceneZeroAtMs === undefined) this.sceneZeroAtMs = this.anchor.zeroAtMs;
  }

  private async waitForSdp(child: Child): Promise<void> {
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (!child.running() || this.spawnError !== undefined) throw this.exitError(child);
      const sdp = await readFile(this.sdpFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      // ffmpeg writes the file in one go once every RTP output is open; wait for the last m= line's attributes.
      const medias = parseEncoderSdp(sdp);
      const complete = [...medias.values()].every((m) => m.kind === 'audio' || (m.fmtp ?? '').includes('sprop-parameter-sets='));
      if (medias.size === this.feeds().length && complete) {
        for (const feed of this.feeds()) {
          const media = medias.get(feed.ports.rtpPort);
          if (media === undefined) throw new EncoderError(`encoder SDP of ${this.options.serial} has no media for port ${feed.ports.rtpPort}`);
          feed.setMedia(media);
        }
        return;
      }
      await delay(100);
    }
    throw new EncoderError(`ffmpeg for ${this.options.serial} wrote no SDP within ${startTimeoutMs} ms (CPU starved?); last stderr: ${this.child === undefined ? '' : stderrText(this.child)}`);
  }

  private async waitForFirstPacket(child: Child): Promise<void> {
    const deadline = Date.now() + startTimeoutMs;
    while (this.anchor?.zeroAtMs === undefined) {
      if (!child.running() || this.spawnError !== undefined) throw this.exitError(child);
      if (Date.now() > deadline) throw new EncoderError(`no RTP from ffmpeg for ${this.options.serial} within ${startTimeoutMs} ms`);
      await delay(50);
    }
  }

  private refineAnchor(timestamp: number, arrivalMs: number): void {
    const a = this.anchor;
    if (a === undefined) return;
    if (a.firstTimestamp === undefined || a.firstArrivalMs === undefined) {
      a.firstTimestamp = timestamp;
      a.firstArrivalMs = arrivalMs;
      a.zeroAtMs = arrivalMs;
    } else if (arrivalMs - a.firstArrivalMs < anchorWindowMs) {
      const candidate = arrivalMs - timestampDelta(timestamp, a.firstTimestamp) / 90;
      if (a.zeroAtMs === undefined || candidate < a.zeroAtMs) a.zeroAtMs = candidate;
    } else {
      return;
    }
    // The first process defines scene time 0; keep it in step while it is refined.
    if (this.restarts.length === 0 && a.zeroAtMs !== undefined && this.sceneZeroAtMs !== undefined) this.sceneZeroAtMs = a.zeroAtMs;
  }

  private readProgress(text: string): void {
    for (const line of text.split('\n')) {
      const match = /^out_time_us=(\d+)/.exec(line);
      if (match?.[1] !== undefined) {
        this.progressOutTimeUs = Number(match[1]);
        this.progressAtMs = Date.now();
      }
    }
  }

  private exitError(child: Child): EncoderError {
    if (this.spawnError !== undefined) {
      return new EncoderError(`could not run ffmpeg for ${this.options.serial}: ${this.spawnError.message}; install it (apt-get install ffmpeg) or set HEARTH_FFMPEG`);
    }
    return new EncoderError(
      `ffmpeg for ${this.options.serial} exited (code ${child.process.exitCode}, signal ${child.process.signalCode}): ${stderrText(child) || 'no output'}`,
    );
  }

  private handleExit(child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || child !== this.child || this.sceneZeroAtMs === undefined) return;
    const now = Date.now();
    while (this.restarts.length > 0 && (this.restarts[0] ?? 0) < now - 60_000) this.restarts.shift();
    const fields = { serial: this.options.serial, code, signal, stderr: stderrText(child, 3) };
    if (this.restarts.length >= maxRestartsPerMinute) {
      this.options.log.error('simulator encoder keeps exiting; camera stays dark until restarted', fields);
      return;
    }
    this.restarts.push(now);
    this.options.log.warn('simulator encoder exited; restarting it, the scene continues where it was', fields);
    setTimeout(() => {
      if (this.stopping) return;
      this.spawnAndWait().catch((error: unknown) =>
        this.options.log.error('simulator encoder restart failed', { serial: this.options.serial, error: String(error) }),
      );
    }, restartDelayMs);
  }
}

/** Media sections of ffmpeg's SDP, keyed by the RTP port each one was sent to. */
export function parseEncoderSdp(sdp: string): Map<number, TrackMedia> {
  const result = new Map<number, TrackMedia>();
  const sections = sdp.split(/\r?\nm=/).slice(1);
  for (const section of sections) {
    const lines = section.split(/\r?\n/);
    const header = /^(video|audio) (\d+) RTP\/AVP (\d+)/.exec(lines[0] ?? '');
    if (header === null) continue;
    const payloadType = Number(header[3]);
    const rtpmap = lines.map((l) => new RegExp(`^a=rtpmap:${payloadType} (.+)$`).exec(l)?.[1]).find((v) => v !== undefined);
    const fmtp = lines.map((l) => new RegExp(`^a=fmtp:${payloadType} (.+)$`).exec(l)?.[1]).find((v) => v !== undefined);
    const bandwidth = lines.map((l) => /^b=AS:(\d+)/.exec(l)?.[1]).find((v) => v !== undefined);
    if (rtpmap === undefined) continue;
    result.set(Number(header[2]), {
      kind: header[1] === 'video' ? 'video' : 'audio',
      payloadType,
      rtpmap,
      fmtp,
      clockRate: Number(rtpmap.split('/')[1] ?? '90000'),
      bandwidthKbps: bandwidth === undefined ? undefined : Number(bandwidth),
    });
  }
  return result;
}

/**
 * ffmpeg ignores SIGPIPE, so a simulator killed with -9 would leave its encoders running
 * forever (lavfi never ends). util-linux `setpriv --pdeathsig` asks the kernel to kill the
 * child when this process dies; without setpriv only the 'exit' hook above protects.
 */
const setprivPath = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

function tiedToThisProcess(file: string, args: string[]): [string, string[]] {
  return setprivPath === undefined ? [file, args] : [setprivPath, ['--pdeathsig', 'KILL', '--', file, ...args]];
}

/** The last `lines` kept stderr lines of an encoder, on one line. */
function stderrText(child: Child, lines = stderrLinesKept): string {
  return child.stderrTail().slice(-lines).map((line) => line.trim()).join(' | ');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
