/**
 * Discovery and adoption (admin only):
 *   GET  /api/discovery                -> {atMs, interfaces, problem, devices: [{urn, address, xaddrs, name, hardware, adoptedAs}]}
 *   POST /api/discovery/probe          -> same, after a fresh probe
 *   POST /api/cameras/adopt {onvifUrl|xaddr, username, password, id?, name?}  -> 201 {id, name, identity, streams, snapshotUri, notes}
 *                                         (notes: optional fields the camera did not give, e.g. no MAC, no snapshot URI)
 *                                         401 wrong credentials (nothing stored) | 409 already adopted / id taken | 502 unreachable
 *   POST /api/cameras/manual {id, name, rtspMain, rtspSub?}   -> 201 {id, name, identity: {serial: null, verified: false}}
 * Camera passwords go in, never out: no response carries one.
 */
import { Router, type Request } from 'express';
import type { Db } from '../../db/sqlite.ts';
import { adoptCamera, AdoptionError } from '../../cameras/adoption.ts';
import { getCamera, listCameras, upsertCamera } from '../../cameras/cameraRows.ts';
import { cameraChanged } from '../../cameras/registryEvents.ts';
import type { DiscoveryResults, DiscoveryService } from '../../discovery/discoveryService.ts';
import { isLanUrl } from '../../discovery/lanUrl.ts';
import type { RouteContext } from '../context.ts';
import { HttpError, badRequest } from '../errors.ts';
import { bodyObject, stringField } from '../validate.ts';
import { requireAdmin } from '../session.ts';
import { privateNoStore } from '../access.ts';
import { redactUrl } from '../../net/redactCredentials.ts';

const cameraIdPattern = /^[a-z0-9-]{1,40}$/;

function optionalString(body: Record<string, unknown>, name: string, maxLength: number): string | undefined {
  return body[name] === undefined || body[name] === null || body[name] === '' ? undefined : stringField(body, name, maxLength);
}

function rtspField(body: Record<string, unknown>, name: string): string {
  const value = stringField(body, name, 2048);
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw badRequest(`"${name}" is not a URL (${(error as Error).message}); expected rtsp://user:pass@192.168.1.20:554/stream1`);
  }
  if (url.protocol !== 'rtsp:' && url.protocol !== 'rtsps:') throw badRequest(`"${name}" must start with rtsp:// or rtsps://`);
  // LAN only (docs/DESIGN.md, "LAN only"): a camera URL pointing outside the house would make Hearth call out.
  if (!isLanUrl(value)) throw badRequest(`"${name}" must point at a private (LAN) IP address, e.g. 192.168.1.20`);
  // Stored normalized: a password with '@' or a space becomes %40 / %20 (ffmpeg decodes
  // them), so the URL has one reading for ffmpeg, the redaction and everyone else.
  return url.href;
}

function present(db: Db, results: DiscoveryResults): object {
  const adopted = listCameras(db);
  return {
    atMs: results.atMs,
    interfaces: results.interfaces,
    problem: results.problem,
    devices: results.devices.map((d) => ({
      urn: d.urn,
      address: d.fromAddress,
      xaddrs: d.xaddrs,
      name: d.name ?? null,
      hardware: d.hardware ?? null,
      // By stored address only as a hint for the UI; identity is the serial, checked on adoption.
      adoptedAs: adopted.find((c) => c.onvifUrl !== null && d.xaddrs.includes(c.onvifUrl))?.id ?? null,
    })),
  };
}

/** What the API shows when `discovery.enabled: false` (or `hearth start --no-discovery`). */
const discoveryOff: DiscoveryResults = { devices: [], atMs: null, interfaces: [], problem: 'discovery is off (discovery.enabled: false); add cameras by RTSP URL or turn it on' };

export function discoveryRoutes(ctx: RouteContext, discovery: DiscoveryService | null): Router {
  const router = Router();
  router.use(['/discovery', '/cameras/adopt', '/cameras/manual'], requireAdmin);

  router.get('/discovery', (_req, res) => {
    privateNoStore(res);
    res.json(present(ctx.db, discovery?.latest() ?? discoveryOff));
  });

  router.post('/discovery/probe', async (_req, res) => {
    privateNoStore(res);
    res.json(present(ctx.db, discovery ? await discovery.probeNow() : discoveryOff));
  });

  router.post('/cameras/adopt', async (req: Request, res) => {
    privateNoStore(res);
    const body = bodyObject(req.body);
    const onvifUrl = optionalString(body, 'onvifUrl', 2048) ?? optionalString(body, 'xaddr', 2048);
    if (!onvifUrl) throw badRequest('"onvifUrl" (or "xaddr", from GET /api/discovery) is required');
    if (!/^https?:\/\//.test(onvifUrl)) throw badRequest('"onvifUrl" must be an http:// or https:// ONVIF device service URL');
    // LAN only, like stream URLs (L2): the credentials typed here must not go to a public host, and a name may resolve anywhere.
    if (!isLanUrl(onvifUrl)) throw badRequest('"onvifUrl" must point at a private (LAN) IP address, e.g. http://192.168.1.20/onvif/device_service');
    const id = optionalString(body, 'id', 40);
    const name = optionalString(body, 'name', 80);
    try {
      const adopted = await adoptCamera(
        { onvifUrl, username: stringField(body, 'username', 256), password: stringField(body, 'password', 1024), ...(id ? { id } : {}), ...(name ? { name } : {}) },
        { db: ctx.db, log: ctx.log, nowMs: ctx.now() },
      );
      res.status(201).json({
        id: adopted.id,
        name: adopted.name,
        identity: { serial: adopted.identity.serialNumber, hardwareId: adopted.identity.hardwareId, mac: adopted.mac, manufacturer: adopted.identity.manufacturer, model: adopted.identity.model, firmware: adopted.identity.firmwareVersion, verified: true },
        streams: adopted.streams,
        snapshotUri: redactUrl(adopted.snapshotUri),
        notes: adopted.notes,
      });
    } catch (error) {
      if (!(error instanceof AdoptionError)) throw error;
      const status = { auth: 401, unreachable: 502, conflict: 409, invalid: 400 }[error.kind];
      throw new HttpError(status, `adopt_${error.kind}`, error.message);
    }
  });

  router.post('/cameras/manual', (req, res) => {
    privateNoStore(res);
    const body = bodyObject(req.body);
    const id = stringField(body, 'id', 40);
    if (!cameraIdPattern.test(id)) throw badRequest('"id" must be lower-case letters, digits and dashes, e.g. "garage"');
    if (getCamera(ctx.db, id)) throw new HttpError(409, 'conflict', `a camera with id "${id}" already exists: choose another id`);
    const name = stringField(body, 'name', 80);
    const rtspMain = rtspField(body, 'rtspMain');
    const rtspSub = body.rtspSub === undefined || body.rtspSub === null || body.rtspSub === '' ? null : rtspField(body, 'rtspSub');
    upsertCamera(ctx.db, { id, name, source: 'adopted', enabled: true, onvif: null, streams: { main: rtspMain, sub: rtspSub }, retentionDays: null, motionEnabled: true, nowMs: ctx.now() });
    ctx.log.info('camera added by RTSP URL (identity unverified)', { event: 'camera.added_manual', camera: id });
    cameraChanged(ctx.db, id, ctx.log);
    res.status(201).json({ id, name, identity: { serial: null, verified: false } });
  });

  return router;
}
