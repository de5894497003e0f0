/**
 * README, "Reliability": the reconnect storm with many users (the incident of docs/DESIGN.md, "Why it
 * exists", scaled up). A real `hearth start` records 16 simulated cameras (looped pre-rendered
 * clips, each with its camera's serial burnt in, so 16 fit 2 cores; HEARTH_STORM_CAMERAS
 * changes the count, HEARTH_LONG_TESTS=1 makes the storm 4 min instead of 30 s); 10 users
 * (one admin, nine viewers with different subsets and scopes) poll every camera route for
 * granted and not-granted cameras while all cameras drop and come back together, again
 * and again, and two pairs of cameras swap addresses mid-storm (DHCP after a power cut).
 *
 *  - every response is checked against the grants: a not-granted camera answers 404
 *    exactly like a nonexistent one, lists show only granted cameras, and the pictures
 *    that do come back (snapshots, live video) carry the burnt-in code of the right camera;
 *  - segments written after the swap are decoded (3 frames each; every one of the swapped
 *    cameras, the newest 3 of the others, all in the long run) and must hold only their own
 *    camera's serial code.
 *
 * CPU: each simulated camera runs one ffmpeg that renders 640x360 and encodes main
 * (1280x720) and sub (640x360); the simulator has no smaller scene, so Hearth records the
 * sub stream (a relocated camera follows ONVIF's main URI, 1280x720) and motion is off.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { startSimulator, cameraCodeForSerial, type Simulator } from '../../src/simulator/index.ts';
import { attachOnvifToSimulator } from '../../src/simulator/onvif/onvifCompanion.ts';
import type { OnvifCamera } from '../../src/simulator/onvif/onvifCamera.ts';
import { openSqlite, type Db } from '../../src/db/sqlite.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import type { Client } from '../helpers/serverFixture.ts';
import { rigAdmin, startHearthRig, waitUntil, type HearthRig } from '../helpers/fuzzHearthRig.ts';
import { Rng } from '../helpers/fuzzValues.ts';
import { decodeFrameCodes } from '../helpers/frameCodes.ts';
import { cameraListWrong, gatedStatusWrong, mayAccess } from '../helpers/grantOracle.ts';

type Scope = 'live' | 'recordings' | 'export';
const long = process.env.HEARTH_LONG_TESTS === '1';
const stormMs = Number(process.env.HEARTH_STORM_MS ?? (long ? 240_000 : 30_000));
/** The simulator loops a pre-rendered clip per camera (serial burnt in), so 16 cameras fit 2 cores. */
const cameraCount = Number(process.env.HEARTH_STORM_CAMERAS ?? 16);
/** Segments after the swap decoded per camera that was not swapped (swapped cameras: every one); long run: all. */
const sampledSegmentsPerCamera = long ? Infinity : 3;
const viewerCount = 9;
const simulatorCount = 2;
const stormEveryMs = 9_000;
const segmentSeconds = 4;
const maxLiveDecodes = long ? 200 : 30;
const maxSnapshotDecodes = long ? 200 : 30;

const cameraIds = Array.from({ length: cameraCount }, (_, i) => `cam-${String(i + 1).padStart(2, '0')}`);
const ghostIds = ['cam-00', `cam-${String(cameraCount + 1).padStart(2, '0')}`, 'cam-1', 'camera', 'attic'];

/** Serial prefixes whose 16 cameras all burn distinct 16-bit codes (a collision would blind the check). */
function distinctPrefixes(): string[] {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const prefixes = Array.from({ length: simulatorCount }, (_, s) => `ST${(process.pid + attempt) % 10_000}${String.fromCharCode(65 + s)}`);
    const codes = prefixes.flatMap((p) => Array.from({ length: cameraCount / simulatorCount }, (_, i) => cameraCodeForSerial(`${p}-${String(i + 1).padStart(4, '0')}`)));
    if (new Set(codes).size === codes.length) return prefixes;
  }
  throw new Error('no serial prefixes with distinct frame codes found');
}

