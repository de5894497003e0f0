/**
 * README, "Reliability": clock jumps. While Hearth records, its wall clock steps back 1 hour,
 * then forward to 1 day ahead of true time (faked in the Hearth process by a preload:
 * Date.now / new Date shift, monotonic time does not, as with a stepped system clock).
 * ffmpeg keeps the real clock and names files by it; the index's times come from Hearth's
 * clock (arrival of each segment), so the index is what this checks:
 *  - no recording deleted early: the camera keeps 1 day, so once a segment lands a day
 *    ahead an unguarded age pass would delete everything from before the jump;
 *  - the timeline stays ordered: the API's segments are non-overlapping and ascending;
 *  - each jump is logged (`event=clock.untrusted`, "the clock jumped by N s");
 *  - a step back restarts the recorder (`event=recorder.clock_restart`), so no file name is reused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { recordingRoot } from '../../src/recording/layout.ts';
import { openSqlite } from '../../src/db/sqlite.ts';
import { allSegments } from '../../src/recording/segmentRows.ts';
import { sleep } from '../helpers/recordingFixture.ts';
import { ffmpegPidsWith } from '../helpers/processCpu.ts';
import { ApiClient, killGroup, startFaultHearth, writeConfig, type ApiSegment, type FaultHearth } from '../helpers/faultHearth.ts';

const clockShift = fileURLToPath(new URL('../helpers/faultClockShift.ts', import.meta.url));
const hourMs = 3_600_000;
const dayMs = 86_400_000;
const segmentSeconds = 4;

async function waitUntil(what: string, timeoutMs: number, predicate: () => boolean | Promise<boolean>, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context().slice(-5000)}`);
    await sleep(250);
  }
}

/** Every segment of the camera the API returns between `fromMs` and `toMs`, in ≤ 24 h windows, in order. */
async function timeline(api: ApiClient, camera: string, fromMs: number, toMs: number): Promise<ApiSegment[]> {
  const all: ApiSegment[] = [];
  const seen = new Set<number>();
  for (let from = fromMs; from < toMs; from += dayMs - 1) {
    const page = await api.json<ApiSegment[]>(`/api/cameras/${camera}/segments?from=${from}&to=${Math.min(from + dayMs - 1, toMs)}`);
    for (let i = 1; i < page.length; i++) assert.ok(page[i]!.start >= page[i - 1]!.end, `one answer is out of order or overlaps at ${i}: ${JSON.stringify(page.slice(i - 1, i + 1))}`);
    for (const s of page) if (!seen.has(s.id)) (seen.add(s.id), all.push(s));
  }
  return all;
}

