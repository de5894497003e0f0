/**
 * The timeline's coverage at scale (issue #16): what GET /api/cameras/:id/coverage runs
 * (recorded spans + motion markers, src/playback/coverageRows.ts) for a day, a week and a
 * month of one camera on the 4.1 M-row bench database, at the resolution the web asks for
 * (a gap under one pixel of a 1,200-px scrubber merges). Floor: SQLite counting the same
 * rows (count(*) over the same WHERE on coverage_spans and events), measured interleaved.
 * Also: a month of a camera whose recording broke every 10 minutes (4,320 spans, made up in
 * a savepoint and rolled back: the bench database records without gaps), and how long
 * migration 005 takes to build its spans and index from the 4.1 M rows (also rolled back).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Db } from '../src/db/sqlite.ts';
import { coverageSpans, eventMarkers } from '../src/playback/coverageRows.ts';
import { maxCoverageItems } from '../src/http/routes/cameras.ts';
import { eventTimesLookbackMs } from '../src/motion/eventRows.ts';
import { round, ratioOf, type BenchRow } from './report.ts';
import { coverageBuildSql, indexCameraIds, indexShape } from './lib/indexDb.ts';
import { summarize, type Summary } from './lib/timing.ts';

const dayMs = 24 * 3_600_000;
/** The scrubber's width the web asks at: one pixel is the gap merged. */
const scrubberPx = 1_200;

interface CoverageMeasure {
  metric: string;
  wall: Summary;
  cpu: Summary;
  floor: Summary;
  spans: number;
  markers: number;
}

function coverage(db: Db, cameraId: string, stream: 'main' | 'sub', fromMs: number, toMs: number): { spans: number; markers: number } {
  const minGapMs = Math.ceil((toMs - fromMs) / scrubberPx);
  const spans = coverageSpans(db, cameraId, stream, fromMs, toMs, minGapMs, maxCoverageItems).spans.length;
  const markers = eventMarkers(db, cameraId, fromMs, toMs, minGapMs, maxCoverageItems, indexShape.endMs).length;
  return { spans, markers };
}

/** The floor: SQLite finding the spans and events the coverage answer is made of, without building anything. */
function countFloor(db: Db, cameraId: string, stream: 'main' | 'sub', fromMs: number, toMs: number): number {
  const spans = db.prepare('SELECT count(*) AS n FROM coverage_spans WHERE camera_id = ? AND stream = ? AND start_ms >= ? AND start_ms < ?').get(cameraId, stream, fromMs, toMs) as { n: number };
  const events = db
    .prepare('SELECT count(*) AS n FROM events WHERE camera_id = ? AND start_ms >= ? AND start_ms < ? AND (end_ms IS NULL OR end_ms >= ?)')
    .get(cameraId, fromMs - eventTimesLookbackMs, toMs, fromMs) as { n: number };
  return spans.n + events.n;
}

/** Value and floor alternate call by call on the same window, so both see the same load and cache. */
function measure(db: Db, metric: string, reps: number, pick: () => { cameraId: string; stream: 'main' | 'sub'; fromMs: number; toMs: number }): CoverageMeasure {
  let last = { spans: 0, markers: 0 };
  const wall: number[] = [];
  const cpu: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < reps + 5; i += 1) {
    const p = pick();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    last = coverage(db, p.cameraId, p.stream, p.fromMs, p.toMs);
    const t1 = performance.now();
    const used = process.cpuUsage(c0);
    countFloor(db, p.cameraId, p.stream, p.fromMs, p.toMs);
    const t2 = performance.now();
    if (i < 5) continue; // warm-up
    wall.push(t1 - t0);
    cpu.push((used.user + used.system) / 1000);
    floor.push(t2 - t1);
  }
  return { metric, wall: summarize(wall), cpu: summarize(cpu), floor: summarize(floor), ...last };
}

export interface CoverageBench {
  rows: BenchRow[];
  details: Record<string, unknown>;
}

