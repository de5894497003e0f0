/**
 * Motion events (recordings scope), each id resolved to its camera before the gate:
 *   GET /api/events?camera=&from=&to=&limit=   -> [{id, camera, start, end, score, thumbnail}]
 *       camera optional (default: every camera the user may see); to default now, from default to-7d;
 *       range ≤ 31 days; limit 1..1000, default 100; newest first
 *   GET /api/events/:id                        -> one event
 *   GET /api/events/:id/thumbnail              -> image/jpeg
 */
import { Router } from 'express';
import path from 'node:path';
import { visibleCameraIds } from '../../auth/gate.ts';
import { eventById, eventsOf, type EventRow } from '../../motion/eventRows.ts';
import { fileOfRow } from '../mediaFiles.ts';
import type { MotionEventView } from '../../wire/cameras.ts';
import type { RouteContext } from '../context.ts';
import { notFound } from '../errors.ts';
import { limitParam, optionalCameraId, optionalRangeParams, rowIdParam } from '../validate.ts';
import { currentUser } from '../session.ts';
import { privateNoStore, requireCamera } from '../access.ts';
import { sendMediaFile } from '../sendFile.ts';

/** Where src/motion/thumbnail.ts writes: `<dataDir>/thumbnails/<camera>/<day>/<event>.jpg`. */
const thumbnailsDirName = 'thumbnails';
const defaultEventSpanMs = 7 * 24 * 3_600_000;
const maxEventSpanMs = 31 * 24 * 3_600_000;

function view(event: EventRow): MotionEventView {
  return {
    id: event.id,
    camera: event.cameraId,
    start: event.startMs,
    end: event.endMs,
    score: event.score,
    thumbnail: event.thumbnailPath ? `/api/events/${event.id}/thumbnail` : null,
  };
}

/**
 * Thumbnail paths are relative to the data dir but must lie under `thumbnails/<camera>/`:
 * a row naming `hearth.db`, a segment or another camera's picture must not be served.
 */
async function thumbnailFile(ctx: RouteContext, cameraId: string, relative: string): Promise<string | null> {
  const prefix = `${thumbnailsDirName}/`;
  if (!relative.startsWith(prefix)) {
    ctx.log.warn('refused a thumbnail path outside thumbnails/', { event: 'http.path_outside_root', path: relative.slice(0, 200) });
    return null;
  }
  return fileOfRow(ctx.log, path.join(ctx.dataDir, thumbnailsDirName), { cameraId, path: relative.slice(prefix.length) });
}

export function eventRoutes(ctx: RouteContext): Router {
  const router = Router();

  router.get('/events', (req, res) => {
    const user = currentUser(res);
    const cameraId = optionalCameraId(req.query.camera);
    const range = optionalRangeParams(req.query, ctx.now(), defaultEventSpanMs, maxEventSpanMs);
    const limit = limitParam(req.query.limit, 100, 1000);
    let cameraIds: string[];
    if (cameraId !== null) {
      requireCamera(ctx, req, res, cameraId, 'recordings');
      cameraIds = [cameraId];
    } else {
      cameraIds = visibleCameraIds(ctx.db, user.userId, 'recordings');
    }
    privateNoStore(res);
    res.json(eventsOf(ctx.db, cameraIds, range.fromMs, range.toMs, limit).map(view));
  });

  router.get('/events/:id', (req, res) => {
    const event = eventById(ctx.db, rowIdParam(req.params.id, 'id'));
    requireCamera(ctx, req, res, event?.cameraId ?? null, 'recordings', 'event');
    if (!event) throw notFound('no event here');
    privateNoStore(res);
    res.json(view(event));
  });

  router.get('/events/:id/thumbnail', async (req, res) => {
    const eventId = rowIdParam(req.params.id, 'id');
    const event = eventById(ctx.db, eventId);
    requireCamera(ctx, req, res, event?.cameraId ?? null, 'recordings', 'event');
    if (!event) throw notFound('no event here');
    const file = event.thumbnailPath ? await thumbnailFile(ctx, event.cameraId, event.thumbnailPath) : null;
    if (!file) throw notFound(`event ${eventId} has no thumbnail (yet)`);
    await sendMediaFile(req, res, file, event.thumbnailPath?.endsWith('.webp') ? 'image/webp' : 'image/jpeg');
  });

  return router;
}
