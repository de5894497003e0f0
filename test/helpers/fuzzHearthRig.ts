/**
 * A real `hearth start` process for the fault tests (README, "Reliability"): temp data dir, a config
 * file listing the given cameras (written as JSON, which is YAML), an admin account made
 * with the CLI before start, and a logged-in admin client. Discovery stays off unless a
 * private WS-Discovery port on loopback is given.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runHearth, startHearthProcess, type RunningHearthProcess } from './hearthProcess.ts';
import { Client } from './serverFixture.ts';
import { readMemoryKb } from '../../src/system/procFs.ts';

export interface RigCamera {
  id: string;
  main: string;
  sub?: string | null;
  onvif?: { url: string; username: string; password: string };
  motion?: boolean;
}

export interface RigOptions {
  cameras: RigCamera[];
  segmentSeconds?: number;
  /** WS-Discovery on 127.0.0.1 at this port (HEARTH_WSD_PORT); default: discovery off. */
  discoveryPort?: number;
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
}

export interface HearthRig {
  dataDir: string;
  url: string;
  pid: number;
  hearth: RunningHearthProcess;
  admin: Client;
  /** Adds a viewer through the admin API with the given grants, returns a logged-in client. */
  addViewer(name: string, grants: Record<string, 'live' | 'recordings' | 'export'>): Promise<Client>;
  /** Camera view from GET /api/cameras/:id as the admin. */
  camera(id: string): Promise<{ id: string; state: string; lastError: string | null; identity: { serial: string | null } } | null>;
  stop(): Promise<void>;
}

export const rigAdmin = { name: 'rig-admin', password: 'rig-admin-password-1' } as const;
export const passwordFor = (name: string): string => `${name}-password-long`;

/** Resident and peak resident memory of a process (kB), from /proc; null once it is gone. */
export function processMemoryKb(pid: number): { rssKb: number; peakKb: number } | null {
  const memory = readMemoryKb(pid);
  return memory && { rssKb: memory.rssKb ?? 0, peakKb: memory.peakKb ?? 0 };
}

export async function startHearthRig(options: RigOptions): Promise<HearthRig> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-fault-'));
  const configFile = path.join(dataDir, 'hearth.yaml');
  const config = {
    discovery: { enabled: options.discoveryPort !== undefined, interfaces: ['lo'] },
    recording: { segmentSeconds: options.segmentSeconds ?? 4 },
    cameras: options.cameras.map((c) => ({
      id: c.id,
      name: c.id,
      ...(c.onvif ? { onvif: c.onvif } : {}),
      streams: { main: c.main, ...(c.sub ? { sub: c.sub } : {}) },
      motion: { enabled: c.motion ?? false },
    })),
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const env: NodeJS.ProcessEnv = {
    HEARTH_DATA: dataDir,
    ...(options.discoveryPort !== undefined ? { HEARTH_DISCOVERY: 'on', HEARTH_WSD_PORT: String(options.discoveryPort) } : {}),
    ...options.env,
  };
  try {
    const added = await runHearth(['user', 'add', rigAdmin.name, '--role', 'admin', '--password-stdin', '--config', configFile], { env, input: `${rigAdmin.password}\n`, timeoutMs: 120_000 });
    if (added.code !== 0) throw new Error(`hearth user add failed: ${added.stderr}`);
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  let hearth: RunningHearthProcess;
  try {
    hearth = await startHearthProcess(['--port', '0', '--host', '127.0.0.1', '--config', configFile], { env, timeoutMs: options.startTimeoutMs ?? 120_000 });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const stop = async (): Promise<void> => {
    await hearth.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const admin = new Client(hearth.url);
    const login = await admin.login(rigAdmin.name, rigAdmin.password);
    if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${await login.text()}`);
    return {
      dataDir,
      url: hearth.url,
      pid: hearth.child.pid ?? 0,
      hearth,
      admin,
      addViewer: async (name, grants) => {
        const made = await admin.json('/api/users', 'POST', { username: name, role: 'viewer', password: passwordFor(name) });
        if (made.status !== 201) throw new Error(`adding ${name} failed: ${made.status} ${await made.text()}`);
        for (const [camera, scope] of Object.entries(grants)) {
          const granted = await admin.json(`/api/users/${name}/grants/${camera}`, 'PUT', { scope });
          if (granted.status !== 200) throw new Error(`granting ${name} ${camera} failed: ${granted.status} ${await granted.text()}`);
        }
        const client = new Client(hearth.url);
        const login = await client.login(name, passwordFor(name));
        if (login.status !== 200) throw new Error(`login of ${name} failed: ${login.status} ${await login.text()}`);
        return client;
      },
      camera: async (id) => {
        const response = await admin.request(`/api/cameras/${id}`);
        if (response.status !== 200) {
          await response.arrayBuffer();
          return null;
        }
        return (await response.json()) as { id: string; state: string; lastError: string | null; identity: { serial: string | null } };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls `predicate` (async) every `everyMs` until true or `timeoutMs`; throws naming `what`. */
export async function waitUntil(what: string, predicate: () => Promise<boolean>, timeoutMs: number, everyMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
