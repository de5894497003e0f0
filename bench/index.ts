/**
 * Index at scale (README, "Performance"): a month of 16 cameras (4.1 M segment rows, 200 k events)
 * queried through the same functions the HTTP routes call. Targets: each query under
 * 5 ms median, one segment insert (the indexer's own function, commit included) under 1 ms.
 * Warm page cache: the generated file was just written or read; a cold SD card is slower.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Db } from '../src/db/sqlite.ts';
import { openDatabase } from '../src/db/connection.ts';
import { openSqlite } from '../src/db/sqlite.ts';
import { schemaVersion } from '../src/db/migrate.ts';
import { eventsOf } from '../src/motion/eventRows.ts';
import { segmentsOverlapping } from '../src/playback/mediaRows.ts';
import { deleteSegmentRows, insertSegments } from '../src/recording/segmentRows.ts';
import { maxSegmentRows } from '../src/http/routes/cameras.ts';
import { dayDirName } from '../src/recording/layout.ts';
import { ratioOf, round, type BenchOptions, type BenchRow, type BenchSection } from './report.ts';
import { indexCameraIds, indexDatabase, indexShape } from './lib/indexDb.ts';
import { runCoverageBench, type CoverageBench } from './indexCoverage.ts';
import { seededRandom, summarize, timeSync, timeSyncWithCpu, type Summary } from './lib/timing.ts';

const dayMs = 24 * 3_600_000;
/** What a timeline page asks the playlist route for: one hour around the picked time. */
const timelinePageMs = 3_600_000;
/** The events route's default span when `from` is not given (src/http/routes/events.ts). */
const eventSpanMs = 7 * dayMs;

interface ProposedIndexResult {
  day: Summary;
  dayCpu: Summary;
  page: Summary;
  pageCpu: Summary;
  createSeconds: number;
  extraBytes: number;
  plan: string[];
}

interface Measured {
  metric: string;
  summary: Summary;
  /** CPU time of the same calls: what they take on an idle core. */
  cpu: Summary;
  /** SQLite finding the same rows (count(*) over the same WHERE): what the row objects cost on top. */
  floor?: Summary;
  targetMs: number;
  rowsPerCall: number;
  plan: string[];
}

