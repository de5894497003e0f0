/**
 * Startup reconcile (docs/DESIGN.md, "Nothing lost"): finish deletions a crash interrupted,
 * drop rows whose files are gone, index files that have no row (the partial segment of a
 * crash, rows lost before their batch was written), remove files that hold no playable
 * video. Runs before any recorder starts, so nothing is writing meanwhile.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/sqlite.ts';
import type { Logger } from '../log.ts';
import { deleteSegmentsDurably } from './deleteSegments.ts';
import { fsyncFileAndDir, unlinkIfPresent } from '../util/durableFiles.ts';
import { probeSegment } from './probeSegment.ts';
import { allSegments, deleteSegmentRows, insertSegments, listSegments, segmentsMarkedDeleting, type NewSegment } from './segmentRows.ts';
import { markerFileName } from './storageMarker.ts';
import { streamOfDir } from './layout.ts';

export interface ReconcileReport {
  deletionsFinished: number;
  missingRowsDropped: number;
  orphansIndexed: number;
  unplayableRemoved: number;
  unknownCameraDirs: number;
}

export async function reconcileRecordings(db: Db, root: string, cameraIds: string[], log: Logger): Promise<ReconcileReport> {
  const report: ReconcileReport = { deletionsFinished: 0, missingRowsDropped: 0, orphansIndexed: 0, unplayableRemoved: 0, unknownCameraDirs: 0 };

  const marked = segmentsMarkedDeleting(db);
  await deleteSegmentsDurably(db, root, marked);
  report.deletionsFinished = marked.length;

  const rows = allSegments(db);
  const missing = rows.filter((r) => !existsSync(path.join(root, r.path)));
  deleteSegmentRows(db, missing.map((r) => r.id));
  report.missingRowsDropped = missing.length;
  const indexed = new Set(rows.map((r) => r.path));

  const known = new Set(cameraIds);
  for (const folder of listDir(root)) {
    if (folder === markerFileName || folder.startsWith('.')) continue;
    // `<camera>` holds the main stream, `<camera>.sub` an H.265 camera's H.264 sub stream.
    const { cameraId, stream } = streamOfDir(folder);
    if (!known.has(cameraId)) {
      report.unknownCameraDirs += 1;
      log.warn('recording folder of an unknown camera left untouched', { event: 'reconcile.unknown_camera', camera: folder });
      continue;
    }
    const orphans: NewSegment[] = [];
    for (const day of listDir(path.join(root, folder)).sort()) {
      const dayDir = path.join(root, folder, day);
      if (!statSync(dayDir).isDirectory()) continue;
      for (const name of listDir(dayDir).sort()) {
        const relative = path.posix.join(folder, day, name);
        if (indexed.has(relative)) continue;
        const absolute = path.join(dayDir, name);
        const probe = name.endsWith('.mp4') ? await probeSegment(absolute) : null;
        if (!probe) {
          await unlinkIfPresent(absolute);
          report.unplayableRemoved += 1;
          continue;
        }
        // No list line survived: the file's mtime is its last write, so its end.
        const stat = statSync(absolute);
        await fsyncFileAndDir(absolute);
        orphans.push({ cameraId, startMs: Math.round(stat.mtimeMs) - probe.durationMs, endMs: Math.round(stat.mtimeMs), bytes: stat.size, path: relative, stream });
      }
    }
    insertSegments(db, withoutOverlap(orphans, listSegments(db, cameraId, stream)));
    report.orphansIndexed += orphans.length;
  }
  const repaired = report.deletionsFinished + report.missingRowsDropped + report.orphansIndexed + report.unplayableRemoved;
  log[repaired > 0 ? 'warn' : 'info']('recordings reconciled with the index', { event: 'reconcile.done', ...report });
  return report;
}

/** Orphan times are estimates: push each one past any indexed segment it would overlap. */
function withoutOverlap(orphans: NewSegment[], existing: { startMs: number; endMs: number }[]): NewSegment[] {
  const placed: { startMs: number; endMs: number }[] = [...existing];
  return orphans.map((o) => {
    const duration = o.endMs - o.startMs;
    let startMs = o.startMs;
    placed.sort((a, b) => a.startMs - b.startMs);
    for (const p of placed) if (p.startMs < startMs + duration && p.endMs > startMs) startMs = p.endMs;
    const fixed = { ...o, startMs, endMs: startMs + duration };
    placed.push(fixed);
    return fixed;
  });
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
