/**
 * A stand-in camera for the recording tests, simpler than the RTSP simulator the others use: an HTTP
 * server on loopback that streams a pre-encoded H.264 (720p, 15 fps, GOP 2 s) + AAC
 * MPEG-TS loop, one ffmpeg `-c copy` per viewer. Each camera has its own colour, so a
 * frame tells which camera it came from. Offline/online, and Basic auth (wrong password
 * → 401, which ffmpeg reports exactly as it does for RTSP).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ffmpegPathSync, ffprobePathSync } from '../../src/ffmpeg/locate.ts';

export interface TestCamera {
  url(withCredentials?: boolean, password?: string): string;
  setOffline(): void;
  setOnline(): Promise<void>;
  stop(): Promise<void>;
}

export const cameraColours = { red: [220, 40, 40], blue: [40, 40, 220], green: [40, 200, 40] } as const;
export type CameraColour = keyof typeof cameraColours;

/** Encodes (once per directory) 10 s of a coloured moving pattern. */
export function sourceClip(dir: string, colour: CameraColour): string {
  const file = path.join(dir, `camera-${colour}.ts`);
  if (existsSync(file)) return file;
  const [r, g, b] = cameraColours[colour];
  const hex = [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');
  execFileSync(ffmpegPathSync(), [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `color=c=0x${hex}:size=1280x720:rate=15,drawbox=x='mod(t*200,1200)':y=300:w=80:h=80:color=white:t=fill`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000',
    '-t', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0',
    '-pix_fmt', 'yuv420p', '-b:v', '800k', '-c:a', 'aac', '-b:a', '32k', '-f', 'mpegts', file,
  ], { timeout: 120_000 });
  return file;
}

export async function startTestCamera(clip: string, options: { username?: string; password?: string } = {}): Promise<TestCamera> {
  const username = options.username ?? 'admin';
  const password = options.password ?? 'secret';
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const feeders = new Set<ChildProcess>();
  const sockets = new Set<Socket>();
  let offline = false;

  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="camera"' }).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'video/mp2t' });
    const feeder = spawn(ffmpegPathSync(), ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'mpegts', 'pipe:1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    feeders.add(feeder);
    feeder.stdout?.pipe(res);
    const end = (): void => {
      if (feeder.exitCode === null) feeder.kill('SIGKILL');
    };
    res.on('close', end);
    feeder.on('close', () => {
      feeders.delete(feeder);
      res.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    if (offline) socket.destroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const dropAll = (): void => {
    for (const f of feeders) f.kill('SIGKILL');
    for (const s of sockets) s.destroy();
  };
  return {
    url: (withCredentials = true, pw = password) => `http://${withCredentials ? `${username}:${pw}@` : ''}127.0.0.1:${port}/stream1`,
    setOffline: () => {
      offline = true;
      dropAll();
    },
    setOnline: async () => {
      offline = false;
    },
    stop: async () => {
      offline = true;
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Mean colour of one decoded frame of a file (at `atSeconds`), as [r, g, b]. */
export function frameColour(file: string, atSeconds = 0.5): [number, number, number] {
  const raw = execFileSync(ffmpegPathSync(), ['-hide_banner', '-loglevel', 'error', '-ss', String(atSeconds), '-i', file, '-frames:v', '1', '-vf', 'scale=1:1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    timeout: 20_000,
  });
  return [raw[0] ?? 0, raw[1] ?? 0, raw[2] ?? 0];
}

export function closestColour(rgb: [number, number, number]): CameraColour {
  let best: CameraColour = 'red';
  let bestDistance = Infinity;
  for (const [name, ref] of Object.entries(cameraColours) as [CameraColour, readonly number[]][]) {
    const d = rgb.reduce((sum, v, i) => sum + (v - (ref[i] ?? 0)) ** 2, 0);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** ffprobe verdict for a file: decodes every packet header; true when it has video and no error. */
export function playsWithFfprobe(file: string): { ok: boolean; durationSeconds: number; error: string } {
  try {
    const out = execFileSync(ffprobePathSync(), ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    const durationSeconds = Number(out.trim());
    return { ok: Number.isFinite(durationSeconds) && durationSeconds > 0, durationSeconds, error: '' };
  } catch (error) {
    return { ok: false, durationSeconds: 0, error: (error as Error).message };
  }
}