test('clock jumps back 1 h and forward 1 day while recording: nothing deleted early, timeline ordered, jumps logged', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-fault-clock-'));
  const dataDir = path.join(dir, 'data');
  const offsetFile = path.join(dir, 'offset');
  writeFileSync(offsetFile, '0');
  let simulator: Simulator | null = null;
  let hearth: FaultHearth | null = null;
  try {
    simulator = await startSimulator({ cameras: 1, serialPrefix: `CLK${process.pid}` });
    const configFile = writeConfig(dir, {
      discovery: { enabled: false },
      recording: { segmentSeconds },
      cameras: [{ id: 'porch', streams: { main: simulator.cameras[0]!.rtspUrl('main', true) }, motion: { enabled: false }, retention: { days: 1 } }],
    });
    hearth = await startFaultHearth({
      configFile,
      dataDir,
      preloads: ['tsx', clockShift],
      env: { HEARTH_FAULT_CLOCK_FILE: offsetFile, HEARTH_LOG_LEVEL: 'debug' },
    });
    const h = hearth;
    const api = await ApiClient.setup(h);
    const t0 = Date.now();
    const rows = (): ReturnType<typeof allSegments> => {
      const db = openSqlite(path.join(dataDir, 'hearth.db'));
      try {
        return allSegments(db);
      } finally {
        db.close();
      }
    };
    const jump = async (offsetMs: number): Promise<void> => {
      writeFileSync(offsetFile, String(offsetMs));
      const acks = h.output().split('fault-clock:').length;
      h.child.kill('SIGUSR2');
      await waitUntil('the clock shift to apply', 10_000, () => h.output().split('fault-clock:').length > acks, h.output);
    };
    const jumpLogs = (): string[] => h.output().split('\n').filter((l) => l.includes('event=clock.untrusted'));

    await waitUntil('two segments before any jump', 60_000, () => rows().length >= 2, h.output);
    const beforeJumps = rows();

    await jump(-hourMs);
    await waitUntil('the back jump to be logged', 30_000, () => jumpLogs().length >= 1, h.output);
    // ffmpeg names files from the wall clock: after a step back the recorder starts a new run
    // (a new run id in every name) instead of reaching names it already wrote.
    await waitUntil('the recorder to restart after the step back', 30_000, () => h.output().includes('event=recorder.clock_restart'), h.output);
    await waitUntil('two segments after the back jump', 40_000, () => rows().length >= beforeJumps.length + 2, h.output);

    await jump(dayMs);
    await waitUntil('the forward jump to be logged', 30_000, () => jumpLogs().length >= 2, h.output);
    const afterBack = rows().length;
    await waitUntil('a segment a day ahead', 40_000, () => rows().some((r) => r.startMs > t0 + dayMs - hourMs) && rows().length > afterBack, h.output);
    // A retention pass with the clock a day ahead and a segment a day ahead: the case that would delete.
    const passes = (): number => h.output().split('\n').filter((l) => l.includes('event=retention.pass')).length;
    const passesBefore = passes();
    await waitUntil('a retention pass after the jumps', 75_000, () => passes() > passesBefore, h.output);
    await sleep(2_000);

    const root = recordingRoot(dataDir);
    const now = rows();
    const deleted = beforeJumps.filter((b) => !now.some((r) => r.id === b.id) || !existsSync(path.join(root, b.path)));
    const segments = await timeline(api, 'porch', t0 - 2 * hourMs, t0 + 2 * dayMs);
    let outOfOrder = 0;
    for (let i = 1; i < segments.length; i++) if (segments[i]!.start < segments[i - 1]!.end) outOfOrder += 1;
    const logs = jumpLogs();
    const pass = h.output().split('\n').filter((l) => l.includes('event=retention.pass')).at(-1) ?? '';
    console.log(
      `fault-clock-jump: back 1 h then forward to +1 day; ${beforeJumps.length - deleted.length}/${beforeJumps.length} pre-jump segments kept, ` +
        `${segments.length} segments in the API timeline, ${outOfOrder} out of order, ${logs.length} jumps logged (${logs.map((l) => /jumped by (-?\d+) s/.exec(l)?.[1] ?? '?').join(' s, ')} s)`,
    );
    assert.deepEqual(deleted.map((d) => d.path), [], 'no recording deleted early');
    assert.equal(outOfOrder, 0, 'the timeline stays ordered');
    assert.ok(segments.length >= beforeJumps.length + 3, `the API shows ${segments.length} segments`);
    assert.deepEqual(segments.map((s) => s.start), [...segments.map((s) => s.start)].sort((a, b) => a - b));
    assert.equal(logs.length, 2, `one log line per jump:\n${logs.join('\n')}`);
    assert.match(logs[0]!, /jumped by -36\d\d s/);
    assert.match(logs[1]!, /jumped by (8|9)\d{4} s/);
    assert.match(pass, /ageSkipped=/, `the pass after the jumps skipped age retention: ${pass}`);
    await h.stop();
    hearth = null;
  } finally {
    if (hearth) killGroup(hearth.child, 'SIGKILL');
    for (const pid of ffmpegPidsWith(dataDir)) process.kill(pid, 'SIGKILL');
    await simulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
