/**
 * One simulated IP camera: a scene encoder (always running, so the scene and its ground
 * truth continue through outages) and an RTSP server at the camera's current address.
 * Other faces of the camera (the ONVIF device service) attach as companions and follow
 * it when it goes offline or DHCP hands it another address.
 */
import { spawn } from 'node:child_process';
import { simulatorSnapshotArgs } from './ffmpegArgs.ts';
import { ffmpegPathSync } from '../ffmpeg/locate.ts';
import type { Logger } from '../log.ts';
import { SceneEncoder, type SceneMedia } from './encoder.ts';
import type { ConnectionGauge } from './connectionGauge.ts';
import { cameraCodeForSerial } from './frameCode.ts';
import { RtspServer, type RtspMount } from './rtsp/rtspServer.ts';
import type { RtpTrack } from './rtsp/rtpTrack.ts';
import { scriptIntervals, type GroundTruthInterval, type ScenePreset, type SceneScript } from './scene.ts';
import { undoIfThrows } from '../util/undoIfThrows.ts';

export interface CameraAddress {
  host: string;
  rtspPort: number;
}

/**
 * A service that lives at the camera's address and follows it: the ONVIF device service
 * plugs in here (see src/simulator/onvif/). Calls are awaited in this order:
 * offline: setReachable(false); online: setReachable(true);
 * address swap: suspend() on both cameras, then moveTo(new address) on both.
 */
export interface CameraCompanion {
  readonly name: string;
  suspend?(): Promise<void>;
  moveTo(address: CameraAddress): Promise<void>;
  setReachable?(reachable: boolean): Promise<void>;
  /** Frozen: keep connections open, answer nothing (docs/DESIGN.md, "Every camera call has a deadline": a frozen camera hangs every call). */
  setFrozen?(frozen: boolean): void;
  close(): Promise<void>;
}

export interface GroundTruth {
  serial: string;
  preset: ScenePreset;
  /** Wall time (ms, UTC) of scene time 0, anchored on the first RTP packets from ffmpeg. */
  sceneStartedAtMs: number;
  periodMs: number;
  /** Motion (person/small/slow) and light changes (light/ir), absolute ms, from scene start to now + one period. */
  intervals: GroundTruthInterval[];
  /** Burnt-in clock minus true wall time of a frame (negative: the picture's clock is behind). */
  burntClockOffsetMs: number;
  /** How far ffmpeg runs behind real time; intervals are late by about this much when CPU starved. */
  encoderLagMs: number;
}

export interface SimulatedCameraOptions {
  index: number;
  serial: string;
  hardwareId: string;
  mac: string;
  host: string;
  /** 0 = ephemeral (kept afterwards: offline/online comes back on the same port). */
  rtspPort: number;
  username: string;
  password: string;
  script: SceneScript;
  audio: boolean;
  maxSessions: number;
  paths: { main: string; sub: string };
  /** See SimulatorOptions.media; default 'live'. */
  media?: SceneMedia;
  /** Counts RTSP connection attempts (the simulator's shared gauge). */
  rtspAttempts?: ConnectionGauge;
  log: Logger;
}

export type StreamName = 'main' | 'sub';

const sessionTimeoutSec = 60;
const snapshotTimeoutMs = 10_000;
const maxSnapshotBytes = 4 * 1024 * 1024;

export class CameraError extends Error {
  override name = 'CameraError';
}

export class SimulatedCamera {
  readonly index: number;
  readonly serial: string;
  readonly hardwareId: string;
  readonly mac: string;
  readonly cameraCode: number;
  readonly credentials: { username: string; password: string };
  private current: CameraAddress;
  private server: RtspServer | undefined;
  private frozen = false;
  private stopped: Promise<void> | undefined;
  private readonly companions: CameraCompanion[] = [];
  private readonly addressListeners = new Set<(now: CameraAddress, before: CameraAddress) => void>();

  private constructor(
    private readonly options: SimulatedCameraOptions,
    private readonly encoder: SceneEncoder,
  ) {
    this.index = options.index;
    this.serial = options.serial;
    this.hardwareId = options.hardwareId;
    this.mac = options.mac;
    this.cameraCode = cameraCodeForSerial(options.serial);
    this.credentials = { username: options.username, password: options.password };
    this.current = { host: options.host, rtspPort: options.rtspPort };
  }

  static async start(options: SimulatedCameraOptions): Promise<SimulatedCamera> {
    const log = options.log.child({ serial: options.serial });
    const encoder = await SceneEncoder.start({
      serial: options.serial,
      cameraCode: cameraCodeForSerial(options.serial),
      script: options.script,
      audio: options.audio,
      media: options.media ?? 'live',
      log,
    });
    const camera = new SimulatedCamera({ ...options, log }, encoder);
    await undoIfThrows(() => camera.listen(), () => encoder.stop());
    return camera;
  }

  /** Current address; changes with swapAddresses (DHCP after a power cut). */
  get address(): CameraAddress {
    return { ...this.current };
  }

  get online(): boolean {
    return this.server !== undefined;
  }

  get encoderPid(): number | undefined {
    return this.encoder.pid;
  }

