/**
 * Storage (README, "Performance"): bytes on disk of Hearth's recorded segments against the
 * stream they hold. The floor is the stream itself: the sum of its video and audio packet
 * sizes as ffprobe reports them (`-show_entries packet=size`), read from the same segment
 * files, so the ratio is exactly the container's overhead (ftyp/moov per segment, moof and
 * friends per fragment, trun entries per sample), broken down per box in the details.
 * Recorded by Hearth's own recorder argv (bench/storageRecord.ts). Also the index:
 * database bytes per segment row, measured by adding rows shaped like real ones.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/db/connection.ts';
import { upsertCamera } from '../src/cameras/cameraRows.ts';
import { insertSegments, type NewSegment } from '../src/recording/segmentRows.ts';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { ratioOf, round, type BenchOptions, type BenchRow, type BenchSection } from './report.ts';
import { encodeClip, recordStreams, storageSegmentSeconds, type StorageRun, type StorageStream } from './storageRecord.ts';

/** Container overhead allowed over the stream's own bytes, at every bitrate (issue #16). */
export const storageTarget = 1.03;

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

export function storageRows(runs: StorageRun[], index: IndexBytes | null, windowSeconds: number): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const r of runs) {
    const perHour = (bytes: number): number => (r.mediaSeconds > 0 ? (bytes / r.mediaSeconds) * 3600 / 1e6 : 0);
    const kbps = r.mediaSeconds > 0 ? Math.round((r.packetBytes * 8) / r.mediaSeconds / 1000) : 0;
    const ratio = ratioOf(perHour(r.fileBytes), perHour(r.packetBytes));
    const overhead = r.mediaSeconds > 0 ? (r.fileBytes - r.packetBytes) / r.mediaSeconds : 0;
    const top = Object.entries(r.overheadPerSecond).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k} ${v}`).join(', ');
    rows.push({
      section: 'storage',
      metric: `MB per camera-hour / stream bytes, ${kbps} kbit/s (${r.label})`,
      value: round(perHour(r.fileBytes), 2),
      unit: 'MB',
      floor: round(perHour(r.packetBytes), 2),
      ...(ratio === undefined ? {} : { ratio, met: ratio <= storageTarget }),
      target: `≤ ${storageTarget}x`,
      note:
        `floor = the stream's own packet bytes (ffprobe packet sizes of the same segments); ${r.segments} whole ${storageSegmentSeconds} s segments ` +
        `(${round(r.mediaSeconds, 1)} s of ${windowSeconds} s window; first and last excluded), ${round(r.fragments / Math.max(1, r.mediaSeconds), 2)} fragments/s; ` +
        `overhead ${round(overhead, 1)} B/s, most: ${top}`,
    });
  }
  if (index) {
    const segmentsPerHour = 3600 / storageSegmentSeconds;
    rows.push({
      section: 'storage',
      metric: 'index bytes per segment row',
      value: index.bytesPerSegment,
      unit: 'B',
      note: `${round((index.bytesPerSegment * segmentsPerHour) / 1e3, 1)} kB per camera-hour of ${storageSegmentSeconds} s segments; ${index.rows} rows`,
    });
  }
  return rows;
}

/** Clip bitrates beside the simulator's two scenes: below, between and above them. */
const clipKbps = [50, 250, 500];

export async function runStorageBench(options: BenchOptions): Promise<BenchSection> {
  // Long enough for three whole segments after the short first one (four in the full run).
  const windowSeconds = options.quick ? 45 : 55;
  const root = mkdtempSync(path.join(tmpdir(), 'hearth-bench-storage-'));
  const simulators: Simulator[] = [];
  const load = loadavg();
  try {
    const streams: StorageStream[] = [];
    for (const kbps of clipKbps) {
      const file = path.join(root, `clip-${kbps}k.ts`);
      encodeClip(file, kbps);
      streams.push({ label: `testsrc2 clip at ${kbps}k`, input: file });
    }
    const scenes = [
      { label: 'simulator default scene', scene: 'default', audio: false },
      { label: 'simulator default scene + AAC', scene: 'default', audio: true },
      { label: 'simulator noise scene', scene: 'noise', audio: false },
    ] as const;
    for (const s of scenes) {
      const sim = await startSimulator({ cameras: 1, scene: s.scene, audio: s.audio, serialPrefix: 'HRTH-STO' });
      simulators.push(sim);
      streams.push({ label: s.label, input: sim.cameras[0]!.rtspUrl('main', true) });
    }
    options.log(`storage: recording ${streams.length} streams for ${windowSeconds} s`);
    const runs = await recordStreams(streams, root, windowSeconds);
    const index = measureIndexBytes(options.quick ? 5_000 : 20_000);
    return { section: 'storage', rows: storageRows(runs, index, windowSeconds), details: { runs, index, windowSeconds, loadAverageAtStart: load } };
  } finally {
    await Promise.all(simulators.map((s) => s.stop()));
    rmSync(root, { recursive: true, force: true });
  }
}
