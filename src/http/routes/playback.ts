/**
 * Recorded video, files found from segment rows only:
 *   GET /api/cameras/:id/playlist.m3u8?from=&to=   -> HLS VOD playlist (recordings scope; ≤ 24 h)
 *   GET /api/segments/:id (or :id.mp4)             -> video/mp4 bytes, HTTP Range supported
 * Playlists name segments with .mp4: ffmpeg's HLS reader (and players built on it) refuse
 * segment URLs without a media file extension.
 * A segment id is resolved to its camera from the database before the gate.
 */
import { Router } from 'express';
import { segmentById, segmentsOverlapping } from '../../playback/mediaRows.ts';
import { mp4Layout } from '../../playback/mp4Init.ts';
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
      const layout = await mp4Layout(file);
      if (layout.kind === 'empty') continue; // cut before its first fragment: nothing to play
      const initLength = layout.kind === 'fragmented' ? layout.initLength : null;
      entries.push({ startMs: segment.startMs, endMs: segment.endMs, uri: `/api/segments/${segment.id}.mp4`, bytes: layout.fileBytes, initLength });
    }
    if (entries.length === 0) throw notFound(`camera ${id} has no recordings between ${range.fromMs} and ${range.toMs}`);
    privateNoStore(res);
    res.type('application/vnd.apple.mpegurl').send(hlsPlaylist(entries, { startAtMs: range.fromMs }));
  });

  router.get('/segments/:id', async (req, res) => {
    const segmentId = rowIdParam(String(req.params.id).replace(/\.mp4$/, ''), 'id');
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
