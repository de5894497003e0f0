/**
 * The fault tests run the real `hearth start` in its own process group (so a "power cut"
 * can kill it and every ffmpeg it started at once), optionally behind a command prefix
 * (`ip netns exec NAME`) and with node preloads (`--import`), and log in as its first admin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { hearthBin } from './hearthProcess.ts';

export interface FaultHearth {
  child: ChildProcess;
  /** Base URL reachable from the test process (or from inside the namespace, with a prefix). */
  url: string;
  port: number;
  output(): string;
  /** SIGTERM, bounded; SIGKILL of the group after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
  /** Power cut: SIGKILL to Hearth's whole process group and to every recorder pid in <data>/run. */
  powerCut(): Promise<number[]>;
  exited: Promise<void>;
}

export interface FaultHearthOptions {
  configFile: string;
  dataDir: string;
  /** Argument list put in front of `node`, e.g. ['ip', 'netns', 'exec', 'hearth-x']. */
  prefix?: string[];
  /** Absolute paths of modules to `--import` into the Hearth process before it starts. */
  preloads?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Default 0 (any free port) on 127.0.0.1. */
  port?: number;
  host?: string;
}

/** Writes a YAML config (validated by Hearth at start) and returns its path. */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = path.join(dir, 'hearth.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

export function startFaultHearth(options: FaultHearthOptions): Promise<FaultHearth> {
  const nodeArgs = [...(options.preloads ?? []).flatMap((p) => ['--import', p]), hearthBin, 'start', '--config', options.configFile, '--data', options.dataDir, '--port', String(options.port ?? 0), '--host', options.host ?? '127.0.0.1'];
  const [command, ...args] = [...(options.prefix ?? []), process.execPath, ...nodeArgs];
  const child = spawn(command!, args, {
    env: { ...process.env, HEARTH_DISCOVERY: 'off', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: ffmpeg children share it, so one kill takes them all
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`hearth start did not log "listening on" within ${timeoutMs} ms; output:\n${output}`));
    }, timeoutMs);
    let resolved = false;
    const onData = (d: Buffer): void => {
      output += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] && !resolved) {
        resolved = true;
        clearTimeout(timer);
        const port = Number(new URL(match[1]).port);
        resolve({
          child,
          url: `http://127.0.0.1:${port}`,
          port,
          output: () => output,
          exited,
          stop: async (graceMs = 20_000) => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            const killer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
            await exited;
            clearTimeout(killer);
            return child.exitCode;
          },
          powerCut: async () => {
            const recorders = recorderPids(options.dataDir);
            killGroup(child, 'SIGKILL');
            for (const pid of recorders) killPid(pid);
            await exited;
            return recorders;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      if (!resolved) reject(new Error(`hearth start exited (${child.exitCode ?? child.signalCode}) before listening; output:\n${output}`));
    });
  });
}

/** Pids Hearth wrote to <data>/run (its recorders). */
export function recorderPids(dataDir: string): number[] {
  const runDir = path.join(dataDir, 'run');
  try {
    return readdirSync(runDir)
      .filter((n) => /^ffmpeg-\d+\.json$/.test(n))
      .map((n) => (JSON.parse(readFileSync(path.join(runDir, n), 'utf8')) as { pid: number }).pid);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** A logged-in admin session: the first-run setup code from the log, then POST /api/setup. */
export class ApiClient {
  constructor(
    readonly url: string,
    private cookie = '',
  ) {}

  static async setup(hearth: { url: string; output(): string }, username = 'admin', password = 'fault-suite-password'): Promise<ApiClient> {
    const code = /first-run setup code (\S+)/.exec(hearth.output())?.[1];
    if (!code) throw new Error(`no setup code in the log:\n${hearth.output()}`);
    const client = new ApiClient(hearth.url);
    const res = await client.request('POST', '/api/setup', { code, username, password });
    if (res.status !== 201) throw new Error(`setup answered ${res.status}: ${await res.text()}`);
    return client;
  }

  async request(method: string, route: string, body?: unknown, timeoutMs = 60_000, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(`${this.url}${route}`, {
      method,
      headers: { ...headers, ...(this.cookie ? { cookie: this.cookie } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    return res;
  }

  async json<T>(route: string): Promise<T> {
    const res = await this.request('GET', route);
    if (res.status !== 200) throw new Error(`GET ${route} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }
}

export interface ApiSegment {
  id: number;
  start: number;
  end: number;
  bytes: number;
  url: string;
}

export interface ApiCamera {
  id: string;
  state: string;
  lastError: string | null;
}
