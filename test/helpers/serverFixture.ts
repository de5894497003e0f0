/**
 * A real LAN server for the server-* tests: temp data dir, real SQLite, 3 cameras with
 * real fragmented-MP4 segments (a different picture size per camera, so any byte of
 * video names its camera), real JPEG thumbnails, 5 users with different grants, and
 * injected camera-status and live sources that the tests can make drop and reconnect.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { upsertCamera } from '../../src/cameras/cameraRows.ts';
import { defaultConfig, type HearthConfig } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';
import { hashPassword } from '../../src/auth/password.ts';
import { insertUser, setGrant, type GrantScope, type Role } from '../../src/auth/userRows.ts';
import { composeApp, type AppInputs } from '../../src/composeApp.ts';
import { listen, type HttpServer } from '../../src/http/server.ts';
import type { CameraStatusSource, CameraStatusView } from '../../src/http/sources.ts';
import { liveSourceFromFeeds } from '../../src/live/liveSource.ts';
import { LiveFeed } from '../../src/live/liveFeed.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import { insertSegments } from '../../src/recording/segmentRows.ts';
import { fragmentedInitLength } from '../../src/playback/mp4Init.ts';

export interface CameraMedia {
  id: string;
  width: number;
  height: number;
  /** The source segment file (copied under the recording root for each row). */
  file: string;
  bytes: Buffer;
  init: Buffer;
  thumbnail: Buffer;
  segmentIds: number[];
  eventIds: number[];
}

export const cameraSpecs = [
  { id: 'front-door', width: 320, height: 240, colour: 'red' },
  { id: 'nursery', width: 352, height: 288, colour: 'blue' },
  { id: 'garden', width: 256, height: 192, colour: 'green' },
] as const;

export type CameraId = (typeof cameraSpecs)[number]['id'];

export const userSpecs: Array<{ name: string; role: Role; grants: Partial<Record<CameraId, GrantScope>> }> = [
  { name: 'ann', role: 'admin', grants: {} },
  { name: 'bob', role: 'viewer', grants: { 'front-door': 'export', nursery: 'export', garden: 'export' } },
  { name: 'lodger', role: 'viewer', grants: { 'front-door': 'live' } },
  { name: 'kid', role: 'viewer', grants: { 'front-door': 'recordings', garden: 'export' } },
  { name: 'gran', role: 'viewer', grants: {} },
];

export const passwordOf = (name: string): string => `${name}-secret-pass`;

/** Recordings start here: fixed, so ranges in tests are exact. */
export const recordedFromMs = Date.UTC(2026, 10, 20, 12, 0, 0);
export const segmentMs = 4_000;
export const segmentsPerCamera = 3;

const mediaCache = path.join(os.tmpdir(), 'hearth-server-test-media');

