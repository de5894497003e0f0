/**
 * Camera settings (admin only):
 *   GET   /api/cameras/:id/settings  -> {id, name, source, editable, enabled, retentionDays, motion: {enabled, sensitivity, masks},
 *                                        objects: {enabled, alert, minScore, zones}, onvifUrl, streams: {main, sub}
 *                                        (passwords replaced by ***), identity}
 *   PATCH /api/cameras/:id/settings {name?, enabled?, retentionDays?, motion?: {enabled?, sensitivity?, masks?},
 *         objects?: {enabled?, alert?, minScore?, zones?} | null (null: the defaults)} -> the settings
 *         409 for a camera defined in the config file (edit the file: it wins at every start)
 *   GET   /api/cameras/:id/motion/suggested-masks -> {cameraId, editable, configFile, learnedAtMs, suggestions, dropped, yaml}
 *   POST  /api/cameras/:id/motion/suggested-masks/drop {x, y, w, h} -> the same; config cameras too (it is no setting of the file)
 * A change takes effect at once: recorders and motion hear it through cameraChanged.
 */
import { Router } from 'express';
import { redactUrl } from '../../net/redactCredentials.ts';
import { getCamera, getCameraSecrets } from '../../cameras/cameraRows.ts';
import { getMotionSettings, getObjectSettings, updateCameraSettings, type CameraSettingsPatch } from '../../cameras/cameraSettings.ts';
import { cameraChanged } from '../../cameras/registryEvents.ts';
import { parseCameraObjects, parseMasks } from '../../config/parse.ts';
import { cameraObjectDefaults, type CameraConfig, type CameraObjectSettings } from '../../config/schema.ts';
import { dropRegion, getDroppedRegions, getLearnedRegions } from '../../motion/learnedRegionRows.ts';
import { masksYaml, suggestedMasks } from '../../motion/suggestedMasks.ts';
import { ConfigError } from '../../config/validate.ts';
import type { RouteContext } from '../context.ts';
import { HttpError, badRequest, notFound } from '../errors.ts';
import { bodyObject, cameraIdParam } from '../validate.ts';
import { requireAdmin } from '../session.ts';
import { privateNoStore } from '../access.ts';
import type { CameraSettingsView } from '../../wire/settings.ts';

const settingsKeys = ['name', 'enabled', 'retentionDays', 'motion', 'objects'];
const motionKeys = ['enabled', 'sensitivity', 'masks'];

/** `storedObjects`: what a partial `objects` patch is applied to (the camera's settings now). */
export function parseSettingsPatch(body: Record<string, unknown>, storedObjects: CameraObjectSettings = cameraObjectDefaults()): CameraSettingsPatch {
  const unknown = Object.keys(body).filter((k) => !settingsKeys.includes(k));
  if (unknown.length > 0) throw badRequest(`unknown setting "${unknown[0]}"; settings are ${settingsKeys.join(', ')}`);
  const patch: CameraSettingsPatch = {};
  if (body.name !== undefined) {
    if (typeof body.name !== 'string' || body.name.trim().length === 0 || body.name.length > 80) throw badRequest('"name" must be 1 to 80 characters');
    patch.name = body.name.trim();
  }
  if (body.enabled !== undefined) {
    if (typeof body.enabled !== 'boolean') throw badRequest('"enabled" must be true or false');
    patch.enabled = body.enabled;
  }
  if (body.retentionDays !== undefined) {
    const days = body.retentionDays;
    if (days !== null && !(Number.isInteger(days) && (days as number) >= 1 && (days as number) <= 3650)) {
      throw badRequest('"retentionDays" must be a whole number of days from 1 to 3650, or null for the default');
    }
    patch.retentionDays = days as number | null;
  }
  if (body.motion !== undefined) {
    if (typeof body.motion !== 'object' || body.motion === null || Array.isArray(body.motion)) throw badRequest('"motion" must be an object {enabled, sensitivity, masks}');
    const motion = body.motion as Record<string, unknown>;
    const unknownMotion = Object.keys(motion).filter((k) => !motionKeys.includes(k));
    if (unknownMotion.length > 0) throw badRequest(`unknown motion setting "${unknownMotion[0]}"; they are ${motionKeys.join(', ')}`);
    patch.motion = {};
    if (motion.enabled !== undefined) {
      if (typeof motion.enabled !== 'boolean') throw badRequest('"motion.enabled" must be true or false');
      patch.motion.enabled = motion.enabled;
    }
    if (motion.sensitivity !== undefined) {
      const s = motion.sensitivity;
      if (!(Number.isInteger(s) && (s as number) >= 1 && (s as number) <= 100)) throw badRequest('"motion.sensitivity" must be a whole number from 1 to 100');
      patch.motion.sensitivity = s as number;
    }
    if (motion.masks !== undefined) {
      if (Array.isArray(motion.masks) && motion.masks.length > 32) throw badRequest('"motion.masks": at most 32 rectangles');
      try {
        patch.motion.masks = parseMasks(motion.masks, 'motion.masks');
      } catch (error) {
        if (error instanceof ConfigError) throw badRequest(`"${error.keyPath}": ${error.problem}`);
        throw error;
      }
    }
  }
  if (body.objects !== undefined) {
    if (body.objects === null) {
      patch.objects = null;
    } else {
      // The file's own validation: a zone the UI draws is checked exactly as one typed into hearth.yaml.
      try {
        patch.objects = parseCameraObjects(body.objects, 'objects', storedObjects);
      } catch (error) {
        if (error instanceof ConfigError) throw badRequest(`"${error.keyPath}": ${error.problem}`);
        throw error;
      }
    }
  }
  return patch;
}