/** Camera codes burnt into gray frames decoded from `input` (a file, or bytes on stdin); async, so polling goes on meanwhile. */
async function frameCodes(input: { file: string } | { bytes: Buffer; format: 'mp4' | 'image2pipe' }, maxFrames: number): Promise<{ codes: number[]; frames: number }> {
  // One JPEG has no "next frame" for the fps filter to compare with: scale only.
  const still = 'format' in input && input.format === 'image2pipe';
  const decoded = await decodeFrameCodes({ input: 'file' in input ? input.file : input, width: 640, height: 360, filter: `${still ? '' : 'fps=2,'}scale=640:360:flags=neighbor`, maxFrames, timeoutMs: 30_000 });
  return { codes: decoded.codes.map((c) => c.cameraCode), frames: decoded.frames };
}

interface Tally {
  requests: number;
  byKind: Record<string, number>;
  statuses: Record<string, number>;
  violations: string[];
  liveDecoded: number;
  snapshotsDecoded: number;
  /** Snapshots whose JPEG is too soft to read the code from (checked for a foreign code only). */
  snapshotsUnreadable: number;
  /** Live streams that ended (a storm) before a keyframe arrived. */
  liveUnreadable: number;
  /** Requests that got no HTTP answer at all (connection reset); each is followed by a health check. */
  networkErrors: string[];
}

