/**
 * A test camera that Hearth did not write: GStreamer's RTSP server (gst_rtsp_camera.py),
 * with the encoders, payloaders, auth methods and transports of real cameras. Treat
 * Hearth's own simulator as one camera among several, not the reference.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./gst_rtsp_camera.py', import.meta.url));
/** Debian's python3 (python3-gi lives there), not whatever python3 comes first on PATH. */
const systemPython = '/usr/bin/python3';

export interface GstMount {
  path: string;
  video?: 'h264' | 'h265';
  width?: number;
  height?: number;
  fps?: number;
  /** Keyframe interval in frames. */
  gop?: number;
  bframes?: number;
  kbps?: number;
  audio?: 'none' | 'pcmu' | 'pcma' | 'aac' | 'g726' | 'opus';
  /** Burn a date + time OSD into the picture, top left, as cameras ship. */
  clock?: boolean;
  pattern?: string;
  /** A video file to serve instead of the test pattern (decoded and re-encoded at its own pace; played once). */
  file?: string;
  transport?: 'any' | 'udp' | 'tcp';
}

export interface GstCameraSpec {
  auth?: 'none' | 'basic' | 'digest';
  user?: string;
  password?: string;
  mounts: GstMount[];
}

export interface GstCamera {
  port: number;
  /** rtsp://[user:pass@]127.0.0.1:PORT/path */
  url(path: string, credentials?: { user: string; password: string } | null): string;
  /** RTSP requests the server saw, `DESCRIBE rtsp://…`, in order. */
  requests(): string[];
  stop(): Promise<void>;
}

/** Why GStreamer's RTSP server cannot run here, or null when it can. */
export function gstUnavailable(): string | null {
  if (!existsSync(systemPython)) return `${systemPython} is missing (install python3-gi)`;
  if (!existsSync('/usr/lib/python3/dist-packages/gi')) return 'python3-gi is not installed (scripts/install-deps.sh --test installs it)';
  return null;
}

export async function startGstCamera(spec: GstCameraSpec, options: { timeoutMs?: number } = {}): Promise<GstCamera> {
  const missing = gstUnavailable();
  if (missing) throw new Error(`GStreamer RTSP test camera unavailable: ${missing}`);
  const json = JSON.stringify({ host: '127.0.0.1', port: 0, ...spec });
  // pdeathsig: a test killed with -9 leaves no encoder behind.
  const child: ChildProcessWithoutNullStreams = spawn('setpriv', ['--pdeathsig', 'KILL', systemPython, script, json], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, GST_DEBUG: '1' },
  });
  const requests: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`GStreamer RTSP camera did not start within ${options.timeoutMs ?? 20_000} ms: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const ready = /^READY (\d+)$/.exec(line);
      if (ready) {
        clearTimeout(timer);
        resolve(Number(ready[1]));
      } else if (line.startsWith('REQ ') && requests.length < 10_000) requests.push(line.slice(4));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`GStreamer RTSP camera exited with ${code} before listening: ${stderr}`));
    });
  });
  const defaultCredentials = spec.auth && spec.auth !== 'none' ? { user: spec.user ?? '', password: spec.password ?? '' } : null;
  return {
    port,
    url: (path, credentials = defaultCredentials) => {
      const auth = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@` : '';
      return `rtsp://${auth}127.0.0.1:${port}${path}`;
    },
    requests: () => [...requests],
    stop: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
