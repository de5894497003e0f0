/**
 * Cameras, each through the gate:
 *   GET /api/cameras                       -> [{id, name, state, lastError, lastErrorAtMs, identity: {serial, verified}}]
 *   GET /api/cameras/:id                   -> one of the above
 *   GET /api/cameras/:id/segments?from=&to=[&stream=sub]   -> [{id, start, end, startMs, endMs, bytes, url}]   (recordings scope; ≤ 24 h;
 *       the main stream unless stream=sub: an H.265 camera's H.264 sub-stream recording)
 *   GET /api/cameras/:id/coverage?from=&to=[&stream=sub][&minGapMs=]   -> {fromMs, toMs, stream, minGapMs, spans: [{startMs, endMs}],
 *       events: [{startMs, endMs, count, alert, labels}]}   (recordings scope; ≤ 62 days; what the timeline draws, each list ≤ 2,000 items;
 *       alert: any event of the marker alerted; labels: the COCO labels its events carry, each once)
 *   GET /api/cameras/:id/snapshot          -> image/jpeg                         (live scope)
 */
import { Router } from 'express';
import { getCamera, type CameraRow } from '../../cameras/cameraRows.ts';
import { may, visibleCameraIds } from '../../auth/gate.ts';
import { segmentsOverlapping } from '../../playback/mediaRows.ts';
import { coverageSpans, eventMarkers } from '../../playback/coverageRows.ts';
import { SnapshotBusyError, SnapshotUnavailableError } from '../../playback/snapshotFromRecording.ts';
import type { RouteContext } from '../context.ts';
import { cameraStatusView } from '../sources.ts';
import { HttpError, notFound } from '../errors.ts';
import { cameraIdParam, durationMsParam, rangeParams, segmentStreamParam } from '../validate.ts';
import { currentUser } from '../session.ts';
import { privateNoStore, requireCamera } from '../access.ts';
import { withoutUrls } from '../../net/redactCredentials.ts';
import type { CameraView, CoverageView, SegmentView } from '../../wire/cameras.ts';

export const maxListRangeMs = 24 * 3_600_000;
/** A day of 10 s segments is 8,640 rows; anything above this is not a real recording. */
export const maxSegmentRows = 20_000;
/** The coverage route answers a month view at once (the segments route stays at a day of rows). */
export const maxCoverageRangeMs = 62 * 24 * 3_600_000;
/** Spans and markers per coverage answer: more than a scrubber has pixels. */
export const maxCoverageItems = 2_000;
/** A recorder closes a segment every 10 s: a camera that is recording always has one this fresh. */
export const liveSnapshotMaxAgeMs = 30_000;

export function cameraRoutes(ctx: RouteContext): Router {
  const router = Router();

  const view = (camera: CameraRow, admin: boolean): CameraView => {
    const status = cameraStatusView(ctx.status, camera);
    // Viewers learn why a camera is down, not where it lives (nor any password in its URL).
    if (!admin && status.lastError !== null) status.lastError = withoutUrls(status.lastError);
    return {
      id: camera.id,
      name: camera.name,
      ...status,
      identity: { serial: camera.serialNumber, verified: camera.identityVerified },
    };
  };

  router.get('/cameras', (_req, res) => {
    const user = currentUser(res);
    const cameras = visibleCameraIds(ctx.db, user.userId, 'live')
      .map((id) => getCamera(ctx.db, id))
      .filter((c): c is CameraRow => c !== null);
    privateNoStore(res);
    res.json(cameras.map((c) => view(c, user.role === 'admin')));
  });

  router.get('/cameras/:id', (req, res) => {
    const id = cameraIdParam(req.params.id, 'id');
    requireCamera(ctx, req, res, id, 'live');
    const camera = getCamera(ctx.db, id);
    if (!camera) throw notFound('no camera here: it does not exist or you may not see it');
    privateNoStore(res);
    res.json(view(camera, currentUser(res).role === 'admin'));
  });

  router.get('/cameras/:id/segments', (req, res) => {
    const id = cameraIdParam(req.params.id, 'id');
    const range = rangeParams(req.query, maxListRangeMs);
    const stream = segmentStreamParam(req.query.stream);
    requireCamera(ctx, req, res, id, 'recordings');
    const rows = segmentsOverlapping(ctx.db, id, range.fromMs, range.toMs, maxSegmentRows, stream);
    privateNoStore(res);
    // start/end stay for existing clients; startMs/endMs say the unit (src/http/API.md).
    res.json(rows.map((s): SegmentView => ({ id: s.id, start: s.startMs, end: s.endMs, startMs: s.startMs, endMs: s.endMs, bytes: s.bytes, url: `/api/segments/${s.id}` })));
  });

  router.get('/cameras/:id/coverage', (req, res) => {
    const id = cameraIdParam(req.params.id, 'id');
    const range = rangeParams(req.query, maxCoverageRangeMs);
    const stream = segmentStreamParam(req.query.stream);
    const askedGapMs = durationMsParam(req.query.minGapMs, 'minGapMs', 0, range.toMs - range.fromMs);
    requireCamera(ctx, req, res, id, 'recordings');
    const covered = coverageSpans(ctx.db, id, stream, range.fromMs, range.toMs, askedGapMs, maxCoverageItems);
    const events = eventMarkers(ctx.db, id, range.fromMs, range.toMs, askedGapMs, maxCoverageItems, ctx.now());
    privateNoStore(res);
    const body: CoverageView = { fromMs: range.fromMs, toMs: range.toMs, stream, minGapMs: covered.minGapMs, spans: covered.spans, events };
    res.json(body);
  });

  router.get('/cameras/:id/snapshot', async (req, res) => {
    const id = cameraIdParam(req.params.id, 'id');
    requireCamera(ctx, req, res, id, 'live');
    // A live-only grant sees the camera now, not its recordings: only a frame of the last seconds (L6).
    const liveOnly = !may(ctx.db, currentUser(res).userId, id, 'recordings');
    const options = liveOnly ? { newerThanMs: ctx.now() - liveSnapshotMaxAgeMs } : {};
    const jpeg = await ctx.snapshot.snapshot(id, options).catch((error: unknown) => {
      if (error instanceof SnapshotUnavailableError) throw new HttpError(503, 'snapshot_unavailable', error.message, { 'Retry-After': '5' });
      if (error instanceof SnapshotBusyError) throw new HttpError(503, 'busy', error.message, { 'Retry-After': '2' });
      throw error;
    });
    if (!jpeg) {
      throw new HttpError(404, 'no_snapshot', liveOnly
        ? `camera ${id} has no picture from the last ${liveSnapshotMaxAgeMs / 1000} s: it is not recording now`
        : `camera ${id} has nothing to show yet: no frame has been recorded`);
    }
    privateNoStore(res);
    res.type('image/jpeg').send(jpeg);
  });

  return router;
}
