/**
 * Recorded H.265 as H.264, for browsers that cannot decode HEVC (recordings scope):
 *   GET /api/segments/:id/h264.mp4   -> video/mp4: that segment converted on this box, a
 *       fragmented MP4 placed like the recorded one (same start, same length), at most
 *       1280x720, no audio. Made when first asked for, shared by every viewer of that
 *       segment, kept ~2 min (src/playback/h264Transcode.ts). 503 + Retry-After when the
 *       box is already converting for as many cameras as it allows.
 * The segment id is resolved to its camera from the database before the gate, and the
 * gate is asked again when the copy is ready (a conversion takes seconds; a grant
 * revoked meanwhile must not be served). Export stays a stream copy of the main stream.
 */
import { Router } from 'express';
import { may } from '../../auth/gate.ts';
import { segmentById } from '../../playback/mediaRows.ts';
import { TranscodeBusyError, TranscodeFailedError, type H264Transcoder } from '../../playback/h264Transcode.ts';
import { fileOfRow } from '../mediaFiles.ts';
import type { RouteContext } from '../context.ts';
import { HttpError, notFound } from '../errors.ts';
import { rowIdParam } from '../validate.ts';
import { currentUser } from '../session.ts';
import { requireCamera } from '../access.ts';
import { sendMediaFile } from '../sendFile.ts';

export function playbackH264Routes(ctx: RouteContext, transcoder: H264Transcoder): Router {
  const router = Router();

  router.get('/segments/:id/h264.mp4', async (req, res) => {
    const segmentId = rowIdParam(req.params.id, 'id');
    const segment = segmentById(ctx.db, segmentId);
    // Same answer for "no such segment" and "not yours": ids cannot be probed.
    requireCamera(ctx, req, res, segment?.cameraId ?? null, 'recordings', 'segment');
    if (!segment) throw notFound('no segment here: it does not exist or you may not see it');
    const input = await fileOfRow(ctx.log, ctx.recordingRoot, segment);
    if (!input) throw notFound(`segment ${segmentId} is indexed but its file is gone; it may have just been deleted`);

    let lease;
    try {
      lease = transcoder.lease(segment.cameraId, segment.id, input);
    } catch (error) {
      if (error instanceof TranscodeBusyError) throw new HttpError(503, 'transcode_busy', error.message, { 'Retry-After': String(error.retryAfterSeconds) });
      throw error;
    }
    // A viewer who leaves before the copy is ready gives up their share of the job.
    res.once('close', lease.release);
    let file: string;
    try {
      file = await lease.file;
    } catch (error) {
      lease.release();
      if (res.destroyed) return; // nobody to tell
      if (error instanceof TranscodeFailedError) throw new HttpError(503, 'transcode_failed', error.message, { 'Retry-After': '5' });
      throw error;
    }
    if (res.destroyed) return;
    const user = currentUser(res);
    if (!may(ctx.db, user.userId, segment.cameraId, 'recordings')) throw notFound('no segment here: it does not exist or you may not see it');
    try {
      await sendMediaFile(req, res, file, 'video/mp4');
    } finally {
      lease.release();
    }
  });

  return router;
}
