/**
 * Playback (README, "Performance"): the real `hearth start` records one simulated camera (live 720p
 * scene), then a point in the past is played two ways:
 *   server side: playlist request, then the first segment's init and media byte ranges
 *   (in parallel, as players do), until the first byte of the media range (target < 50 ms);
 *   in Chromium: the same through MSE until the first decoded frame (target < 500 ms).
 * Floor: the same requests against a static file server (express.static) holding the same
 * playlist text and the same segment file, so the difference is Hearth's own cost
 * (session, the gate, SQLite rows, stat and init parsing per segment).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openSqlite } from '../src/db/sqlite.ts';
import { recordingRoot } from '../src/recording/layout.ts';
import { chromiumFlags, chromiumPath } from '../test/helpers/browser.ts';
import { ratioOf, round, type BenchOptions, type BenchRow, type BenchSection } from './report.ts';
import { setupAdmin, startHearthRig, type HearthRig } from './lib/hearthRig.ts';
import { playbackPageHtml } from './lib/playbackPage.ts';
import { pollUntil, seededRandom, summarize, type Summary } from './lib/timing.ts';

const pagePath = '/bench-playback.html';
const segmentsWanted = 2;

interface Target {
  base: string;
  cookie: string | null;
}

interface SegmentRow {
  id: number;
  startMs: number;
  endMs: number;
  path: string;
}

export async function run(options: BenchOptions): Promise<BenchSection> {
  const rig = await startHearthRig({ cameras: 1, media: 'live', serialPrefix: 'HPLAY', segmentSeconds: 10, log: options.log });
  const staticDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-static-'));
  let staticServer: http.Server | undefined;
  let browser: Browser | undefined;
  try {
    const cookie = await setupAdmin(rig);
    options.log(`playback: recording until ${segmentsWanted} segments are indexed`);
    if (!(await pollUntil(() => segments(rig).length >= segmentsWanted, 120_000, 1_000))) throw new Error(`fewer than ${segmentsWanted} segments after 120 s`);
    const recorded = segments(rig);
    const cameraId = rig.cameraIds[0]!;
    const random = seededRandom(4);
    const pointInPast = (): number => {
      const segment = recorded[Math.floor(random() * recorded.length)]!;
      return segment.startMs + 1_000 + Math.floor(random() * (segment.endMs - segment.startMs - 2_000));
    };
    const playlistPath = (atMs: number): string => `/api/cameras/${cameraId}/playlist.m3u8?from=${atMs}&to=${atMs + 60_000}`;

    // The floor: the same playlist text and segment files, served by express.static.
    const hearth: Target = { base: rig.url, cookie };
    const sample = await fetchText(hearth, playlistPath(recorded[0]!.startMs + 1_000));
    mkdirSync(path.join(staticDir, 'api', 'cameras', cameraId), { recursive: true });
    mkdirSync(path.join(staticDir, 'api', 'segments'), { recursive: true });
    writeFileSync(path.join(staticDir, 'api', 'cameras', cameraId, 'playlist.m3u8'), sample);
    // Both names the route answers: playlists name the `.mp4` form (src/http/API.md).
    for (const segment of recorded) {
      for (const name of [String(segment.id), `${segment.id}.mp4`]) copyFileSync(path.join(recordingRoot(rig.dataDir), segment.path), path.join(staticDir, 'api', 'segments', name));
    }
    const app = express();
    app.use(express.static(staticDir, { etag: false, lastModified: false }));
    staticServer = await new Promise<http.Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
    const address = staticServer.address();
    const floor: Target = { base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, cookie: null };

    const reps = options.quick ? 15 : 40;
    options.log(`playback: ${reps} server-side runs each against hearth and the static floor`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const server = { hearth: [] as number[], floor: [] as number[] };
    for (let i = 0; i < reps + 3; i += 1) {
      const atMs = pointInPast();
      // Alternate who goes first, so neither always meets a cold or a warm machine.
      const order: Array<['hearth' | 'floor', Target]> = i % 2 === 0 ? [['hearth', hearth], ['floor', floor]] : [['floor', floor], ['hearth', hearth]];
      for (const [name, target] of order) {
        const ms = await firstMediaByteMs(target, playlistPath(atMs), agent);
        if (i >= 3) server[name].push(ms);
      }
    }
    agent.destroy();

    options.log('playback: chromium, first decoded frame');
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags, headless: true, timeout: 60_000 });
    const hearthPage = await openPlayerPage(browser, hearth);
    const floorPage = await openPlayerPage(browser, floor);
    const frames = { hearth: [] as number[], floor: [] as number[] };
    const browserReps = options.quick ? 5 : 12;
    let codec = '';
    for (let i = 0; i < browserReps + 2; i += 1) {
      const atMs = pointInPast();
      const order: Array<['hearth' | 'floor', Page]> = i % 2 === 0 ? [['hearth', hearthPage], ['floor', floorPage]] : [['floor', floorPage], ['hearth', hearthPage]];
      for (const [name, page] of order) {
        const result = (await page.evaluate(`window.benchPlay(${JSON.stringify(playlistPath(atMs))})`)) as { totalMs: number; bytesMs: number; codec: string };
        codec = result.codec;
        if (i >= 2) frames[name].push(result.totalMs);
      }
    }

    const serverH = summarize(server.hearth);
    const serverF = summarize(server.floor);
    const frameH = summarize(frames.hearth);
    const frameF = summarize(frames.floor);
    const rows: BenchRow[] = [
      row('request to first media byte, server side (median)', serverH, serverF, 50, `p95 ${round(serverH.p95Ms, 1)} ms over ${serverH.count} runs; playlist, then init + media byte ranges`),
      row('request to first decoded frame in Chromium (median)', frameH, frameF, 500, `p95 ${round(frameH.p95Ms, 1)} ms over ${frameH.count} runs; MSE, ${codec}, 1280x720 segment of ${round(averageBytes(rig, recorded) / 1e6, 2)} MB`),
    ];
    return {
      section: 'playback',
      rows,
      details: { segments: recorded.length, serverHearth: serverH, serverFloor: serverF, chromiumHearth: frameH, chromiumFloor: frameF, codec },
    };
  } finally {
    await browser?.close();
    await new Promise<void>((resolve) => (staticServer ? staticServer.close(() => resolve()) : resolve()));
    rmSync(staticDir, { recursive: true, force: true });
    await rig.stop();
  }
}

function row(metric: string, value: Summary, floor: Summary, targetMs: number, note: string): BenchRow {
  const met = value.medianMs < targetMs;
  return {
    section: 'playback',
    metric,
    value: round(value.medianMs, 2),
    unit: 'ms',
    floor: round(floor.medianMs, 2),
    ...(ratioOf(value.medianMs, floor.medianMs) === undefined ? {} : { ratio: ratioOf(value.medianMs, floor.medianMs) }),
    target: `< ${targetMs} ms`,
    met,
    note,
  };
}

function segments(rig: HearthRig): SegmentRow[] {
  const db = openSqlite(rig.dbFile);
  try {
    return db.prepare('SELECT id, start_ms AS startMs, end_ms AS endMs, path FROM segments WHERE deleting = 0 ORDER BY start_ms').all() as SegmentRow[];
  } finally {
    db.close();
  }
}

function averageBytes(rig: HearthRig, rows: SegmentRow[]): number {
  const db = openSqlite(rig.dbFile);
  try {
    return (db.prepare(`SELECT avg(bytes) AS b FROM segments WHERE id IN (${rows.map((r) => r.id).join(',')})`).get() as { b: number }).b;
  } finally {
    db.close();
  }
}

async function fetchText(target: Target, pathname: string): Promise<string> {
  const response = await fetch(target.base + pathname, { headers: target.cookie ? { Cookie: target.cookie } : {} });
  if (!response.ok) throw new Error(`${pathname} answered ${response.status}`);
  return response.text();
}

/** One GET with node:http: resolves at the first body byte (or the whole body when `whole`). */
function get(target: Target, pathname: string, agent: http.Agent, range: string | null, whole: boolean): Promise<{ body: string; firstByteAt: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (target.cookie) headers.Cookie = target.cookie;
    if (range) headers.Range = range;
    const request = http.get(target.base + pathname, { agent, headers, timeout: 30_000 }, (response) => {
      if ((response.statusCode ?? 0) >= 300) {
        // The answer's own words (bounded) say which 404 it is: no row, not yours, or file gone.
        let text = '';
        response.on('data', (chunk: Buffer) => (text = (text + chunk.toString('utf8')).slice(0, 300)));
        response.on('end', () => reject(new Error(`${pathname} answered ${response.statusCode}: ${text}`)));
        return;
      }
      const chunks: Buffer[] = [];
      let firstByteAt = 0;
      response.on('data', (chunk: Buffer) => {
        if (firstByteAt === 0) firstByteAt = performance.now();
        if (whole) chunks.push(chunk);
      });
      response.on('end', () => resolve({ body: Buffer.concat(chunks).toString('utf8'), firstByteAt }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`${pathname} timed out`)));
    request.on('error', reject);
  });
}

