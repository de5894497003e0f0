/**
 * Recorded video, files found from segment rows only:
 *   GET /api/cameras/:id/playlist.m3u8?from=&to=   -> HLS VOD playlist (recordings scope; ≤ 24 h)
 *   GET /api/segments/:id                          -> video/mp4 bytes, HTTP Range supported
 * A segment id is resolved to its camera from the database before the gate.
 */
import { Router } from 'express';
import { stat } from 'node:fs/promises';
import { segmentById, segmentsOverlapping } from '../../playback/mediaRows.ts';
import { fragmentedInitLength } from '../../playback/mp4Init.ts';
import { hlsPlaylist, type PlaylistEntry } from '../../playback/playlist.ts';
import { fileOfRow } from '../mediaFiles.ts';
import type { RouteContext } from '../context.ts';
import { notFound } from '../errors.ts';
import { cameraIdParam, rangeParams, rowIdParam } from '../validate.ts';
import { privateNoStore, requireCamera } from '../access.ts';
import { sendMediaFile } from '../sendFile.ts';
import { maxListRangeMs, maxSegmentRows } from './cameras.ts';

export function playbackRoutes(ctx: RouteContext): Router {
  const router = Router();

  router.get('/cameras/:id/playlist.m3u8', async (req, res) => {
    const id = cameraIdParam(req.params.id, 'id');
    const range = rangeParams(req.query, maxListRangeMs);
    requireCamera(ctx, req, res, id, 'recordings');
    const entries: PlaylistEntry[] = [];
    for (const segment of segmentsOverlapping(ctx.db, id, range.fromMs, range.toMs, maxSegmentRows)) {
      const file = await fileOfRow(ctx.log, ctx.recordingRoot, segment);
      if (!file) continue; // deleted meanwhile by retention: leave it out
      const bytes = (await stat(file)).size;
      entries.push({ startMs: segment.startMs, endMs: segment.endMs, uri: `/api/segments/${segment.id}`, bytes, initLength: await fragmentedInitLength(file) });
    }
    if (entries.length === 0) throw notFound(`camera ${id} has no recordings between ${range.fromMs} and ${range.toMs}`);
    privateNoStore(res);
    res.type('application/vnd.apple.mpegurl').send(hlsPlaylist(entries));
  });

  router.get('/segments/:id', async (req, res) => {
    const segmentId = rowIdParam(req.params.id, 'id');
    const segment = segmentById(ctx.db, segmentId);
    // Same answer for "no such segment" and "not yours": ids cannot be probed.
    requireCamera(ctx, req, res, segment?.cameraId ?? null, 'recordings', 'segment');
    if (!segment) throw notFound('no segment here: it does not exist or you may not see it');
    const file = await fileOfRow(ctx.log, ctx.recordingRoot, segment);
    if (!file) throw notFound(`segment ${segmentId} is indexed but its file is gone; it may have just been deleted`);
    await sendMediaFile(req, res, file, 'video/mp4');
  });

  return router;
}