function makeMedia(spec: (typeof cameraSpecs)[number]): { file: string; thumbnailFile: string } {
  mkdirSync(mediaCache, { recursive: true });
  const file = path.join(mediaCache, `${spec.id}.mp4`);
  const thumbnailFile = path.join(mediaCache, `${spec.id}.jpg`);
  if (!existsSync(file)) {
    // What the recorder writes: H.264, 2 fragments per second of keyframes, empty moov.
    execFileSync('nice', ['ffmpeg', '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${spec.width}x${spec.height}:rate=10`, '-t', '4',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '5', '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', `${file}.tmp`]);
    execFileSync('mv', [`${file}.tmp`, file]);
  }
  if (!existsSync(thumbnailFile)) {
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${spec.colour}:size=160x120`, '-frames:v', '1', '-f', 'image2', thumbnailFile]);
  }
  return { file, thumbnailFile };
}

/** Camera states the tests can flip all at once ("every camera drops and reconnects"). */
export class ToggleStatus implements CameraStatusSource {
  private states = new Map<string, CameraStatusView>();
  set(cameraId: string, view: CameraStatusView): void {
    this.states.set(cameraId, view);
  }
  status(cameraId: string): CameraStatusView | null {
    return this.states.get(cameraId) ?? null;
  }
}

/** Real LiveFeeds fed with each camera's real fMP4 bytes on a timer, like the recorder's stdout. */
export class FakeRecorders {
  readonly feeds = new Map<string, LiveFeed>();
  private timer: NodeJS.Timeout | undefined;
  private connected = true;

  constructor(private readonly media: CameraMedia[]) {
    for (const m of media) {
      const feed = new LiveFeed(m.id);
      feed.setMaxListeners(0);
      this.feeds.set(m.id, feed);
      feed.push(m.init);
    }
  }

  start(periodMs: number): void {
    let tick = 0;
    this.timer = setInterval(() => {
      if (!this.connected) return;
      tick += 1;
      for (const m of this.media) {
        // One whole fragment-group per tick: the file's bytes after the init section.
        if (tick % 5 === 0) this.feeds.get(m.id)?.push(m.bytes.subarray(m.init.length));
      }
    }, periodMs);
  }

  /** Every camera drops at once (feeds reset, no data)... */
  dropAll(): void {
    this.connected = false;
    for (const feed of this.feeds.values()) feed.restart();
  }

  /** ... and reconnects at once: a new init segment each. */
  reconnectAll(): void {
    for (const m of this.media) this.feeds.get(m.id)?.push(m.init);
    this.connected = true;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface ServerFixture {
  url: string;
  db: Db;
  dataDir: string;
  config: HearthConfig;
  media: Map<string, CameraMedia>;
  status: ToggleStatus;
  recorders: FakeRecorders;
  logLines: string[];
  http: HttpServer;
  stop(): Promise<void>;
}

export async function startServerFixture(overrides: Partial<AppInputs> = {}, options: { users?: boolean } = {}): Promise<ServerFixture> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-server-'));
  const logLines: string[] = [];
  const log = createLogger({ level: 'debug', sink: { write: (line) => logLines.push(line) } });
  const db = openDatabase(path.join(dataDir, 'hearth.db'), log);
  const config: HearthConfig = { ...defaultConfig(), dataDir, http: { port: 0, host: '127.0.0.1', allowNonLan: false } };
  const root = recordingRoot(dataDir);
  const media = new Map<string, CameraMedia>();
  const status = new ToggleStatus();
  const segmentIdOf = db.prepare('SELECT id FROM segments WHERE path = ?');
  const insertEvent = db.prepare('INSERT INTO events (camera_id, start_ms, end_ms, score, region, thumbnail_path) VALUES (?, ?, ?, ?, ?, ?)');

  for (const spec of cameraSpecs) {
    upsertCamera(db, {
      id: spec.id, name: spec.id, source: 'config', enabled: true, onvif: null,
      streams: { main: `rtsp://127.0.0.1:1/${spec.id}`, sub: null }, retentionDays: null, motionEnabled: true, nowMs: Date.now(),
    });
    const { file, thumbnailFile } = makeMedia(spec);
    const bytes = readFileSync(file);
    const initLength = await fragmentedInitLength(file);
    if (initLength === null) throw new Error(`${file} is not a fragmented MP4`);
    const m: CameraMedia = {
      id: spec.id, width: spec.width, height: spec.height, file, bytes, init: bytes.subarray(0, initLength),
      thumbnail: readFileSync(thumbnailFile), segmentIds: [], eventIds: [],
    };
    const day = new Date(recordedFromMs).toISOString().slice(0, 10);
    mkdirSync(path.join(root, spec.id, day), { recursive: true });
    for (let i = 0; i < segmentsPerCamera; i += 1) {
      const startMs = recordedFromMs + i * segmentMs;
      const stamp = new Date(startMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const relative = path.posix.join(spec.id, day, `${stamp}-r1.mp4`);
      copyFileSync(file, path.join(root, relative));
      // Through the indexer's function, so the timeline's coverage spans follow as in a home.
      insertSegments(db, [{ cameraId: spec.id, startMs, endMs: startMs + segmentMs, bytes: bytes.length, path: relative }]);
      m.segmentIds.push((segmentIdOf.get(relative) as { id: number }).id);
    }
    const thumbDir = path.join(dataDir, 'thumbnails', spec.id, day);
    mkdirSync(thumbDir, { recursive: true });
    for (let i = 0; i < 4; i += 1) {
      const startMs = recordedFromMs + i * 2_000;
      const id = Number(insertEvent.run(spec.id, startMs, startMs + 1_500, 0.5, '{"x":0,"y":0,"w":1,"h":1}', null).lastInsertRowid);
      // The last event has no thumbnail yet (still being written, say).
      if (i < 3) {
        const relative = path.posix.join('thumbnails', spec.id, day, `${id}.jpg`);
        copyFileSync(thumbnailFile, path.join(dataDir, relative));
        db.prepare('UPDATE events SET thumbnail_path = ? WHERE id = ?').run(relative, id);
      }
      m.eventIds.push(id);
    }
    media.set(spec.id, m);
    status.set(spec.id, { state: 'recording', lastError: null, lastErrorAtMs: null });
  }

  if (options.users !== false) {
    for (const u of userSpecs) {
      const user = insertUser(db, { username: u.name, role: u.role, passwordHash: await hashPassword(passwordOf(u.name)), nowMs: Date.now() });
      for (const [camera, scope] of Object.entries(u.grants)) setGrant(db, user.id, camera, scope);
    }
  }

  const recorders = new FakeRecorders([...media.values()]);
  recorders.start(100);
  const app = composeApp({
    db,
    config,
    log,
    health: { startedAtMs: Date.now(), version: 'test', cameraCounts: () => ({ total: 3, recording: 3 }) },
    status,
    live: liveSourceFromFeeds((id) => recorders.feeds.get(id) ?? null),
    liveRecheckMs: 250,
    ...overrides,
  });
  const http = await listen(app, '127.0.0.1', 0);
  return {
    url: `http://127.0.0.1:${http.port}`,
    db,
    dataDir,
    config,
    media,
    status,
    recorders,
    logLines,
    http,
    stop: async () => {
      recorders.stop();
      await http.close();
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A browser-like client: keeps the session cookie. */
export class Client {
  cookie: string | null = null;
  constructor(readonly base: string) {}

  async request(pathname: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set('Cookie', this.cookie);
    const response = await fetch(this.base + pathname, { ...init, headers, redirect: 'manual' });
    const set = response.headers.get('set-cookie');
    if (set) {
      const pair = set.split(';')[0] ?? '';
      this.cookie = pair.endsWith('=') ? null : pair;
    }
    return response;
  }

  json(pathname: string, method: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(pathname, { method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } });
  }

  async login(username: string, password = passwordOf(username)): Promise<Response> {
    return this.json('/api/login', 'POST', { username, password });
  }
}

export async function loggedIn(base: string, username: string): Promise<Client> {
  const client = new Client(base);
  const response = await client.login(username);
  if (response.status !== 200) throw new Error(`login of ${username} failed: ${response.status} ${await response.text()}`);
  return client;
}

/** Width and height from the first `tkhd` box of an MP4 (16.16 fixed point at its end). */
export function mp4Size(bytes: Buffer): { width: number; height: number } | null {
  const at = bytes.indexOf('tkhd', 0, 'latin1');
  if (at < 4) return null;
  const boxStart = at - 4;
  const size = bytes.readUInt32BE(boxStart);
  if (boxStart + size > bytes.length) return null;
  return { width: bytes.readUInt32BE(boxStart + size - 8) >>> 16, height: bytes.readUInt32BE(boxStart + size - 4) >>> 16 };
}
