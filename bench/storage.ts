/**
 * Storage (README, "Performance"), derived from the recording runs: bytes per camera-hour of
 * Hearth's finished segments against the bare ffmpeg recorder's of the same streams (the
 * floor: the stream itself in a plain MP4), both per second of media the files hold, so
 * the difference is the container; and the index: database bytes per segment row,
 * measured by adding rows shaped like real ones to a fresh database.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/db/connection.ts';
import { upsertCamera } from '../src/cameras/cameraRows.ts';
import { insertSegments, type NewSegment } from '../src/recording/segmentRows.ts';
import type { RecordingBenchResult } from './recording.ts';
import { ratioOf, round, type BenchRow } from './report.ts';

export interface IndexBytes {
  rows: number;
  bytesPerSegment: number;
}

/** Database growth per segment row: `rows` rows of one camera's 10 s segments in one file. */
export function measureIndexBytes(rows = 20_000): IndexBytes {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-bench-index-'));
  try {
    const file = path.join(dir, 'hearth.db');
    const db = openDatabase(file);
    try {
      upsertCamera(db, {
        id: 'cam-01', name: 'Bench', source: 'config', enabled: true, onvif: null,
        streams: { main: 'rtsp://127.0.0.1/stream1', sub: null }, retentionDays: null, motionEnabled: false, nowMs: Date.now(),
      });
      const size = (): number => {
        db.pragma('wal_checkpoint(TRUNCATE)');
        return statSync(file).size;
      };
      const before = size();
      const start = Date.UTC(2026, 0, 1);
      const batch: NewSegment[] = [];
      for (let i = 0; i < rows; i++) {
        const startMs = start + i * 10_000;
        const day = new Date(startMs).toISOString().slice(0, 10);
        const stamp = new Date(startMs).toISOString().replace(/[-:]/g, '').slice(0, 15);
        // The same path shape Hearth writes: <camera>/<day>/<stamp>Z-<run>.mp4
        batch.push({ cameraId: 'cam-01', startMs, endMs: startMs + 10_000, bytes: 190_000 + (i % 977), path: `cam-01/${day}/${stamp}Z-a1b2c3.mp4` });
      }
      insertSegments(db, batch);
      return { rows, bytesPerSegment: round((size() - before) / rows, 1) };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function storageRows(recording: RecordingBenchResult, index: IndexBytes | null): BenchRow[] {
  const rows: BenchRow[] = [];
  // Per scene, the run with the most media: finished segments (whole files, moov or
  // fragments included) per second of media they hold, as MB per camera-hour.
  for (const scene of ['default', 'noise'] as const) {
    const r = recording.runs.filter((x) => x.scene === scene).sort((a, b) => b.bare.finished.seconds - a.bare.finished.seconds)[0];
    if (!r) continue;
    const perHour = (f: { bytes: number; seconds: number }): number => (f.seconds > 0 ? (f.bytes / f.seconds) * 3600 / 1e6 : 0);
    const hearth = perHour(r.hearth.finished);
    const bare = perHour(r.bare.finished);
    const ratio = ratioOf(hearth, bare);
    rows.push({
      section: 'storage',
      metric: `MB per camera-hour, ${r.streamKbps} kbit/s stream`,
      value: round(hearth, 1),
      unit: 'MB',
      floor: round(bare, 1),
      ...(ratio === undefined ? {} : { ratio, met: ratio <= 1.05 }),
      target: '≤ 1.05x',
      note: `${scene} scene, N=${r.cameras}: ${r.hearth.finished.count} Hearth vs ${r.bare.finished.count} bare segments; fragmented MP4 (1 s fragments) vs plain MP4`,
    });
  }
  if (index) {
    const segmentsPerHour = 3600 / recording.segmentSeconds;
    rows.push({
      section: 'storage',
      metric: 'index bytes per segment row',
      value: index.bytesPerSegment,
      unit: 'B',
      note: `${round((index.bytesPerSegment * segmentsPerHour) / 1e3, 1)} kB per camera-hour of ${recording.segmentSeconds} s segments; ${index.rows} rows`,
    });
  }
  return rows;
}