export async function run(options: BenchOptions): Promise<BenchSection> {
  const generated = indexDatabase(options.log);
  // A cache made before a migration is upgraded here, as a home's database would be.
  const versionBefore = schemaVersionOf(generated.file, false);
  const openT0 = performance.now();
  const db = openDatabase(generated.file);
  const upgradeSeconds = (performance.now() - openT0) / 1000;
  const random = seededRandom(42);
  const pickCamera = (): string => indexCameraIds[Math.floor(random() * indexCameraIds.length)]!;
  // Any day but the first, so a whole day of rows exists before and after.
  const firstDayMs = indexShape.endMs - indexShape.days * dayMs;
  const pickDayMs = (): number => firstDayMs + (1 + Math.floor(random() * (indexShape.days - 1))) * dayMs - dayMs;
  const reps = options.quick ? { day: 20, page: 100, events: 100, insert: 100 } : { day: 60, page: 300, events: 300, insert: 300 };
  const measured: Measured[] = [];
  let usedBytes = 0;
  let proposed: ProposedIndexResult | null = null;
  let coverage: CoverageBench | null = null;
  try {
    let rows = 0;
    const day = timeSyncWithCpu(reps.day, 3, () => {
      const from = pickDayMs();
      rows = segmentsOverlapping(db, pickCamera(), from, from + dayMs, maxSegmentRows).length;
    });
    const dayFloor = timeSync(reps.day, 3, () => {
      const from = pickDayMs();
      countOverlapping(db, pickCamera(), from, from + dayMs);
    });
    // What the timeline asked for at day scale until the coverage route (the player still lists ≤ 1 h of rows).
    measured.push({ metric: 'one camera-day of segments (8,640 rows)', summary: summarize(day.wall), cpu: summarize(day.cpu), floor: summarize(dayFloor), targetMs: 5, rowsPerCall: rows, plan: planOf(db, segmentSql) });

    const page = timeSyncWithCpu(reps.page, 10, () => {
      const from = pickDayMs() + Math.floor(random() * 23) * timelinePageMs;
      rows = segmentsOverlapping(db, pickCamera(), from, from + timelinePageMs, maxSegmentRows).length;
    });
    const pageFloor = timeSync(reps.page, 10, () => {
      const from = pickDayMs() + Math.floor(random() * 23) * timelinePageMs;
      countOverlapping(db, pickCamera(), from, from + timelinePageMs);
    });
    measured.push({ metric: 'timeline page: 1 h of one camera (playlist query)', summary: summarize(page.wall), cpu: summarize(page.cpu), floor: summarize(pageFloor), targetMs: 5, rowsPerCall: rows, plan: planOf(db, segmentSql) });

    const events = timeSyncWithCpu(reps.events, 10, () => {
      const to = indexShape.endMs - Math.floor(random() * 20) * dayMs;
      rows = eventsOf(db, indexCameraIds, to - eventSpanMs, to, 50).length;
    });
    measured.push({ metric: 'latest 50 events across 16 cameras (events route)', summary: summarize(events.wall), cpu: summarize(events.cpu), targetMs: 5, rowsPerCall: rows, plan: planOf(db, eventSql) });

    // Real inserts through the indexer's function, deleted again so the cached file stays as generated.
    const inserted: string[] = [];
    const insertAtMs = indexShape.endMs + 3_600_000;
    const insert = timeSyncWithCpu(reps.insert, 5, () => {
      const startMs = insertAtMs + inserted.length * 10_000;
      const relative = `cam-01/${dayDirName(startMs)}/bench-${process.pid}-${inserted.length}.mp4`;
      inserted.push(relative);
      insertSegments(db, [{ cameraId: 'cam-01', startMs, endMs: startMs + 10_000, bytes: 1_900_000, path: relative }]);
    });
    measured.push({ metric: 'insert one segment row (indexer, committed)', summary: summarize(insert.wall), cpu: summarize(insert.cpu), targetMs: 1, rowsPerCall: 1, plan: [] });
    const ids = inserted.map((p) => (db.prepare('SELECT id FROM segments WHERE path = ?').get(p) as { id: number } | undefined)?.id).filter((id): id is number => id !== undefined);
    deleteSegmentRows(db, ids);
    db.pragma('wal_checkpoint(TRUNCATE)');

    coverage = runCoverageBench(db, random, options.quick, options.log);
    usedBytes = usedDatabaseBytes(db);
    // Building the candidate index takes ~50 s here: only when asked for.
    if (process.env.HEARTH_BENCH_PROPOSED_INDEX === '1') proposed = measureProposedIndex(db, reps.day, reps.page, pickCamera, pickDayMs, options.log);
  } finally {
    db.close();
  }

  const sizeBytes = usedBytes;
  const rows: BenchRow[] = measured.map((m) => ({
    section: 'index',
    metric: `${m.metric}, median`,
    value: round(m.summary.medianMs, 3),
    unit: 'ms',
    ...(m.floor ? { floor: round(m.floor.medianMs, 3), ratio: ratioOf(m.summary.medianMs, m.floor.medianMs) } : {}),
    target: `< ${m.targetMs} ms median`,
    met: m.summary.medianMs < m.targetMs,
    note: `p95 ${round(m.summary.p95Ms, 3)} ms over ${m.summary.count} runs; CPU time median ${round(m.cpu.medianMs, 3)} ms` + (m.summary.medianMs < m.targetMs ? '' : `; ${whyMissed(m)}`),
  }));
  if (coverage) rows.push(...coverage.rows);
  if (proposed) {
    rows.push({
      section: 'index',
      metric: 'camera-day with a covering index (proposed migration), median',
      value: round(proposed.day.medianMs, 3),
      unit: 'ms',
      target: '< 5 ms median',
      met: proposed.day.medianMs < 5,
      note: `bench/lib/proposedSegmentsIndex.sql, not in the schema; CPU time median ${round(proposed.dayCpu.medianMs, 3)} ms; ` +
        `timeline page ${round(proposed.page.medianMs, 3)} ms median (CPU ${round(proposed.pageCpu.medianMs, 3)} ms); ` +
        `+${round(proposed.extraBytes / 1e6)} MB, built in ${round(proposed.createSeconds, 1)} s`,
    });
  }
  rows.push({
    section: 'index',
    metric: 'database size (4.1 M segments, 200 k events)',
    value: round(sizeBytes / 1e6, 1),
    unit: 'MB',
    note: `${round(sizeBytes / generated.segmentRows, 1)} bytes per segment row incl. indexes and events; schema v${schemaVersionOf(generated.file)}` +
      (generated.cached ? '; generated file reused from the cache' : `; generated in ${round(generated.generateSeconds, 1)} s`) +
      (versionBefore === null || versionBefore === schemaVersionOf(generated.file) ? '' : `; upgraded from schema v${versionBefore} in ${round(upgradeSeconds, 1)} s`),
  });
  return {
    section: 'index',
    rows,
    details: {
      file: generated.file,
      cached: generated.cached,
      generateSeconds: round(generated.generateSeconds, 2),
      segmentRows: generated.segmentRows,
      eventRows: generated.eventRows,
      sizeBytes,
      queries: measured.map((m) => ({ metric: m.metric, rowsPerCall: m.rowsPerCall, ...roundSummary(m.summary), cpu: roundSummary(m.cpu), floor: m.floor ? roundSummary(m.floor) : null, plan: m.plan })),
      coverage: coverage?.details ?? null,
      upgrade: { fromVersion: versionBefore, seconds: round(upgradeSeconds, 2) },
      proposedIndex: proposed ? { day: roundSummary(proposed.day), dayCpu: roundSummary(proposed.dayCpu), page: roundSummary(proposed.page), pageCpu: roundSummary(proposed.pageCpu), createSeconds: round(proposed.createSeconds, 1), extraBytes: proposed.extraBytes, plan: proposed.plan } : null,
    },
  };
}

