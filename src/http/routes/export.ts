/**
 * Export (export scope):
 *   GET /api/export?camera=&from=&to=   -> video/mp4 attachment (fragmented MP4, stream copy; ≤ 6 h)
 * At most `maxConcurrentExports` run at once (a Pi has little CPU and disk bandwidth to
 * spare); more get 503 with Retry-After, after the gate so the 503 reveals nothing.
 */
import { Router, type Response } from 'express';
import { watchLiveGrant } from '../liveGrantWatch.ts';
import { currentUser } from '../session.ts';
import { segmentsOverlapping } from '../../playback/mediaRows.ts';
import { fileOfRow } from '../mediaFiles.ts';
import { startExport, stopExport, type ExportPiece } from '../../playback/exportVideo.ts';
import type { RouteContext } from '../context.ts';
import { HttpError, notFound } from '../errors.ts';
import { cameraIdParam, rangeParams } from '../validate.ts';
import { privateNoStore, requireCamera } from '../access.ts';

export const maxExportRangeMs = 6 * 3_600_000;
const maxExportSegments = 5_000;

export function exportRoutes(ctx: RouteContext): Router {
  const router = Router();
  let running = 0;

  router.get('/export', async (req, res) => {
    const cameraId = cameraIdParam(req.query.camera);
    const range = rangeParams(req.query, maxExportRangeMs);
    requireCamera(ctx, req, res, cameraId, 'export');
    if (running >= ctx.maxConcurrentExports) {
      throw new HttpError(503, 'busy', `${running} export(s) already running; try again in a few seconds`, { 'Retry-After': '5' });
    }
    // The slot is taken before the first await, so a burst cannot pass the check together (L5).
    running += 1;
    const slot = { held: true, ffmpegStarted: false };
    const releaseSlot = (): void => {
      if (slot.held) running -= 1;
      slot.held = false;
    };
    try {
      await streamExport(res, cameraId, range, slot, releaseSlot);
    } finally {
      // On every early exit; once ffmpeg runs, its exit releases the slot instead.
      if (!slot.ffmpegStarted) releaseSlot();
    }
  });

  const streamExport = async (
    res: Response,
    cameraId: string,
    range: { fromMs: number; toMs: number },
    slot: { ffmpegStarted: boolean },
    releaseSlot: () => void,
  ): Promise<void> => {
    const pieces: ExportPiece[] = [];
    for (const segment of segmentsOverlapping(ctx.db, cameraId, range.fromMs, range.toMs, maxExportSegments)) {
      const file = await fileOfRow(ctx.log, ctx.recordingRoot, segment);
      if (!file) continue;
      const inpoint = range.fromMs > segment.startMs ? (range.fromMs - segment.startMs) / 1000 : null;
      const outpoint = range.toMs < segment.endMs ? (range.toMs - segment.startMs) / 1000 : null;
      pieces.push({ file, inpointSec: inpoint, outpointSec: outpoint });
    }
    if (pieces.length === 0) throw notFound(`camera ${cameraId} has no recordings between ${range.fromMs} and ${range.toMs}`);

    slot.ffmpegStarted = true;
    const job = startExport(ctx.ffmpegPath, pieces);
    const child = job.process;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => {
      child.on('close', (code) => resolve(code));
      child.on('error', (error) => {
        stderr += error.message;
        resolve(-1);
      });
    });
    void exited.then(releaseSlot);
    const stopChild = (): void => stopExport(job);
    // A revoked grant, a logout or a deleted user cuts the download like a live stream (L5).
    const stopWatching = watchLiveGrant(ctx, currentUser(res), cameraId, () => {
      ctx.log.info('export cut: the export grant or the session ended', { event: 'export.revoked', camera: cameraId });
      stopChild();
      res.destroy();
    }, 'export');
    // The viewer cancelling the download stops ffmpeg.
    res.on('close', () => {
      stopWatching();
      stopChild();
    });

    // Headers wait for ffmpeg's first bytes, so a failed export is still a clean JSON error.
    const first = await new Promise<Buffer | null>((resolve) => {
      child.stdout.once('data', (chunk: Buffer) => {
        child.stdout.pause(); // pipe() below resumes; nothing is dropped in between
        resolve(chunk);
      });
      child.stdout.once('end', () => resolve(null));
    });
    if (!first) {
      const code = await exited;
      ctx.log.warn('export produced nothing', { event: 'export.failed', camera: cameraId, code, stderr: stderr.trim().slice(0, 500) });
      throw new HttpError(500, 'export_failed', `the export of camera ${cameraId} failed (ffmpeg exited with ${code}); the log has the details`);
    }
    privateNoStore(res);
    res.setHeader('Content-Type', 'video/mp4');
    res.setHeader('Content-Disposition', `attachment; filename="${cameraId}-${new Date(range.fromMs).toISOString().replace(/[:.]/g, '-')}.mp4"`);
    res.write(first);
    child.stdout.pipe(res);
    const code = await exited;
    stopWatching();
    if (code !== 0 && !res.writableEnded) {
      ctx.log.warn('export stopped early', { event: 'export.failed', camera: cameraId, code, stderr: stderr.trim().slice(0, 500) });
      res.destroy();
    }
  };

  return router;
}
