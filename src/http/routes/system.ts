/**
 * The system page's data (admin only):
 *   GET /api/system -> {storage, forecast, cameras, process}
 * Storage comes from the segments table and statfs of the recording root, read at each
 * request; the forecast uses the same budget retention prunes to (src/recording/retention.ts).
 */
import { Router } from 'express';
import type { RetentionConfig } from '../../config/schema.ts';
import { listCameras } from '../../cameras/cameraRows.ts';
import { cameraUsage, forecastStorage, recentBytesPerDay, type DiskSpace } from '../../recording/recordingUsage.ts';
import { diskUsage } from '../../recording/retention.ts';
import { readProcessStats } from '../../metrics/processStats.ts';
import type { RouteContext } from '../context.ts';
import { cameraStatusView } from '../sources.ts';
import { requireAdmin } from '../session.ts';
import { privateNoStore } from '../access.ts';
import type { SystemInfo } from '../../wire/system.ts';

/** The same statfs reading retention prunes by; the data dir's disk when the recording root is not there (storage_missing). */
function diskSpace(root: string, fallback: string): DiskSpace & { rootMissing: boolean } {
  let rootMissing = false;
  let usage;
  try {
    usage = diskUsage(root);
  } catch {
    rootMissing = true;
    usage = diskUsage(fallback);
  }
  const usedBytes = Math.round((usage.usedPercent / 100) * usage.totalBytes);
  return { totalBytes: usage.totalBytes, usedBytes, availableBytes: usage.totalBytes - usedBytes, rootMissing };
}

export function systemRoutes(ctx: RouteContext, retention: RetentionConfig): Router {
  const router = Router();
  router.use('/system', requireAdmin);
  readProcessStats(); // the baseline, so the first page view already has a CPU figure for the ffmpeg children

  router.get('/system', (_req, res) => {
    const nowMs = ctx.now();
    const cameras = listCameras(ctx.db);
    const usage = new Map(cameraUsage(ctx.db).map((u) => [u.cameraId, u]));
    const recordingBytes = [...usage.values()].reduce((n, u) => n + u.bytes, 0);
    const disk = diskSpace(ctx.recordingRoot, ctx.dataDir);
    const forecast = forecastStorage({
      recordingBytes,
      bytesPerDay: recentBytesPerDay(ctx.db, nowMs),
      disk,
      retention,
      cameraDays: cameras.filter((c) => c.enabled).map((c) => c.retentionDays ?? retention.days),
    });
    privateNoStore(res);
    const info: SystemInfo = {
      atMs: nowMs,
      storage: { ...disk, recordingBytes, maxDiskPercent: retention.maxDiskPercent },
      forecast,
      cameras: cameras.map((camera) => {
        const used = usage.get(camera.id);
        return {
          id: camera.id,
          name: camera.name,
          ...cameraStatusView(ctx.status, camera),
          retentionDays: camera.retentionDays ?? retention.days,
          recordingBytes: used?.bytes ?? 0,
          oldestMs: used?.oldestMs ?? null,
          newestMs: used?.newestMs ?? null,
        };
      }),
      process: readProcessStats(nowMs),
    };
    res.json(info);
  });

  return router;
}
