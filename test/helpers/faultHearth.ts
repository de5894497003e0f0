/**
 * The fault tests run the real `hearth start` in its own process group (so a "power cut"
 * can kill it and every ffmpeg it started at once), optionally behind a command prefix
 * (`ip netns exec NAME`) and with node preloads (`--import`), and log in as its first admin.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { firstRunSetup } from './apiSession.ts';
import { killGroup, startHearthProcess, type RunningHearthProcess } from './hearthProcess.ts';

export { killGroup };

export interface FaultHearth extends Omit<RunningHearthProcess, 'stop' | 'exited'> {
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

export async function startFaultHearth(options: FaultHearthOptions): Promise<FaultHearth> {
  const args = ['--config', options.configFile, '--data', options.dataDir, '--port', String(options.port ?? 0), '--host', options.host ?? '127.0.0.1'];
  const running = await startHearthProcess(args, {
    env: options.env,
    prefix: options.prefix,
    preloads: options.preloads,
    detached: true, // its own process group: ffmpeg children share it, so one kill takes them all
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  const exited = running.exited.then(() => undefined);
  return {
    ...running,
    exited,
    stop: (graceMs = 20_000) => running.stop('SIGTERM', graceMs),
    powerCut: async () => {
      const recorders = recorderPids(options.dataDir);
      killGroup(running.child, 'SIGKILL');
      for (const pid of recorders) killPid(pid);
      await exited;
      return recorders;
    },
  };
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
    return new ApiClient(hearth.url, await firstRunSetup(hearth, username, password));
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
