/**
 * GET /api/cameras/:id/coverage against a running server: the spans are the merge of the
 * segment rows the /segments route lists, a gap or a deleted segment splits a span,
 * quarantined recordings do not show, markers stand for the motion events, and a camera the
 * user may not see answers exactly like a missing one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { loggedIn, recordedFromMs, segmentMs, startServerFixture, type ServerFixture } from '../helpers/serverFixture.ts';
import { createLogger } from '../../src/log.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import { deleteSegmentRows, insertSegments } from '../../src/recording/segmentRows.ts';
import { quarantineSegmentsSince } from '../../src/recording/quarantine.ts';
import { coverageJoinMs } from '../../src/recording/coverageSpans.ts';

interface Coverage {
  fromMs: number;
  toMs: number;
  minGapMs: number;
  spans: { startMs: number; endMs: number }[];
  events: { startMs: number; endMs: number; count: number; alert: boolean; labels: string[] }[];
}

const from = recordedFromMs - 60_000;
const to = recordedFromMs + 3_600_000;

/** What the spans must be: the rows of the segments route, merged as the timeline joins them, clipped to the range. */
function mergedRows(rows: { startMs: number; endMs: number }[]): { startMs: number; endMs: number }[] {
  const spans: { startMs: number; endMs: number }[] = [];
  for (const row of [...rows].sort((a, b) => a.startMs - b.startMs)) {
    const last = spans.at(-1);
    if (last && row.startMs - last.endMs <= coverageJoinMs) last.endMs = Math.max(last.endMs, row.endMs);
    else spans.push({ startMs: Math.max(from, row.startMs), endMs: Math.min(to, row.endMs) });
  }
  return spans;
}

/** Adds one more front-door segment (a copy of the fixture's file) through the indexer's function. */
function addSegment(server: ServerFixture, startMs: number, endMs: number, name: string): void {
  const day = new Date(recordedFromMs).toISOString().slice(0, 10);
  const relative = path.posix.join('front-door', day, name);
  copyFileSync(server.media.get('front-door')!.file, path.join(recordingRoot(server.dataDir), relative));
  insertSegments(server.db, [{ cameraId: 'front-door', startMs, endMs, bytes: 1, path: relative }]);
}

test('coverage: spans match the segment rows through gaps, deletes and quarantine; markers; the gate', async () => {
  const server = await startServerFixture();
  try {
    const kid = await loggedIn(server.url, 'kid'); // front-door: recordings, garden: export, nursery: nothing
    const coverage = async (query = '') => {
      const response = await kid.request(`/api/cameras/front-door/coverage?from=${from}&to=${to}${query}`);
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal(response.headers.get('cache-control'), 'private, no-store');
      return (await response.json()) as Coverage;
    };
    const rows = async () => (await (await kid.request(`/api/cameras/front-door/segments?from=${from}&to=${to}`)).json()) as { startMs: number; endMs: number }[];

    // The fixture's three back-to-back segments: one span.
    const first = await coverage();
    assert.deepEqual(first.spans, [{ startMs: recordedFromMs, endMs: recordedFromMs + 3 * segmentMs }]);
    assert.deepEqual(first.spans, mergedRows(await rows()));
    assert.equal(first.minGapMs, 0);
    // Four events 2 s apart lasting 1.5 s: four markers, or one of four when gaps under a second merge.
    assert.deepEqual(first.events.map((e) => e.count), [1, 1, 1, 1]);
    assert.deepEqual((await coverage('&minGapMs=1000')).events, [{ startMs: recordedFromMs, endMs: recordedFromMs + 6_000 + 1_500, count: 4, alert: false, labels: [] }]);

    // A segment 5 s after the last one: a gap wider than the join opens a second span.
    const tailMs = recordedFromMs + 3 * segmentMs;
    addSegment(server, tailMs + 5_000, tailMs + 5_000 + segmentMs, 'later.mp4');
    const gapped = await coverage();
    assert.deepEqual(gapped.spans, [{ startMs: recordedFromMs, endMs: tailMs }, { startMs: tailMs + 5_000, endMs: tailMs + 5_000 + segmentMs }]);
    assert.deepEqual(gapped.spans, mergedRows(await rows()));
    // At a coarser resolution (a month view's pixel), the 5-s gap is merged away.
    assert.deepEqual((await coverage('&minGapMs=10000')).spans, [{ startMs: recordedFromMs, endMs: tailMs + 5_000 + segmentMs }]);

    // Deleting the middle segment (retention's row delete) splits the first span.
    const door = server.media.get('front-door')!;
    deleteSegmentRows(server.db, [door.segmentIds[1]!]);
    const split = await coverage();
    assert.deepEqual(split.spans, [
      { startMs: recordedFromMs, endMs: recordedFromMs + segmentMs },
      { startMs: recordedFromMs + 2 * segmentMs, endMs: tailMs },
      { startMs: tailMs + 5_000, endMs: tailMs + 5_000 + segmentMs },
    ]);
    assert.deepEqual(split.spans, mergedRows(await rows()));

    // Quarantine (another device answered at the camera's address) sets aside what ended after the first segment.
    const log = createLogger({ level: 'error', sink: { write: () => {} } });
    await quarantineSegmentsSince(server.db, recordingRoot(server.dataDir), 'front-door', recordedFromMs + segmentMs, log);
    const quarantined = await coverage();
    assert.deepEqual(quarantined.spans, [{ startMs: recordedFromMs, endMs: recordedFromMs + segmentMs }]);
    assert.deepEqual(quarantined.spans, mergedRows(await rows()));

    // The gate: no grant, or a missing camera, answer the same 404; a month's range is fine, three are not.
    const missing = await kid.request(`/api/cameras/no-such-camera/coverage?from=${from}&to=${to}`);
    const hidden = await kid.request(`/api/cameras/nursery/coverage?from=${from}&to=${to}`);
    assert.equal(hidden.status, 404);
    assert.equal(missing.status, 404);
    assert.deepEqual(await hidden.json(), await missing.json());
    const lodger = await loggedIn(server.url, 'lodger'); // front-door: live only
    const liveOnly = await lodger.request(`/api/cameras/front-door/coverage?from=${from}&to=${to}`);
    const liveOnlySegments = await lodger.request(`/api/cameras/front-door/segments?from=${from}&to=${to}`);
    assert.equal(liveOnly.status, liveOnlySegments.status);
    assert.equal(liveOnly.status, 404);
    const month = await kid.request(`/api/cameras/front-door/coverage?from=${to - 31 * 86_400_000}&to=${to}`);
    assert.equal(month.status, 200);
    assert.deepEqual(((await month.json()) as Coverage).spans, quarantined.spans);
    assert.equal((await kid.request(`/api/cameras/front-door/coverage?from=${to - 90 * 86_400_000}&to=${to}`)).status, 400);
    assert.equal((await kid.request(`/api/cameras/front-door/coverage?from=${from}&to=${to}&minGapMs=-3`)).status, 400);
    assert.equal((await kid.request(`/api/cameras/front-door/coverage?from=${from}&to=${to}&stream=sub`)).status, 200);
  } finally {
    await server.stop();
  }
});