/** Playlist, then init and media ranges of its first segment in parallel: ms to the media range's first byte. */
async function firstMediaByteMs(target: Target, playlistPathname: string, agent: http.Agent): Promise<number> {
  const t0 = performance.now();
  const playlist = (await get(target, playlistPathname, agent, null, true)).body;
  const map = /#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@(\d+)"/.exec(playlist);
  const media = /#EXT-X-BYTERANGE:(\d+)@(\d+)\n([^\n#]+)/.exec(playlist);
  if (!map || !media) throw new Error(`playlist without byte ranges:\n${playlist.slice(0, 500)}`);
  const range = (len: string, off: string): string => `bytes=${off}-${Number(off) + Number(len) - 1}`;
  const [, mediaResult] = await Promise.all([
    get(target, map[1]!, agent, range(map[2]!, map[3]!), false),
    get(target, media[3]!, agent, range(media[1]!, media[2]!), false),
  ]);
  return mediaResult.firstByteAt - t0;
}

/** A page at the target's own origin (served by the bench through Playwright routing), session cookie set. */
async function openPlayerPage(browser: Browser, target: Target): Promise<Page> {
  const context = await browser.newContext();
  if (target.cookie) {
    const [name, ...value] = target.cookie.split('=');
    await context.addCookies([{ name: name!, value: value.join('='), url: target.base }]);
  }
  const page = await context.newPage();
  await page.route(`${target.base}${pagePath}`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: playbackPageHtml }));
  await page.goto(`${target.base}${pagePath}`);
  return page;
}

// `node --import tsx bench/playback.ts` runs this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const section = await run({ quick: process.argv.includes('--quick'), log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(section, null, 2)}\n`);
}
