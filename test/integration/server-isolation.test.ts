/**
 * The incident test (docs/DESIGN.md, "Why it exists"): 3 cameras, 5 users with different grants,
 * 20 concurrent clients firing random requests (lists, thumbnails, segments, playlists,
 * live, snapshots, exports, events by id, guessed ids) while every camera drops and
 * reconnects at once, again and again. Every response is checked against the grants:
 * zero may carry a camera its user may not see. Then the audit log must show the
 * requests by user and camera.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedIn, mp4Size, recordedFromMs, segmentMs, startServerFixture, userSpecs, type Client, type ServerFixture } from '../helpers/serverFixture.ts';
import type { GrantScope } from '../../src/auth/userRows.ts';
import { cameraListWrong, gatedStatusWrong, mayAccess } from '../helpers/grantOracle.ts';

const durationMs = Number(process.env.HEARTH_ISOLATION_MS ?? 15_000);
const clientCount = 20;
const realCameras = ['front-door', 'nursery', 'garden'];
const guessedCameras = ['attic', 'front-door2', 'bedroom'];

function allowed(user: string, camera: string | null, need: GrantScope): boolean {
  const spec = userSpecs.find((u) => u.name === user);
  return mayAccess(realCameras, spec && { admin: spec.role === 'admin', grants: spec.grants as Partial<Record<string, GrantScope>> }, camera, need);
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

interface Tally {
  checked: number;
  violations: string[];
  byKind: Record<string, number>;
  /** Expected audit rows: `${user}|${camera ?? ''}|ok|denied` -> count. */
  audit: Map<string, number>;
  statuses: Record<string, number>;
}

function expectAudit(t: Tally, user: string, camera: string | null, ok: boolean): void {
  const key = `${user}|${camera ?? ''}|${ok ? 'ok' : 'denied'}`;
  t.audit.set(key, (t.audit.get(key) ?? 0) + 1);
}

class Checker {
  constructor(
    private readonly server: ServerFixture,
    private readonly tally: Tally,
  ) {}

  private segmentOwner = new Map<number, string>();
  private eventOwner = new Map<number, { camera: string; thumbnail: boolean }>();

  init(): void {
    for (const m of this.server.media.values()) {
      for (const id of m.segmentIds) this.segmentOwner.set(id, m.id);
      m.eventIds.forEach((id, i) => this.eventOwner.set(id, { camera: m.id, thumbnail: i < 3 }));
    }
  }