test(`storm: ${cameraCount} cameras, ${viewerCount + 1} users, reconnect storms and address swaps; no response or segment carries the wrong camera`, { timeout: 900_000 }, async () => {
  const rng = new Rng(Number(process.env.HEARTH_STORM_SEED ?? process.pid));
  const discoveryPort = 40_000 + (process.pid % 20_000);
  const simulators: Simulator[] = [];
  const onvif: OnvifCamera[] = [];
  let rig: HearthRig | null = null;
  let db: Db | null = null;
  try {
    const prefixes = distinctPrefixes();
    const bootStarted = Date.now();
    simulators.push(...(await Promise.all(prefixes.map((serialPrefix) => startSimulator({ cameras: cameraCount / simulatorCount, serialPrefix, media: 'loop' })))));
    for (const simulator of simulators) onvif.push(...(await attachOnvifToSimulator(simulator, { discoveryPort })));
    const cameras = simulators.flatMap((s) => s.cameras);
    const expectedCode = new Map(cameraIds.map((id, i) => [id, cameraCodeForSerial(cameras[i]!.serial)]));
    const serialOf = new Map(cameraIds.map((id, i) => [id, cameras[i]!.serial]));

    rig = await startHearthRig({
      segmentSeconds,
      discoveryPort,
      cameras: cameraIds.map((id, i) => ({
        id,
        main: cameras[i]!.rtspUrl('sub', true),
        onvif: { url: onvif[i]!.service.url, ...cameras[i]!.credentials },
      })),
    });
    const hearth = rig;
    db = openSqlite(path.join(hearth.dataDir, 'hearth.db'));
    const segmentOwner = db.prepare('SELECT camera_id AS camera FROM segments WHERE id = ?');
    const segmentCount = db.prepare('SELECT count(*) AS n FROM segments WHERE camera_id = ? AND start_ms > ?');

    const allRecording = async (sinceMs: number): Promise<boolean> => {
      const response = await hearth.admin.request('/api/cameras');
      const list = (await response.json()) as Array<{ id: string; state: string }>;
      return list.length === cameraCount && list.every((c) => c.state === 'recording' && (segmentCount.get(c.id, sinceMs) as { n: number }).n > 0);
    };
    await waitUntil(`all ${cameraCount} cameras recording with a segment`, () => allRecording(0), 180_000, 1000);
    console.log(`storm: ${cameraCount} cameras recording ${Date.now() - bootStarted} ms after start`);

    // Users: the admin, and nine viewers each granted a different random subset with mixed scopes (one with none).
    const grants = new Map<string, Record<string, Scope>>();
    const clients: Array<{ user: string; client: Client }> = [{ user: rigAdmin.name, client: hearth.admin }];
    for (let v = 0; v < viewerCount; v += 1) {
      const name = `viewer${v + 1}`;
      const mine: Record<string, Scope> = {};
      if (v > 0) for (const id of cameraIds) if (rng.chance(0.3)) mine[id] = rng.pick<Scope>(['live', 'recordings', 'export']);
      grants.set(name, mine);
      clients.push({ user: name, client: await hearth.addViewer(name, mine) });
    }
    const usersReadyMs = Date.now() - bootStarted;
    const isAdmin = (user: string): boolean => user === rigAdmin.name;
    const allowed = (user: string, camera: string, need: Scope): boolean => mayAccess(cameraIds, { admin: isAdmin(user), grants: grants.get(user) ?? {} }, camera, need);

    const tally: Tally = { requests: 0, byKind: {}, statuses: {}, violations: [], liveDecoded: 0, snapshotsDecoded: 0, snapshotsUnreadable: 0, liveUnreadable: 0, networkErrors: [] };
    const fail = (user: string, what: string): void => {
      tally.violations.push(`${user}: ${what}`);
    };
    const wrongPicture = (user: string, camera: string, what: string, codes: number[]): void => {
      const expected = expectedCode.get(camera);
      const foreign = [...new Set(codes)].filter((c) => c !== expected);
      if (foreign.length > 0) fail(user, `${what} of ${camera} shows code(s) ${foreign.join(',')}, expected ${expected} (${serialOf.get(camera)})`);
    };

    const one = async (user: string, client: Client): Promise<void> => {
      const camera = rng.chance(0.85) ? rng.pick(cameraIds) : rng.pick(ghostIds);
      const kind = rng.pick(['cameras', 'me', 'camera', 'camera', 'segments', 'segments', 'events', 'eventsAll', 'snapshot', 'live', 'live']);
      tally.byKind[kind] = (tally.byKind[kind] ?? 0) + 1;
      tally.requests += 1;
      const gated = async (pathname: string, need: Scope, init?: RequestInit): Promise<Response> => {
        const response = await client.request(pathname, init);
        tally.statuses[response.status] = (tally.statuses[response.status] ?? 0) + 1;
        const may = allowed(user, camera, need);
        for (const wrong of gatedStatusWrong(pathname, response.status, may)) fail(user, wrong);
        return response;
      };
      switch (kind) {
        case 'cameras':
        case 'me': {
          const response = await client.request(kind === 'me' ? '/api/me' : '/api/cameras');
          const wrong = await cameraListWrong(response, kind, cameraIds.filter((c) => allowed(user, c, 'live')));
          if (wrong) fail(user, wrong);
          break;
        }
        case 'camera': {
          const response = await gated(`/api/cameras/${camera}`, 'live');
          const body = (await response.json()) as { id?: string; identity?: { serial: string | null } };
          if (response.status === 200 && (body.id !== camera || body.identity?.serial !== serialOf.get(camera))) {
            fail(user, `camera ${camera} answered ${body.id} with serial ${body.identity?.serial}`);
          }
          if (response.status === 404 && allowed(user, camera, 'live')) fail(user, `camera ${camera} -> 404 though granted`);
          break;
        }
        case 'segments': {
          const to = Date.now();
          const response = await gated(`/api/cameras/${camera}/segments?from=${to - 3_600_000}&to=${to}`, 'recordings');
          const body = (await response.json()) as Array<{ id: number }> | { error: string };
          if (response.status === 404 && allowed(user, camera, 'recordings')) fail(user, `segments of ${camera} -> 404 though granted`);
          if (response.status === 200 && Array.isArray(body)) {
            for (const s of body) {
              const owner = (segmentOwner.get(s.id) as { camera: string } | undefined)?.camera;
              if (owner !== undefined && owner !== camera) fail(user, `segments of ${camera} listed segment ${s.id} of ${owner}`);
            }
          }
          break;
        }
        case 'events': {
          const response = await gated(`/api/events?camera=${camera}&limit=20`, 'recordings');
          const body = (await response.json()) as Array<{ camera: string }> | { error: string };
          if (Array.isArray(body)) for (const e of body) if (e.camera !== camera) fail(user, `events of ${camera} include ${e.camera}`);
          break;
        }
        case 'eventsAll': {
          const response = await client.request('/api/events?limit=50');
          const body = (await response.json()) as Array<{ camera: string }>;
          for (const e of body) if (!allowed(user, e.camera, 'recordings')) fail(user, `events list shows ${e.camera}`);
          break;
        }
        case 'snapshot': {
          const response = await gated(`/api/cameras/${camera}/snapshot`, 'live');
          const bytes = Buffer.from(await response.arrayBuffer());
          if (response.status === 200 && tally.snapshotsDecoded < maxSnapshotDecodes) {
            const { codes } = await frameCodes({ bytes, format: 'image2pipe' }, 1);
            // The snapshot is a default-quality MJPEG: the code strip is sometimes too soft to read.
            if (codes.length === 0) tally.snapshotsUnreadable += 1;
            else tally.snapshotsDecoded += 1;
            wrongPicture(user, camera, 'snapshot', codes);
          }
          break;
        }
        case 'live': {
          const decode = tally.liveDecoded < maxLiveDecodes && allowed(user, camera, 'live');
          const controller = new AbortController();
          const timer = setTimeout(() => controller.abort(), decode ? 4_000 : 1_500);
          const chunks: Buffer[] = [];
          let status = 0;
          try {
            const response = await gated(`/api/cameras/${camera}/live.mp4`, 'live', { signal: controller.signal });
            status = response.status;
            if (response.status === 200) {
              const reader = response.body!.getReader();
              let got = 0;
              while (got < (decode ? 400_000 : 2_000)) {
                const { done, value } = await reader.read();
                if (done) break;
                chunks.push(Buffer.from(value));
                got += value.length;
              }
              await reader.cancel();
            } else {
              await response.arrayBuffer();
            }
          } catch (error) {
            if ((error as Error).name !== 'AbortError') throw error;
          } finally {
            clearTimeout(timer);
          }
          if (status === 200 && decode && chunks.length > 0) {
            const { codes } = await frameCodes({ bytes: Buffer.concat(chunks), format: 'mp4' }, 4);
            if (codes.length > 0) tally.liveDecoded += 1;
            else tally.liveUnreadable += 1;
            wrongPicture(user, camera, 'live video', codes);
          }
          break;
        }
      }
    };

    // The storm: all cameras down and back at the same instant, over and over; two address swaps a third of the way in.
    const started = Date.now();
    const deadline = started + stormMs;
    let storms = 0;
    let swapAtMs = 0;
    const swapped: string[] = [];
    const stormLoop = (async () => {
      while (Date.now() < deadline - 2_000) {
        const downMs = 500 + rng.int(2_000);
        await Promise.all(simulators.map((s) => s.stormRestart(downMs)));
        storms += 1;
        if (swapAtMs === 0 && Date.now() - started > stormMs / 3) {
          swapAtMs = Date.now();
          for (const [s, simulator] of simulators.entries()) {
            await simulator.swapAddresses(simulator.cameras[0]!, simulator.cameras[1]!);
            const base = s * (cameraCount / simulatorCount);
            swapped.push(cameraIds[base]!, cameraIds[base + 1]!);
          }
        }
        await new Promise((r) => setTimeout(r, Math.min(stormEveryMs, Math.max(0, deadline - Date.now()))));
      }
    })();
    await Promise.all(
      clients.map(async ({ user, client }) => {
        while (Date.now() < deadline) {
          try {
            await one(user, client);
          } catch (error) {
            if (!(error instanceof TypeError)) throw error;
            // No answer at all (a reset under load): not a wrong answer, but Hearth must still be up.
            const cause = (error as Error & { cause?: Error }).cause;
            tally.networkErrors.push(`${user}: ${error.message}${cause ? ` (${cause.message})` : ''}`);
            const health = await fetch(`${hearth.url}/api/health`).catch((e: Error) => e);
            if (health instanceof Error || health.status !== 200) fail(user, `Hearth stopped answering after a reset: ${String(health instanceof Error ? health.message : health.status)}\n${hearth.hearth.output().slice(-3000)}`);
            else await health.arrayBuffer();
          }
        }
      }),
    );
    await stormLoop;
    const elapsedMs = Date.now() - started;
    assert.ok(swapAtMs > 0, 'the swap happened');

    // Every camera, the swapped ones after following their serials, records again.
    const recoverStarted = Date.now();
    await waitUntil('every camera recording again with a segment after the storm', () => allRecording(swapAtMs), 120_000, 1000);
    const recoveredMs = Date.now() - recoverStarted;
    await hearth.hearth.stop(); // SIGTERM: open segments are finalised and indexed

    // Every segment written after the swap holds only its own camera's picture.
    const after = db
      .prepare('SELECT id, camera_id AS camera, path, start_ms AS startMs FROM segments WHERE end_ms > ? ORDER BY camera_id, start_ms DESC')
      .all(swapAtMs) as Array<{ id: number; camera: string; path: string; startMs: number }>;
    const rows = after.filter((row) => swapped.includes(row.camera) || after.filter((r) => r.camera === row.camera).indexOf(row) < sampledSegmentsPerCamera);
    let segmentsChecked = 0;
    let framesRead = 0;
    let unreadable = 0;
    const decodeStarted = Date.now();
    const queue = [...rows];
    // Two decoders at a time, a few frames each (half a second apart).
    await Promise.all(
      [0, 1].map(async () => {
        for (let row = queue.shift(); row !== undefined; row = queue.shift()) {
          const { codes, frames } = await frameCodes({ file: path.join(recordingRoot(hearth.dataDir), row.path) }, 3);
          segmentsChecked += 1;
          framesRead += frames;
          if (codes.length === 0) unreadable += 1;
          wrongPicture('recorder', row.camera, `segment ${row.path}`, codes);
        }
      }),
    );
    const decodeMs = Date.now() - decodeStarted;
    const perCamera = Object.fromEntries(cameraIds.map((id) => [id, after.filter((r) => r.camera === id).length]));

    console.log(
      `storm: ${tally.requests} requests checked in ${elapsedMs} ms by ${clients.length} users, ${storms} reconnect storms, ` +
        `swap of ${swapped.join('<->')} at +${swapAtMs - started} ms; all recording again ${recoveredMs} ms after the storm; ${tally.violations.length} violations`,
    );
    console.log(`  segments checked: ${segmentsChecked} of ${after.length} written after the swap (every one of the swapped cameras; ${framesRead} frames decoded in ${decodeMs} ms, ${unreadable} without a readable code); per camera ${JSON.stringify(perCamera)}`);
    console.log(`  phases: cameras recording and ${viewerCount + 1} users ready after ${usersReadyMs} ms`);
    console.log(`  pictures checked: ${tally.snapshotsDecoded} snapshots (${tally.snapshotsUnreadable} too soft to read), ${tally.liveDecoded} live streams decoded (${tally.liveUnreadable} cut before a keyframe)`);
    console.log(`  by kind: ${JSON.stringify(tally.byKind)}; statuses: ${JSON.stringify(tally.statuses)}`);
    console.log(`  connection resets (no answer, Hearth still healthy after each): ${tally.networkErrors.length} ${JSON.stringify(tally.networkErrors.slice(0, 5))}`);
    for (const v of tally.violations.slice(0, 15)) console.log(`  VIOLATION ${v}`);
    assert.deepEqual(tally.violations.slice(0, 15), []);
    assert.ok(tally.requests >= 100, `only ${tally.requests} requests`);
    assert.ok(segmentsChecked >= cameraCount, `only ${segmentsChecked} segments after the swap`);
    assert.ok(unreadable <= segmentsChecked / 10, `${unreadable} of ${segmentsChecked} segments had no readable code`);
    for (const id of swapped) assert.ok((perCamera[id] ?? 0) > 0, `swapped camera ${id} has segments after the swap`);
  } finally {
    db?.close();
    await rig?.stop();
    await Promise.all(simulators.map((s) => s.stop()));
    await Promise.all(onvif.map((o) => o.close()));
  }
});
