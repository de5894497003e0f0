/**
 * Open live views are capped per user and in all: a page or script that opens streams and
 * never reads them cannot take the box's memory; the cap names itself; a closed stream
 * frees its slot. (Limits lowered here so the test opens a handful, not 48.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedIn, startServerFixture } from '../helpers/serverFixture.ts';

test('live views: per-user and total caps with a clear 429/503, slots freed when a viewer leaves', { timeout: 60_000 }, async () => {
  const server = await startServerFixture({ liveViewerLimits: { perUser: 3, total: 5 } });
  const open: Response[] = [];
  try {
    const kid = await loggedIn(server.url, 'kid');
    const bob = await loggedIn(server.url, 'bob');

    for (let i = 0; i < 3; i += 1) {
      const r = await kid.request(`/api/cameras/${i % 2 ? 'garden' : 'front-door'}/live.mp4`);
      assert.equal(r.status, 200, `kid's view ${i + 1}`);
      open.push(r);
    }
    const refused = await kid.request('/api/cameras/garden/live.mp4');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '5');
    const body = (await refused.json()) as { error: string; message: string };
    assert.equal(body.error, 'too_many_live_views');
    assert.match(body.message, /already has 3 live views open \(the limit is 3\); close other tabs/);
    // A HEAD probe is not a viewer and is never refused for the cap.
    assert.equal((await kid.request('/api/cameras/garden/live.mp4', { method: 'HEAD' })).status, 200);

    // Another user still gets views, up to the total.
    for (let i = 0; i < 2; i += 1) {
      const r = await bob.request('/api/cameras/nursery/live.mp4');
      assert.equal(r.status, 200, `bob's view ${i + 1}`);
      open.push(r);
    }
    const full = await bob.request('/api/cameras/nursery/live.mp4');
    assert.equal(full.status, 503);
    assert.match(((await full.json()) as { message: string }).message, /serving 5 live views, its limit/);

    // Kid closes one tab: the slot comes back once the server sees the close.
    await open.shift()!.body!.cancel();
    // Polled, bounded: the close reaches the server asynchronously.
    for (let i = 0; i < 40; i += 1) {
      const r = await kid.request('/api/cameras/garden/live.mp4');
      if (r.status === 200) {
        open.push(r);
        break;
      }
      await r.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(open.length, 5, 'the freed slot was taken again');
  } finally {
    await Promise.all(open.map((r) => r.body?.cancel().catch(() => undefined)));
    await server.stop();
  }
});
