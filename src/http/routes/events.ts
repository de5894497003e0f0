/**
 * Motion events (recordings scope), each id resolved to its camera before the gate:
 *   GET /api/events?camera=&from=&to=&limit=&label=&alert=
 *       -> [{id, camera, start, end, score, thumbnail, labels: [{label, kind, score, box}], alert}]
 *       camera optional (default: every camera the user may see); to default now, from default to-7d;
 *       range ≤ 31 days; limit 1..1000, default 100; newest first; label: comma list of kinds or
 *       labels (any matches), `none` = motion with no label; alert=1: only events that alerted
 *   GET /api/events/:id                        -> one event
 *   GET /api/events/:id/thumbnail              -> image/jpeg
 */
import { Router } from 'express';
import path from 'node:path';
import { visibleCameraIds } from '../../auth/gate.ts';
import { eventById, eventsOf, type EventFilter, type EventRow } from '../../motion/eventRows.ts';
import { labelsOfEvents, type EventLabel } from '../../objects/labelRows.ts';
import { isLabelName, isObjectKind } from '../../objects/labels.ts';
import { validLabelNames } from '../../config/parse.ts';
import { fileOfRow } from '../mediaFiles.ts';
import type { MotionEventView } from '../../wire/cameras.ts';
import type { RouteContext } from '../context.ts';
import { badRequest, notFound } from '../errors.ts';
import { limitParam, optionalCameraId, optionalRangeParams, rowIdParam } from '../validate.ts';
import { currentUser } from '../session.ts';
import { privateNoStore, requireCamera } from '../access.ts';
import { sendMediaFile } from '../sendFile.ts';

/** Where src/motion/thumbnail.ts writes: `<dataDir>/thumbnails/<camera>/<day>/<event>.jpg`. */
const thumbnailsDirName = 'thumbnails';
const defaultEventSpanMs = 7 * 24 * 3_600_000;
const maxEventSpanMs = 31 * 24 * 3_600_000;

function view(event: EventRow, labels: readonly EventLabel[]): MotionEventView {
  return {
    id: event.id,
    camera: event.cameraId,
    start: event.startMs,
    end: event.endMs,
    score: event.score,
    thumbnail: event.thumbnailPath ? `/api/events/${event.id}/thumbnail` : null,
    labels: labels.map((l) => ({ label: l.label, kind: l.kind, score: l.score, box: l.box })),
    alert: event.alert,
  };
}

/** Events with their labels, read in one batch (never a query per event). */
function views(ctx: RouteContext, events: readonly EventRow[]): MotionEventView[] {
  const labels = labelsOfEvents(ctx.db, events.map((e) => e.id));
  return events.map((e) => view(e, labels.get(e.id) ?? []));
}

/** `label=person,dog,none` and `alert=1` as a filter; a name Hearth does not keep answers 400 with the ones it does. */
export function eventFilterParams(query: Record<string, unknown>): EventFilter {
  const filter: EventFilter = {};
  const label = query.label;
  if (label !== undefined) {
    if (typeof label !== 'string') throw badRequest('"label" must be one comma-separated list, e.g. label=person,vehicle');
    const names = label.split(',').map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
    if (names.length === 0) throw badRequest(`"label" is empty; name ${validLabelNames()}, or none (motion with no label)`);
    const labels: string[] = [];
    const kinds: string[] = [];
    for (const name of names) {
      if (name === 'none') filter.unlabelled = true;
      else if (isObjectKind(name)) kinds.push(name);
      else if (isLabelName(name)) labels.push(name);
      else throw badRequest(`"label": "${name.slice(0, 40)}" is not a kind or label Hearth keeps; use ${validLabelNames()}, or none (motion with no label)`);
    }
    filter.labels = labels;
    filter.kinds = kinds;
  }
  const alert = query.alert;
  if (alert !== undefined) {
    if (alert !== '1' && alert !== '0') throw badRequest('"alert" must be 1 (only events that alerted) or 0 (all)');
    filter.alertOnly = alert === '1';
  }
  return filter;
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
    const filter = eventFilterParams(req.query);
    let cameraIds: string[];
    if (cameraId !== null) {
      requireCamera(ctx, req, res, cameraId, 'recordings');
      cameraIds = [cameraId];
    } else {
      cameraIds = visibleCameraIds(ctx.db, user.userId, 'recordings');
    }
    privateNoStore(res);
    res.json(views(ctx, eventsOf(ctx.db, cameraIds, range.fromMs, range.toMs, limit, filter)));
  });

  router.get('/events/:id', (req, res) => {
    const event = eventById(ctx.db, rowIdParam(req.params.id, 'id'));
    requireCamera(ctx, req, res, event?.cameraId ?? null, 'recordings', 'event');
    if (!event) throw notFound('no event here');
    privateNoStore(res);
    res.json(view(event, labelsOfEvents(ctx.db, [event.id]).get(event.id) ?? []));
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
