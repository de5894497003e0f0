/**
 * The "index at scale" database: 30 days x 16 cameras of 10-s segments (4,147,200 rows)
 * and 200,000 motion events, built through Hearth's real migrations. Generating takes
 * 1.5 to 4 minutes on the shared 2-core box (it is bound by writing 0.75 GB), so the file
 * is cached under os.tmpdir(), keyed by this generator's version and the migrations that
 * define `segments` and `events` (001-002). Later migrations are applied to the cached
 * file by openDatabase, exactly as an upgrade would apply them to a home's database
 * (a fresh file gets them all before the bulk load, then its coverage spans are built by
 * migration 005's own statement).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../../src/db/connection.ts';
import { openSqlite } from '../../src/db/sqlite.ts';
import { dayDirName } from '../../src/recording/layout.ts';
import { seededRandom } from './timing.ts';

export const indexShape = {
  cameras: 16,
  days: 30,
  segmentMs: 10_000,
  events: 200_000,
  /** The recorded month ends here ("now" for the queries); fixed so the cache stays valid. */
  endMs: Date.UTC(2026, 9, 31),
} as const;

export const segmentsPerCameraDay = (24 * 3_600_000) / indexShape.segmentMs;
export const indexCameraIds = Array.from({ length: indexShape.cameras }, (_, i) => `cam-${String(i + 1).padStart(2, '0')}`);

/** Bump when the generated data changes shape, so stale caches are not reused. */
const generatorVersion = 1;

export interface IndexDatabase {
  file: string;
  /** True when the file came from the cache. */
  cached: boolean;
  /** Seconds spent generating (0 when cached). */
  generateSeconds: number;
  segmentRows: number;
  eventRows: number;
}

/** Migrations up to this version shape the generated tables; later ones are applied on top. */
const baseSchemaVersion = 2;

function migrationsKey(): string {
  const dir = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
  const hash = createHash('sha256').update(`generator ${generatorVersion}\n`);
  for (const name of readdirSync(dir).sort()) {
    if (Number(name.slice(0, 3)) <= baseSchemaVersion) hash.update(name).update(readFileSync(path.join(dir, name)));
  }
  return hash.digest('hex').slice(0, 12);
}

/** Migration 005's statement that builds coverage_spans from the segment rows (the bench times it, the generator runs it). */
export function coverageBuildSql(): string {
  const sql = readFileSync(fileURLToPath(new URL('../../src/db/migrations/005_coverage_spans.sql', import.meta.url)), 'utf8');
  const at = sql.indexOf('INSERT INTO coverage_spans');
  if (at < 0) throw new Error('005_coverage_spans.sql no longer builds coverage_spans with one INSERT');
  return sql.slice(at);
}

/** Returns the cached database for the current migrations, generating it first if needed. */
export function indexDatabase(log: (line: string) => void): IndexDatabase {
  const key = migrationsKey();
  const file = path.join(os.tmpdir(), `hearth-bench-index-${key}.db`);
  const rows = { segmentRows: indexShape.cameras * indexShape.days * segmentsPerCameraDay, eventRows: indexShape.events };
  if (existsSync(file)) return { file, cached: true, generateSeconds: 0, ...rows };
  // Older caches (other migration sets) are dead weight of ~0.7 GB each.
  for (const name of readdirSync(os.tmpdir())) {
    if (/^hearth-bench-index-[0-9a-f]{12}\.db/.test(name)) rmSync(path.join(os.tmpdir(), name), { force: true });
  }
  log(`index: generating ${rows.segmentRows} segment rows and ${rows.eventRows} events (cached afterwards as ${file})`);
  const t0 = performance.now();
  // Built in RAM when /dev/shm exists (no write-back throttling while indexes grow), then copied once.
  const scratchDir = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const scratch = path.join(scratchDir, `hearth-bench-index-${process.pid}.building`);
  const partial = `${file}.partial-${process.pid}`;
  try {
    generate(scratch);
    if (scratch !== partial) copyFileSync(scratch, partial);
    renameSync(partial, file);
  } finally {
    rmSync(scratch, { force: true });
    rmSync(partial, { force: true });
  }
  const generateSeconds = (performance.now() - t0) / 1000;
  log(`index: generated in ${generateSeconds.toFixed(1)} s`);
  return { file, cached: false, generateSeconds, ...rows };
}

function generate(file: string): void {
  // Schema through the real migrations, then a bulk load without a journal: a crash
  // mid-way leaves only a scratch file that is never used.
  openDatabase(file).close();
  const db = openSqlite(file);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -1048576');
    const nowMs = indexShape.endMs;
    const fromMs = indexShape.endMs - indexShape.days * 24 * 3_600_000;
    const random = seededRandom(8);
    db.transaction(() => {
      const camera = db.prepare(
        `INSERT INTO cameras (id, name, source, enabled, serial_number, identity_verified, motion_enabled, created_at_ms, updated_at_ms)
         VALUES (?, ?, 'config', 1, ?, 1, 1, ?, ?)`,
      );
      indexCameraIds.forEach((id, i) => camera.run(id, `Camera ${i + 1}`, `BENCH-${i + 1}`, fromMs, fromMs));
      // Time-major order keeps every index's insertion points few (one per camera) and hot.
      const segment = db.prepare('INSERT INTO segments (camera_id, start_ms, end_ms, bytes, path) VALUES (?, ?, ?, ?, ?)');
      const total = indexShape.days * segmentsPerCameraDay;
      for (let n = 0; n < total; n += 1) {
        const slotMs = fromMs + n * indexShape.segmentMs;
        for (let c = 0; c < indexCameraIds.length; c += 1) {
          // Rotation is staggered across cameras (docs/DESIGN.md, "Nothing lost").
          const startMs = slotMs + c * 625;
          const id = indexCameraIds[c]!;
          const stamp = new Date(startMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
          segment.run(id, startMs, startMs + indexShape.segmentMs, 1_800_000 + Math.floor(random() * 200_000), `${id}/${dayDirName(startMs)}/${stamp}-r1.mp4`);
        }
      }
      const starts: number[] = [];
      for (let i = 0; i < indexShape.events; i += 1) starts.push(fromMs + Math.floor(random() * (nowMs - fromMs - 120_000)));
      starts.sort((a, b) => a - b);
      const event = db.prepare('INSERT INTO events (camera_id, start_ms, end_ms, score, region, thumbnail_path) VALUES (?, ?, ?, ?, ?, ?)');
      starts.forEach((startMs, i) => {
        const id = indexCameraIds[Math.floor(random() * indexCameraIds.length)]!;
        event.run(id, startMs, startMs + 5_000 + Math.floor(random() * 55_000), 0.2 + random() * 0.8, '{"x":0.4,"y":0.5,"w":0.1,"h":0.3}', `thumbnails/${id}/${dayDirName(startMs)}/${i + 1}.jpg`);
      });
    })();
    // The rows went in by bulk SQL, past the indexer's span upkeep: build the spans as migration 005 builds them for an existing database.
    db.exec(`DELETE FROM coverage_spans; ${coverageBuildSql()}`);
    // No ANALYZE: Hearth never runs it, so the planner here sees what it sees in a home.
    db.pragma('journal_mode = WAL');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