function whyMissed(m: Measured): string {
  const found = m.floor ? `finding the ${m.rowsPerCall} rows (count(*), same WHERE) takes ${round(m.floor.medianMs, 2)} ms, building them the rest` : `${m.rowsPerCall} rows`;
  return `${found}; one table page per row, as cameras' rows interleave (plan: ${m.plan.join('; ')})`;
}

function roundSummary(s: Summary): Record<string, number> {
  return { count: s.count, medianMs: round(s.medianMs, 4), p95Ms: round(s.p95Ms, 4), minMs: round(s.minMs, 4), maxMs: round(s.maxMs, 4) };
}

/** The SQL behind segmentsOverlapping and eventsOf (src/playback/mediaRows.ts), for EXPLAIN QUERY PLAN. */
const segmentSql = `SELECT id, camera_id AS cameraId, start_ms AS startMs, end_ms AS endMs, bytes, path FROM segments
  WHERE camera_id = 'cam-01' AND start_ms >= 0 AND start_ms < 1 AND end_ms > 0 AND deleting = 0 ORDER BY start_ms, id LIMIT 10`;
const eventSql = `SELECT id, camera_id AS cameraId, start_ms AS startMs, end_ms AS endMs, score, thumbnail_path AS thumbnailPath FROM events
  WHERE camera_id IN (${indexCameraIds.map((id) => `'${id}'`).join(', ')}) AND start_ms >= 0 AND start_ms < 1 ORDER BY start_ms DESC, id DESC LIMIT 50`;

function planOf(db: Db, sql: string): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail);
}

/** The floor: SQLite finding the rows segmentsOverlapping returns, without building them. */
function countOverlapping(db: Db, cameraId: string, fromMs: number, toMs: number): number {
  return (
    db
      .prepare('SELECT count(*) AS n FROM segments WHERE camera_id = ? AND start_ms >= ? AND start_ms < ? AND end_ms > ? AND deleting = 0')
      .get(cameraId, fromMs - 3_600_000, toMs, fromMs) as { n: number }
  ).n;
}

/**
 * The fix the plans point at, measured before anyone adopts it: a covering index in
 * playback order, so a camera-day is read from one run of index pages instead of one
 * table page per row. Built on the bench copy, timed, then dropped again.
 */
function measureProposedIndex(
  db: Db,
  dayReps: number,
  pageReps: number,
  pickCamera: () => string,
  pickDayMs: () => number,
  log: (line: string) => void,
): ProposedIndexResult {
  const sql = readFileSync(fileURLToPath(new URL('./lib/proposedSegmentsIndex.sql', import.meta.url)), 'utf8');
  const bytesBefore = usedDatabaseBytes(db);
  log('index: building the proposed covering index on the bench database');
  const t0 = performance.now();
  // Only the CREATE: the old index stays so dropping the new one restores the schema; the planner prefers the covering one.
  db.exec(sql.split('\n').filter((line) => line.startsWith('CREATE INDEX')).join('\n'));
  const plan = planOf(db, segmentSql);
  const createSeconds = (performance.now() - t0) / 1000;
  const extraBytes = usedDatabaseBytes(db) - bytesBefore;
  try {
    const day = timeSyncWithCpu(dayReps, 3, () => {
      const from = pickDayMs();
      segmentsOverlapping(db, pickCamera(), from, from + dayMs, maxSegmentRows);
    });
    const page = timeSyncWithCpu(pageReps, 10, () => {
      const from = pickDayMs() + Math.floor(Math.random() * 23) * timelinePageMs;
      segmentsOverlapping(db, pickCamera(), from, from + timelinePageMs, maxSegmentRows);
    });
    return { day: summarize(day.wall), dayCpu: summarize(day.cpu), page: summarize(page.wall), pageCpu: summarize(page.cpu), createSeconds, extraBytes, plan };
  } finally {
    db.exec(`DROP INDEX IF EXISTS ${proposedIndexName}`);
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
}

const proposedIndexName = 'segments_by_camera_start_covering';

/** Pages in use (not the file size: a dropped index leaves free pages behind in the cached file). */
function usedDatabaseBytes(db: Db): number {
  const pages = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
  return pages * (db.pragma('page_size', { simple: true }) as number);
}

/** The file's schema version; `migrated: false` reads it without applying pending migrations (null when it has none). */
function schemaVersionOf(file: string, migrated = true): number | null {
  const db = migrated ? openDatabase(file) : openSqlite(file);
  try {
    if (!migrated && db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").get() === undefined) return null;
    return schemaVersion(db);
  } finally {
    db.close();
  }
}

// `node --import tsx bench/index.ts` runs this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const section = await run({ quick: process.argv.includes('--quick'), log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(section, null, 2)}\n`);
}