  async one(user: string, client: Client): Promise<void> {
    const t = this.tally;
    const fail = (what: string): void => {
      t.violations.push(`${user}: ${what}`);
    };
    const camera = Math.random() < 0.85 ? pick(realCameras) : pick(guessedCameras);
    const from = recordedFromMs;
    const to = recordedFromMs + 3 * segmentMs;
    const kind = pick(['cameras', 'me', 'camera', 'segments', 'playlist', 'segment', 'event', 'thumbnail', 'events', 'eventsAll', 'snapshot', 'live', 'export', 'segment', 'thumbnail', 'event']);
    t.byKind[kind] = (t.byKind[kind] ?? 0) + 1;
    const media = (id: string) => this.server.media.get(id);
    const gatedStatus = async (pathname: string, cam: string | null, need: GrantScope, init?: RequestInit): Promise<Response> => {
      const response = await client.request(pathname, init);
      const may = allowed(user, cam, need);
      expectAudit(t, user, cam, may);
      t.statuses[response.status] = (t.statuses[response.status] ?? 0) + 1;
      for (const wrong of gatedStatusWrong(pathname, response.status, may)) fail(wrong);
      if (may && response.status === 404 && !pathname.includes('thumbnail')) fail(`${pathname} -> 404 though allowed`);
      return response;
    };

    switch (kind) {
      case 'cameras':
      case 'me': {
        const response = await client.request(kind === 'me' ? '/api/me' : '/api/cameras');
        const wrong = await cameraListWrong(response, kind, realCameras.filter((c) => allowed(user, c, 'live')));
        if (wrong) fail(wrong);
        break;
      }
      case 'camera': {
        const response = await gatedStatus(`/api/cameras/${camera}`, camera, 'live');
        const body = (await response.json()) as { id?: string };
        if (response.status === 200 && body.id !== camera) fail(`camera ${camera} answered ${body.id}`);
        break;
      }
      case 'segments': {
        const response = await gatedStatus(`/api/cameras/${camera}/segments?from=${from}&to=${to}`, camera, 'recordings');
        const body = (await response.json()) as Array<{ id: number }> | { error: string };
        if (response.status === 200 && Array.isArray(body)) {
          for (const s of body) if (this.segmentOwner.get(s.id) !== camera) fail(`segments of ${camera} listed segment ${s.id} of ${this.segmentOwner.get(s.id)}`);
        }
        break;
      }
      case 'playlist': {
        const response = await gatedStatus(`/api/cameras/${camera}/playlist.m3u8?from=${from}&to=${to}`, camera, 'recordings');
        const text = await response.text();
        if (response.status === 200) {
          for (const match of text.matchAll(/\/api\/segments\/(\d+)/g)) {
            if (this.segmentOwner.get(Number(match[1])) !== camera) fail(`playlist of ${camera} lists segment ${match[1]}`);
          }
        }
        break;
      }
      case 'segment': {
        // Real ids and guessed ones (just past the real ones, or anywhere).
        const id = Math.random() < 0.7 ? pick([...this.segmentOwner.keys()]) : Math.floor(Math.random() * 40) + 1;
        const owner = this.segmentOwner.get(id) ?? null;
        const start = Math.floor(Math.random() * 2000);
        const response = await gatedStatus(`/api/segments/${id}`, owner, 'recordings', { headers: { Range: `bytes=${start}-${start + 4095}` } });
        const bytes = Buffer.from(await response.arrayBuffer());
        if (response.status === 206 && owner) {
          const expected = media(owner)?.bytes.subarray(start, start + 4096);
          if (!expected || !bytes.equals(expected)) fail(`segment ${id} bytes are not ${owner}'s`);
        } else if (response.status !== 404) fail(`segment ${id} -> ${response.status}`);
        break;
      }
      case 'event':
      case 'thumbnail': {
        const ids = [...this.eventOwner.keys()];
        const id = Math.random() < 0.7 ? pick(ids) : Math.floor(Math.random() * 30) + 1;
        const owner = this.eventOwner.get(id) ?? null;
        const suffix = kind === 'thumbnail' ? '/thumbnail' : '';
        const response = await gatedStatus(`/api/events/${id}${suffix}`, owner?.camera ?? null, 'recordings');
        const bytes = Buffer.from(await response.arrayBuffer());
        if (response.status === 200 && owner) {
          if (kind === 'thumbnail') {
            if (!bytes.equals(media(owner.camera)?.thumbnail ?? Buffer.alloc(0))) fail(`thumbnail of event ${id} is not ${owner.camera}'s`);
          } else if ((JSON.parse(bytes.toString()) as { camera: string }).camera !== owner.camera) fail(`event ${id} named another camera`);
        }
        if (kind === 'thumbnail' && owner && allowed(user, owner.camera, 'recordings') && response.status !== (owner.thumbnail ? 200 : 404)) {
          fail(`thumbnail of event ${id} -> ${response.status}`);
        }
        break;
      }
      case 'events': {
        const response = await gatedStatus(`/api/events?camera=${camera}&from=${from}&to=${to}&limit=50`, camera, 'recordings');
        const body = (await response.json()) as Array<{ camera: string }> | { error: string };
        if (Array.isArray(body)) for (const e of body) if (e.camera !== camera) fail(`events of ${camera} include ${e.camera}`);
        break;
      }
      case 'eventsAll': {
        const response = await client.request(`/api/events?from=${from}&to=${to}`);
        const body = (await response.json()) as Array<{ id: number; camera: string }>;
        for (const e of body) {
          if (!allowed(user, e.camera, 'recordings')) fail(`events list shows ${e.camera}`);
          if (this.eventOwner.get(e.id)?.camera !== e.camera) fail(`event ${e.id} mislabelled ${e.camera}`);
        }
        break;
      }
      case 'snapshot': {
        const response = await gatedStatus(`/api/cameras/${camera}/snapshot`, camera, 'live');
        const bytes = Buffer.from(await response.arrayBuffer());
        if (response.status === 200 && !bytes.equals(media(camera)?.thumbnail ?? Buffer.alloc(0))) fail(`snapshot of ${camera} is another camera's`);
        break;
      }
      case 'live': {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), 1500);
        try {
          const response = await gatedStatus(`/api/cameras/${camera}/live.mp4`, camera, 'live', { signal: controller.signal });
          if (response.status === 200) {
            const reader = response.body?.getReader();
            let got = Buffer.alloc(0);
            const init = media(camera)?.init ?? Buffer.alloc(0);
            while (reader && got.length < init.length) {
              const { done, value } = await reader.read();
              if (done) break;
              got = Buffer.concat([got, Buffer.from(value)]);
            }
            // A drop may end the stream before the init arrives; whatever arrived must be this camera's.
            if (got.length > 0 && !got.subarray(0, Math.min(got.length, init.length)).equals(init.subarray(0, Math.min(got.length, init.length)))) {
              fail(`live of ${camera} carried another camera's video`);
            }
            await reader?.cancel();
          } else {
            await response.arrayBuffer();
          }
        } catch (error) {
          if ((error as Error).name !== 'AbortError') throw error;
        } finally {
          clearTimeout(timer);
        }
        break;
      }
      case 'export': {
        const response = await gatedStatus(`/api/export?camera=${camera}&from=${from}&to=${from + segmentMs}`, camera, 'export');
        const bytes = Buffer.from(await response.arrayBuffer());
        if (response.status === 200) {
          const size = mp4Size(bytes);
          const m = media(camera);
          if (!size || size.width !== m?.width || size.height !== m.height) fail(`export of ${camera} has size ${JSON.stringify(size)}`);
        }
        break;
      }
    }
    t.checked += 1;
  }
}