/** `configCameras`: the file's cameras, whose object settings come from the file (as their motion does). */
export function cameraSettingsRoutes(ctx: RouteContext, configFile: string | null, configCameras: readonly CameraConfig[] = []): Router {
  const router = Router();

  const objectsOf = (id: string, source: 'config' | 'adopted'): CameraObjectSettings =>
    source === 'config' ? (configCameras.find((c) => c.id === id)?.objects ?? cameraObjectDefaults()) : getObjectSettings(ctx.db, id);

  const present = (id: string): CameraSettingsView => {
    const camera = getCamera(ctx.db, id);
    const secrets = getCameraSecrets(ctx.db, id);
    const motion = getMotionSettings(ctx.db, id);
    if (!camera || !secrets || !motion) throw notFound('no camera here: it does not exist');
    return {
      id: camera.id,
      name: camera.name,
      source: camera.source,
      editable: camera.source !== 'config',
      configFile: camera.source === 'config' ? configFile : null,
      enabled: camera.enabled,
      retentionDays: camera.retentionDays,
      motion: { ...motion, enabled: camera.motionEnabled },
      objects: objectsOf(camera.id, camera.source),
      onvifUrl: camera.onvifUrl,
      streams: { main: redactUrl(secrets.streams.main), sub: redactUrl(secrets.streams.sub) },
      identity: { serial: camera.serialNumber, hardwareId: camera.hardwareId, mac: camera.mac, verified: camera.identityVerified },
    };
  };

  router.get('/cameras/:id/settings', requireAdmin, (req, res) => {
    const id = cameraIdParam(req.params.id, 'id');
    privateNoStore(res);
    res.json(present(id));
  });

  /** Learned nuisance regions the admin has neither kept (a mask covers it) nor dropped. */
  const suggestions = (id: string) => {
    const camera = getCamera(ctx.db, id);
    const motion = getMotionSettings(ctx.db, id);
    if (!camera || !motion) throw notFound('no camera here: it does not exist');
    const learned = getLearnedRegions(ctx.db, id);
    const dropped = getDroppedRegions(ctx.db, id);
    const offered = suggestedMasks(learned?.regions ?? [], motion.masks, dropped);
    const editable = camera.source !== 'config';
    return {
      cameraId: id,
      editable,
      configFile: editable ? null : configFile,
      learnedAtMs: learned?.updatedAtMs ?? null,
      suggestions: offered,
      dropped,
      // A config camera keeps a suggestion by adding it to the file: these lines, under the camera.
      yaml: !editable && offered.length > 0 ? masksYaml(id, offered) : null,
    };
  };

  router.get('/cameras/:id/motion/suggested-masks', requireAdmin, (req, res) => {
    const id = cameraIdParam(req.params.id, 'id');
    privateNoStore(res);
    res.json(suggestions(id));
  });

  router.post('/cameras/:id/motion/suggested-masks/drop', requireAdmin, (req, res) => {
    const id = cameraIdParam(req.params.id, 'id');
    if (!getCamera(ctx.db, id)) throw notFound('no camera here: it does not exist');
    const body = bodyObject(req.body);
    let region;
    try {
      [region] = parseMasks([body], 'region');
    } catch (error) {
      if (error instanceof ConfigError) throw badRequest(`the region to drop: ${error.problem}; send {x, y, w, h} as fractions of the frame`);
      throw error;
    }
    if (!region) throw badRequest('send the region to drop as {x, y, w, h}');
    dropRegion(ctx.db, id, region);
    ctx.log.info('motion suggestion dropped', { event: 'camera.motion_suggestion_dropped', camera: id, region: JSON.stringify(region) });
    privateNoStore(res);
    res.json(suggestions(id));
  });

  router.patch('/cameras/:id/settings', requireAdmin, (req, res) => {
    const id = cameraIdParam(req.params.id, 'id');
    const camera = getCamera(ctx.db, id);
    if (!camera) throw notFound('no camera here: it does not exist');
    const patch = parseSettingsPatch(bodyObject(req.body), objectsOf(id, camera.source));
    if (camera.source === 'config') {
      throw new HttpError(
        409,
        'config_camera',
        `camera "${id}" is defined in ${configFile ?? 'the config file'}: change it there and restart Hearth (the file wins at every start)`,
      );
    }
    updateCameraSettings(ctx.db, id, patch, ctx.now());
    ctx.log.info('camera settings changed', { event: 'camera.settings_changed', camera: id, fields: Object.keys(patch).join(',') });
    cameraChanged(ctx.db, id, ctx.log);
    privateNoStore(res);
    res.json(present(id));
  });

  return router;
}
