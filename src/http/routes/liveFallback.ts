/**
 * The fallback live view (live scope), for browsers that cannot decode the camera's codec:
 *   GET /api/cameras/:id/live.ts   -> chunked MPEG-TS with MPEG-1 video (640 px wide, no audio),
 *       for JSMpeg. One transcoder per camera, shared by its viewers, started by the first
 *       and stopped after the last leaves (src/live/mpeg1Fanout.ts). 503 when the camera has
 *       no live feed. Revoking the grant cuts the stream like live.mp4.
 */
import { Router } from 'express';
import type { RouteContext } from '../context.ts';
import { HttpError } from '../errors.ts';
import { cameraIdParam } from '../validate.ts';
import { currentUser } from '../session.ts';
import { privateNoStore, requireCamera } from '../access.ts';
import { watchLiveGrant } from '../liveGrantWatch.ts';
import type { Mpeg1Fanout } from '../../live/mpeg1Fanout.ts';

/** A viewer too slow to take this much buffered video is dropped rather than buffered forever. */
const maxBufferedBytes = 4 * 1024 * 1024;

export function liveFallbackRoutes(ctx: RouteContext, fanout: Mpeg1Fanout): Router {
  const router = Router();

  router.get('/cameras/:id/live.ts', (req, res) => {
    const cameraId = cameraIdParam(req.params.id, 'id');
    const user = currentUser(res);
    requireCamera(ctx, req, res, cameraId, 'live');
    privateNoStore(res);
    if (req.method === 'HEAD') {
      res.status(200).type('video/mp2t').end();
      return;
    }

    // Throws 429/503 past the cap; every way out below releases the slot.
    const release = ctx.liveViewers.open(user.userId);
    let ended = false;
    let leave: (() => void) | null = null;
    let stopWatch: () => void = () => undefined;
    const end = (why: string): void => {
      if (ended) return;
      ended = true;
      release();
      leave?.();
      stopWatch();
      ctx.log.debug('fallback live stream ended', { event: 'live.mpeg1_end', camera: cameraId, user: user.username, why });
      if (why === 'revoked' || why === 'slow' || why === 'transcoder_failed') res.destroy();
      else res.end();
    };
    leave = fanout.watch(cameraId, {
      data: (chunk) => {
        if (ended) return;
        if (res.writableLength > maxBufferedBytes) return end('slow');
        res.write(chunk);
      },
      end: (why) => end(why),
    });
    if (!leave) {
      release();
      throw new HttpError(503, 'no_live_feed', `camera ${cameraId} is not streaming right now; see its state in /api/cameras`, { 'Retry-After': '5' });
    }
    res.status(200).type('video/mp2t');
    stopWatch = watchLiveGrant(ctx, user, cameraId, () => end('revoked'));
    res.on('close', () => end('closed'));
    if (!ended && !res.headersSent) res.flushHeaders();
  });

  return router;
}