export function runCoverageBench(db: Db, random: () => number, quick: boolean, log: (line: string) => void): CoverageBench {
  const reps = quick ? 30 : 150;
  const pickCamera = (): string => indexCameraIds[Math.floor(random() * indexCameraIds.length)]!;
  const firstDayMs = indexShape.endMs - indexShape.days * dayMs;
  const measured: CoverageMeasure[] = [];
  for (const [label, days] of [['day', 1], ['week', 7], ['month', 30]] as const) {
    measured.push(measure(db, `timeline coverage: one camera-${label}`, reps, () => {
      // Any window inside the recorded month, at an hour boundary.
      const fromMs = firstDayMs + Math.floor(random() * ((indexShape.days - days) * 24 + 1)) * 3_600_000;
      return { cameraId: pickCamera(), stream: 'main', fromMs, toMs: fromMs + days * dayMs };
    }));
  }
  measured.push(gappyMonth(db, reps));
  const migration = migrationSeconds(db, log);
  const rows: BenchRow[] = measured.map((m) => ({
    section: 'index',
    metric: `${m.metric}, median`,
    value: round(m.wall.medianMs, 3),
    unit: 'ms',
    floor: round(m.floor.medianMs, 3),
    ratio: ratioOf(m.wall.medianMs, m.floor.medianMs),
    target: '< 5 ms median',
    met: m.wall.medianMs < 5,
    note: `${m.spans} spans + ${m.markers} motion markers per answer (1,200-px resolution); p95 ${round(m.wall.p95Ms, 3)} ms over ${m.wall.count} runs; ` +
      `CPU time median ${round(m.cpu.medianMs, 3)} ms; floor: SQLite's count(*) of the same spans and events`,
  }));
  rows.push({
    section: 'index',
    metric: 'migration 005 on 4.1 M segments + 200 k events (coverage spans + events index)',
    value: round(migration.spansSeconds + migration.indexSeconds, 1),
    unit: 's',
    note: `spans built in ${round(migration.spansSeconds, 1)} s (${migration.spans} spans), events index in ${round(migration.indexSeconds, 2)} s; ` +
      'once, at the upgrade; measured in a savepoint, rolled back',
  });
  return {
    rows,
    details: {
      coverage: measured.map((m) => ({ metric: m.metric, spans: m.spans, markers: m.markers, medianMs: round(m.wall.medianMs, 4), p95Ms: round(m.wall.p95Ms, 4), cpuMedianMs: round(m.cpu.medianMs, 4), floorMedianMs: round(m.floor.medianMs, 4) })),
      migration005: { spansSeconds: round(migration.spansSeconds, 2), indexSeconds: round(migration.indexSeconds, 2), spans: migration.spans },
    },
  };
}

/** A camera whose recording broke every 10 minutes for a month: its sub stream gets 4,320 spans in a savepoint. */
function gappyMonth(db: Db, reps: number): CoverageMeasure {
  const firstDayMs = indexShape.endMs - indexShape.days * dayMs;
  db.exec('SAVEPOINT gappy');
  try {
    const insert = db.prepare("INSERT INTO coverage_spans (camera_id, stream, start_ms, end_ms) VALUES ('cam-01', 'sub', ?, ?)");
    for (let i = 0; i < indexShape.days * 144; i += 1) insert.run(firstDayMs + i * 600_000, firstDayMs + i * 600_000 + 595_000);
    return measure(db, 'timeline coverage: one camera-month with a gap every 10 min (4,320 spans)', reps, () => ({ cameraId: 'cam-01', stream: 'sub', fromMs: firstDayMs, toMs: firstDayMs + 30 * dayMs }));
  } finally {
    db.exec('ROLLBACK TO gappy; RELEASE gappy');
  }
}

/** Migration 005's own statements, timed on the 4.1 M rows and rolled back. */
function migrationSeconds(db: Db, log: (line: string) => void): { spansSeconds: number; indexSeconds: number; spans: number } {
  const sql = readFileSync(fileURLToPath(new URL('../src/db/migrations/005_coverage_spans.sql', import.meta.url)), 'utf8');
  const indexSql = /CREATE INDEX events_by_camera_start_end[^;]*;/.exec(sql)?.[0];
  const buildSql = coverageBuildSql();
  if (!indexSql) throw new Error('005_coverage_spans.sql no longer creates the events index this bench times');
  log('index: timing migration 005 (spans from 4.1 M rows, events index) in a savepoint');
  db.exec('SAVEPOINT migration');
  try {
    db.exec('DELETE FROM coverage_spans; DROP INDEX events_by_camera_start_end');
    let t0 = performance.now();
    db.exec(buildSql);
    const spansSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    db.exec(indexSql);
    const indexSeconds = (performance.now() - t0) / 1000;
    const spans = (db.prepare('SELECT count(*) AS n FROM coverage_spans').get() as { n: number }).n;
    return { spansSeconds, indexSeconds, spans };
  } finally {
    db.exec('ROLLBACK TO migration; RELEASE migration');
  }
}