  rtspUrl(stream: StreamName, withCredentials = false): string {
    const auth = withCredentials ? `${encodeURIComponent(this.credentials.username)}:${encodeURIComponent(this.credentials.password)}@` : '';
    return `rtsp://${auth}${this.current.host}:${this.current.rtspPort}${this.options.paths[stream]}`;
  }

  groundTruth(): GroundTruth {
    const sceneStartedAtMs = Math.round(this.encoder.sceneStartedAtMs);
    const periodMs = this.options.script.periodSec * 1000;
    return {
      serial: this.serial,
      preset: this.options.script.preset,
      sceneStartedAtMs,
      periodMs,
      intervals: scriptIntervals(this.options.script, sceneStartedAtMs, Date.now() + periodMs),
      burntClockOffsetMs: this.encoder.burntClockOffsetMs,
      encoderLagMs: this.encoder.encoderLagMs,
    };
  }

  /** Like pulling the network cable: listening sockets closed, sessions dropped, connects refused. */
  async setOffline(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
    for (const c of this.companions) await c.setReachable?.(false);
    this.options.log.info('simulated camera offline');
  }

  async setOnline(): Promise<void> {
    if (this.server === undefined) await this.listen();
    for (const c of this.companions) await c.setReachable?.(true);
    this.options.log.info('simulated camera online', { host: this.current.host, port: this.current.rtspPort });
  }

  /** A hung camera: TCP stays open and new connections are accepted, but nothing is answered or sent. */
  freeze(on: boolean): void {
    this.frozen = on;
    for (const c of this.companions) c.setFrozen?.(on);
    this.options.log.info(on ? 'simulated camera frozen' : 'simulated camera thawed');
  }

  /** Called after every address change with the new and the old address; returns an unsubscribe function. */
  onAddressChange(listener: (now: CameraAddress, before: CameraAddress) => void): () => void {
    this.addressListeners.add(listener);
    return () => this.addressListeners.delete(listener);
  }

  /** Services that follow this camera's address (the ONVIF device service); closed with the camera. */
  attachCompanion(companion: CameraCompanion): void {
    this.companions.push(companion);
  }

  /** One JPEG of the sub stream, pulled from this camera's own RTSP server like a client would. */
  snapshotJpeg(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = spawn(ffmpegPathSync(), simulatorSnapshotArgs(this.rtspUrl('sub', true), 5), { stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let bytes = 0;
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), snapshotTimeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > maxSnapshotBytes) child.kill('SIGKILL');
        else chunks.push(chunk);
      });
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        stderr = (stderr + text).slice(-2000);
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new CameraError(`snapshot of ${this.serial} could not start ffmpeg: ${error.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const jpeg = Buffer.concat(chunks);
        if (code === 0 && jpeg.length > 0 && bytes <= maxSnapshotBytes) resolve(jpeg);
        else reject(new CameraError(`snapshot of ${this.serial} failed (ffmpeg code ${code}, signal ${signal}): ${stderr.trim() || 'no output'}`));
      });
    });
  }

  /** Closes the RTSP side and companions at the old address (first half of an address swap). */
  async vacateAddress(): Promise<void> {
    await this.server?.close();
    for (const c of this.companions) await c.suspend?.();
  }

  /** Second half of a swap: answer at `address` from now on (if online), then tell listeners. */
  async occupyAddress(address: CameraAddress, wasOnline: boolean): Promise<void> {
    const before = this.current;
    this.current = { ...address };
    this.server = undefined;
    if (wasOnline) await this.listen();
    for (const c of this.companions) await c.moveTo(this.address);
    for (const listener of this.addressListeners) listener(this.address, before);
    this.options.log.info('simulated camera moved', { host: address.host, port: address.rtspPort });
  }

  /** Safe to call twice. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      await this.server?.close();
      this.server = undefined;
      for (const c of this.companions) await c.close();
      await this.encoder.stop();
    })();
    return this.stopped;
  }

  private async listen(): Promise<void> {
    try {
      await this.startRtspServer();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL') {
        throw new CameraError(
          `camera ${this.serial} cannot listen on ${this.current.host}:${this.current.rtspPort} (${code}); ` +
            'give each camera its own loopback host (host: i => `127.0.10.${i + 1}`) or use rtspPort 0',
        );
      }
      throw error;
    }
  }

  private async startRtspServer(): Promise<void> {
    const video = (stream: StreamName): RtpTrack => (stream === 'main' ? this.encoder.main : this.encoder.sub);
    const mount = (stream: StreamName): RtspMount => ({
      path: this.options.paths[stream],
      tracks: this.encoder.audio === undefined ? [video(stream)] : [video(stream), this.encoder.audio],
    });
    this.server = await RtspServer.start({
      host: this.current.host,
      port: this.current.rtspPort,
      realm: `Hearth simulated camera ${this.serial}`,
      credentials: () => this.credentials,
      mounts: [mount('main'), mount('sub')],
      maxSessions: this.options.maxSessions,
      sessionTimeoutSec,
      isFrozen: () => this.frozen,
      log: this.options.log,
      ...(this.options.rtspAttempts === undefined ? {} : { attempts: this.options.rtspAttempts }),
    });
    this.current.rtspPort = this.server.address.port;
  }
}
