/**
 * Live view (live scope):
 *   GET /api/cameras/:id/live.mp4   -> chunked fragmented MP4: the init segment (ftyp+moov),
 *       then moof+mdat fragments as the recorder receives them. Feed it to MSE
 *       (`fetch` + ReadableStream → SourceBuffer). When the camera reconnects the stream
 *       ends; the client opens it again and gets the new init segment.
 * The gate (and the session) is asked again every `liveRecheckMs` (≤ 1 s) and at once on
 * grant changes made through the API: a revoked or logged-out viewer's stream is cut mid-flight.
 */
import { Router } from 'express';
import type { RouteContext } from '../context.ts';
import { HttpError } from '../errors.ts';
import { cameraIdParam } from '../validate.ts';
import { currentUser } from '../session.ts';
import { privateNoStore, requireCamera } from '../access.ts';
import { watchLiveGrant } from '../liveGrantWatch.ts';

/** A viewer too slow to take this much buffered video is dropped rather than buffered forever. */
const maxBufferedBytes = 8 * 1024 * 1024;

export function liveRoutes(ctx: RouteContext): Router {
  const router = Router();

  router.get('/cameras/:id/live.mp4', (req, res) => {
    const cameraId = cameraIdParam(req.params.id, 'id');
    const user = currentUser(res);
    requireCamera(ctx, req, res, cameraId, 'live');

    privateNoStore(res);
    res.status(200);
    res.setHeader('Content-Type', 'video/mp4');
    if (req.method === 'HEAD') {
      res.end(); // a probe, not a viewer: no subscription
      return;
    }

    // Throws 429/503 past the cap; every way out below releases the slot.
    const release = ctx.liveViewers.open(user.userId);
    let ended = false;
    let sentInit = false;
    let unsubscribe: (() => void) | null = null;
    let stopWatch: () => void = () => undefined;
    const end = (why: string): void => {
      if (ended) return;
      ended = true;
      release();
      unsubscribe?.();
      stopWatch();
      ctx.log.debug('live stream ended', { event: 'live.end', camera: cameraId, user: user.username, why });
      // Destroy rather than end: a cut stream must not look like a complete file.
      if (why === 'revoked' || why === 'slow') res.destroy();
      else res.end();
    };
    const write = (chunk: Buffer): void => {
      if (ended) return;
      if (res.writableLength > maxBufferedBytes) {
        end('slow');
        return;
      }
      res.write(chunk);
    };
    unsubscribe = ctx.live.subscribe(cameraId, {
      init: (segment) => {
        if (sentInit) {
          end('reset'); // a second init means a new stream: let the client reopen
          return;
        }
        sentInit = true;
        write(segment);
      },
      fragment: (fragment) => {
        if (sentInit) write(fragment);
      },
      reset: () => end('reset'),
    });
    if (ended) {
      unsubscribe?.(); // the feed reset while we subscribed
      return;
    }
    if (!unsubscribe) {
      release();
      throw new HttpError(503, 'no_live_feed', `camera ${cameraId} is not streaming right now; see its state in /api/cameras`, { 'Retry-After': '5' });
    }
    // Re-ask the gate from SQLite: revoking a grant, logging out or changing the password cuts this stream.
    stopWatch = watchLiveGrant(ctx, user, cameraId, () => end('revoked'));
    res.on('close', () => end('closed'));
    if (!ended && !res.headersSent) res.flushHeaders();
  });

  return router;
}