test(`isolation: ${clientCount} clients, 5 users, 3 cameras dropping and reconnecting at once, every response checked`, async () => {
  const server = await startServerFixture({
    // Snapshots from a per-camera JPEG: the content names the camera, and no ffmpeg per request.
    snapshot: { snapshot: async (id) => server.media.get(id)?.thumbnail ?? null },
  });
  try {
    const tally: Tally = { checked: 0, violations: [], byKind: {}, audit: new Map(), statuses: {} };
    const checker = new Checker(server, tally);
    checker.init();
    // Four clients per user, all logged in before the clock starts.
    const clients = await Promise.all(
      Array.from({ length: clientCount }, async (_, i) => {
        const user = userSpecs[i % userSpecs.length]?.name ?? 'gran';
        return { user, client: await loggedIn(server.url, user) };
      }),
    );
    const auditBefore = (server.db.prepare('SELECT max(id) AS id FROM audit_log').get() as { id: number }).id;

    // The reconnect storm: every camera drops and comes back together, over and over.
    let storms = 0;
    const storm = setInterval(() => {
      storms += 1;
      for (const id of realCameras) server.status.set(id, { state: 'retrying', lastError: `lost ${id}`, lastErrorAtMs: Date.now() });
      server.recorders.dropAll();
      setTimeout(() => {
        for (const id of realCameras) server.status.set(id, { state: 'recording', lastError: null, lastErrorAtMs: null });
        server.recorders.reconnectAll();
      }, 200 + Math.random() * 300);
    }, 1500);

    const started = Date.now();
    const deadline = started + durationMs;
    await Promise.all(
      clients.map(async ({ user, client }) => {
        while (Date.now() < deadline) await checker.one(user, client);
      }),
    );
    clearInterval(storm);
    const elapsedMs = Date.now() - started;

    console.log(
      `isolation: ${tally.checked} requests checked in ${elapsedMs} ms (${Math.round((tally.checked / elapsedMs) * 1000)}/s), ` +
        `${storms} reconnect storms, ${tally.violations.length} violations`,
    );
    console.log(`  by kind: ${JSON.stringify(tally.byKind)}`);
    console.log(`  statuses: ${JSON.stringify(tally.statuses)}`);
    assert.deepEqual(tally.violations.slice(0, 20), []);
    assert.ok(tally.checked >= 1000, `only ${tally.checked} requests in ${elapsedMs} ms`);

    // The audit log shows every gated request by user and camera, allowed or not.
    const rows = server.db
      .prepare(
        `SELECT username, coalesce(camera_id, '') AS camera, outcome, count(*) AS n FROM audit_log
          WHERE id > ? AND action IN ('live', 'recordings', 'export') GROUP BY 1, 2, 3`,
      )
      .all(auditBefore) as Array<{ username: string; camera: string; outcome: string; n: number }>;
    const actual = new Map(rows.map((r) => [`${r.username}|${r.camera}|${r.outcome}`, r.n]));
    assert.deepEqual(new Map([...actual].sort()), new Map([...tally.audit].sort()));
    const admin = await loggedIn(server.url, 'ann');
    const kidNursery = (await (await admin.request('/api/audit?user=kid&camera=nursery&limit=10000')).json()) as Array<{ user: string; camera: string; outcome: string }>;
    assert.equal(kidNursery.length, tally.audit.get('kid|nursery|denied') ?? 0);
    assert.ok(kidNursery.every((r) => r.user === 'kid' && r.camera === 'nursery' && r.outcome === 'denied'));
    console.log('  audit rows by user|camera|outcome:');
    for (const [key, n] of [...actual].sort()) console.log(`    ${key} ${n}`);
  } finally {
    await server.stop();
  }
});
