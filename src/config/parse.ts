/**
 * Turns a parsed YAML document into a HearthConfig, rejecting unknown keys and
 * wrong types with the key path. Pure: no files, no environment.
 */
import {
  cameraIdPattern,
  cameraObjectDefaults,
  defaultConfig,
  defaultMotionSensitivity,
  defaultObjectsConfig,
  type CameraConfig,
  type CameraObjectSettings,
  type ObjectsConfig,
  type ObjectZone,
  type HearthConfig,
  type MqttConfig,
  type FrameRect,
} from './schema.ts';
import {
  ConfigError,
  asMapping,
  join,
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalString,
  optionalStringList,
  rejectUnknownKeys,
  requiredString,
  urlWithScheme,
  describe,
  type Plain,
} from './validate.ts';
import { isIP } from 'node:net';
import { isLanAddress } from '../net/lanAddress.ts';
import { eventLabels, isLabelName, objectKinds } from '../objects/labels.ts';

const topLevelKeys = ['http', 'discovery', 'retention', 'recording', 'objects', 'mqtt', 'cameras'] as const;

export function parseConfigDocument(document: unknown): Omit<HearthConfig, 'dataDir' | 'sourceFile'> {
  const config = defaultConfig();
  if (document === null || document === undefined) return config;
  const root = asMapping(document, '');
  rejectUnknownKeys(root, topLevelKeys, '');

  if (root.http != null) {
    const http = asMapping(root.http, 'http');
    rejectUnknownKeys(http, ['port', 'host', 'allowNonLan', 'allowedHosts'], 'http');
    config.http = {
      port: optionalInteger(http, 'port', 'http', { min: 1, max: 65535 }, config.http.port),
      host: optionalString(http, 'host', 'http') ?? config.http.host,
      allowNonLan: optionalBoolean(http, 'allowNonLan', 'http', config.http.allowNonLan),
      allowedHosts: allowedHostNames(http),
    };
  }

  if (root.discovery != null) {
    const discovery = asMapping(root.discovery, 'discovery');
    rejectUnknownKeys(discovery, ['enabled', 'interfaces', 'intervalMinutes'], 'discovery');
    config.discovery = {
      enabled: optionalBoolean(discovery, 'enabled', 'discovery', true),
      interfaces: optionalStringList(discovery, 'interfaces', 'discovery'),
      intervalMinutes: optionalInteger(discovery, 'intervalMinutes', 'discovery', { min: 1, max: 1440 }, 10),
    };
  }

  if (root.retention != null) {
    const retention = asMapping(root.retention, 'retention');
    rejectUnknownKeys(retention, ['days', 'maxDiskPercent', 'eventDays', 'labelledEventDays'], 'retention');
    const days = optionalInteger(retention, 'days', 'retention', { min: 1, max: 3650 }, config.retention.days);
    const eventDays = optionalInteger(retention, 'eventDays', 'retention', { min: 1, max: 3650 }, Math.max(days, 30));
    const labelledEventDays = optionalInteger(retention, 'labelledEventDays', 'retention', { min: 1, max: 3650 }, Math.max(eventDays, 60));
    // A person on the porch is worth at least what any motion is: the longer limit never keeps less.
    if (labelledEventDays < eventDays) {
      throw new ConfigError('retention.labelledEventDays', `is ${labelledEventDays} but retention.eventDays is ${eventDays}; labelled events are kept at least as long as any motion (use ${eventDays} or more)`);
    }
    config.retention = {
      days,
      maxDiskPercent: optionalInteger(retention, 'maxDiskPercent', 'retention', { min: 1, max: 99 }, 90),
      eventDays,
      labelledEventDays,
    };
  }

  if (root.objects != null) config.objects = parseObjects(asMapping(root.objects, 'objects'));

  if (root.recording != null) {
    const recording = asMapping(root.recording, 'recording');
    rejectUnknownKeys(recording, ['segmentSeconds'], 'recording');
    config.recording = {
      segmentSeconds: optionalInteger(recording, 'segmentSeconds', 'recording', { min: 2, max: 600 }, 10),
    };
  }

  if (root.mqtt != null) config.mqtt = parseMqtt(asMapping(root.mqtt, 'mqtt'));

  if (root.cameras != null) {
    if (!Array.isArray(root.cameras)) {
      throw new ConfigError('cameras', `expected a list of cameras (each starting with "- id: ..."), got ${describe(root.cameras)}`);
    }
    const seen = new Set<string>();
    config.cameras = root.cameras.map((item, index) => {
      const camera = parseCamera(item, join('cameras', index));
      if (seen.has(camera.id)) {
        throw new ConfigError(join(join('cameras', index), 'id'), `"${camera.id}" is used by another camera; each id must be unique`);
      }
      seen.add(camera.id);
      return camera;
    });
  }
  return config;
}

/** Bare DNS names, as typed in the browser's address bar: no scheme, port or path. */
function allowedHostNames(http: Plain): string[] {
  const names = optionalStringList(http, 'allowedHosts', 'http') ?? [];
  return names.map((name, i) => {
    const value = name.trim().toLowerCase().replace(/\.$/, '');
    if (value.length > 253 || !/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*$/.test(value)) {
      throw new ConfigError(
        join(join('http', 'allowedHosts'), i),
        `"${name.slice(0, 100)}" is not a host name; list bare names as typed in the browser, e.g. nvr.example.com (no http://, port or path)`,
      );
    }
    return value;
  });
}

function parseMqtt(mqtt: Plain): MqttConfig {
  rejectUnknownKeys(mqtt, ['url', 'username', 'password', 'topicPrefix', 'homeAssistant', 'thumbnails', 'allowNonLan'], 'mqtt');
  const topicPrefix = optionalString(mqtt, 'topicPrefix', 'mqtt') ?? 'hearth';
  if (/[#+\s]/.test(topicPrefix)) {
    throw new ConfigError('mqtt.topicPrefix', 'must not contain spaces or the MQTT wildcards + and #');
  }
  const url = urlWithScheme(requiredString(mqtt, 'url', 'mqtt'), 'mqtt.url', ['mqtt:', 'mqtts:']);
  const allowNonLan = optionalBoolean(mqtt, 'allowNonLan', 'mqtt', false);
  const host = new URL(url).hostname;
  // Names are checked when the bridge resolves them; a literal can be refused here.
  if (!allowNonLan && isIP(host.replace(/^\[|\]$/g, '')) !== 0 && !isLanAddress(host)) {
    throw new ConfigError('mqtt.url', `${host} is outside the local network; use the broker's LAN address, or set mqtt.allowNonLan: true to send camera data there`);
  }
  return {
    url,
    username: optionalString(mqtt, 'username', 'mqtt'),
    password: optionalString(mqtt, 'password', 'mqtt'),
    topicPrefix,
    homeAssistant: optionalBoolean(mqtt, 'homeAssistant', 'mqtt', true),
    thumbnails: optionalBoolean(mqtt, 'thumbnails', 'mqtt', false),
    allowNonLan,
  };
}

function parseObjects(objects: Plain): ObjectsConfig {
  rejectUnknownKeys(objects, ['enabled', 'fps', 'threads', 'queue'], 'objects');
  return {
    enabled: optionalBoolean(objects, 'enabled', 'objects', defaultObjectsConfig.enabled),
    fps: optionalNumber(objects, 'fps', 'objects', { min: 0.2, max: 10 }, defaultObjectsConfig.fps),
    threads: optionalInteger(objects, 'threads', 'objects', { min: 1, max: 8 }, defaultObjectsConfig.threads),
    queue: optionalInteger(objects, 'queue', 'objects', { min: 1, max: 64 }, defaultObjectsConfig.queue),
  };
}

export function parseMasks(value: unknown, keyPath: string): FrameRect[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigError(keyPath, `expected a list of {x, y, w, h} rectangles, got ${describe(value)}`);
  return value.map((item, i) => {
    const path = join(keyPath, i);
    const rect = asMapping(item, path);
    rejectUnknownKeys(rect, ['x', 'y', 'w', 'h'], path);
    return frameRect(rect, path);
  });
}

/** x, y, w, h of a mapping whose other keys were checked by the caller. */
function frameRect(rect: Plain, path: string): FrameRect {
  const read = (key: 'x' | 'y' | 'w' | 'h'): number => {
    const n = rect[key];
    if (typeof n !== 'number' || !(n >= 0 && n <= 1)) {
      throw new ConfigError(join(path, key), `expected a fraction of the frame from 0 to 1, got ${describe(n)}`);
    }
    return n;
  };
  const r = { x: read('x'), y: read('y'), w: read('w'), h: read('h') };
  if (r.x + r.w > 1.0001 || r.y + r.h > 1.0001) throw new ConfigError(path, 'the rectangle reaches past the edge of the frame (x + w and y + h must be at most 1)');
  return r;
}

/** Zones per camera: more than a screen can show is a mistake, not a setting. */
export const maxObjectZones = 16;
const objectSettingsKeys = ['enabled', 'alert', 'minScore', 'zones'] as const;

/** "person, vehicle, animal, or a label: bicycle, car, ..." — what a label list may hold. */
export function validLabelNames(): string {
  const kinds: readonly string[] = objectKinds;
  return `${objectKinds.join(', ')}, or a label: ${eventLabels.filter((l) => !kinds.includes(l)).join(', ')}`;
}

function labelList(value: unknown, keyPath: string, allowEmpty: boolean): string[] {
  if (!Array.isArray(value)) throw new ConfigError(keyPath, `expected a list of kinds or labels (${validLabelNames()}), got ${describe(value)}`);
  if (!allowEmpty && value.length === 0) throw new ConfigError(keyPath, `name at least one kind or label (${objectKinds.join(', ')}, ...)`);
  const names = value.map((item, i) => {
    if (typeof item !== 'string' || !isLabelName(item)) {
      throw new ConfigError(join(keyPath, i), `${describe(item)} is not a kind or label Hearth knows; use ${validLabelNames()}`);
    }
    return item;
  });
  return [...new Set(names)];
}

/**
 * A camera's `objects:` section (config file, and PATCH /api/cameras/:id/settings, which passes
 * `base` = the stored settings so a partial patch keeps the rest).
 */
export function parseCameraObjects(value: unknown, keyPath: string, base: CameraObjectSettings = cameraObjectDefaults()): CameraObjectSettings {
  if (value === undefined || value === null) return base;
  const o = asMapping(value, keyPath);
  rejectUnknownKeys(o, objectSettingsKeys, keyPath);
  return {
    enabled: optionalBoolean(o, 'enabled', keyPath, base.enabled),
    alert: o.alert === undefined || o.alert === null ? base.alert : labelList(o.alert, join(keyPath, 'alert'), true),
    minScore: optionalNumber(o, 'minScore', keyPath, { min: 0.05, max: 0.99 }, base.minScore),
    zones: o.zones === undefined || o.zones === null ? base.zones : parseObjectZones(o.zones, join(keyPath, 'zones')),
  };
}

function parseObjectZones(value: unknown, keyPath: string): ObjectZone[] {
  if (!Array.isArray(value)) throw new ConfigError(keyPath, `expected a list of zones ({name, labels, x, y, w, h}), got ${describe(value)}`);
  if (value.length > maxObjectZones) throw new ConfigError(keyPath, `at most ${maxObjectZones} zones, got ${value.length}`);
  const names = new Set<string>();
  return value.map((item, i) => {
    const path = join(keyPath, i);
    const zone = asMapping(item, path);
    rejectUnknownKeys(zone, ['name', 'labels', 'x', 'y', 'w', 'h'], path);
    const name = requiredString(zone, 'name', path).trim();
    if (name.length > 40) throw new ConfigError(join(path, 'name'), 'at most 40 characters');
    if (names.has(name)) throw new ConfigError(join(path, 'name'), `"${name}" names another zone of this camera; each zone needs its own name`);
    names.add(name);
    return { name, labels: labelList(zone.labels, join(path, 'labels'), false), ...frameRect(zone, path) };
  });
}

const cameraKeys = ['id', 'name', 'enabled', 'onvif', 'streams', 'motion', 'retention', 'objects'] as const;

function parseCamera(value: unknown, keyPath: string): CameraConfig {
  const camera = asMapping(value, keyPath);
  rejectUnknownKeys(camera, cameraKeys, keyPath);
  const rawId = camera.id;
  if (typeof rawId !== 'string' || !cameraIdPattern.test(rawId)) {
    const example = typeof rawId === 'string' ? rawId.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') : '';
    throw new ConfigError(
      join(keyPath, 'id'),
      `${rawId === undefined ? 'is required' : `${describe(rawId)} is not a valid camera id`}; ` +
        `use 1-64 lowercase letters, digits and '-', starting with a letter or digit${example ? ` (for example "${example}")` : ' (for example "porch")'}`,
    );
  }
  const id = rawId;

  let onvif: CameraConfig['onvif'] = null;
  if (camera.onvif != null) {
    const path = join(keyPath, 'onvif');
    const o = asMapping(camera.onvif, path);
    rejectUnknownKeys(o, ['url', 'username', 'password'], path);
    onvif = {
      url: urlWithScheme(requiredString(o, 'url', path), join(path, 'url'), ['http:', 'https:']),
      username: requiredString(o, 'username', path),
      password: requiredString(o, 'password', path),
    };
  }

  let streams: CameraConfig['streams'] = null;
  if (camera.streams != null) {
    const path = join(keyPath, 'streams');
    const s = asMapping(camera.streams, path);
    rejectUnknownKeys(s, ['main', 'sub'], path);
    const main = requiredString(s, 'main', path);
    const sub = optionalString(s, 'sub', path);
    // Normalized (new URL().href): a password holding '@' or a space is stored as %40 / %20, which ffmpeg decodes.
    streams = {
      main: new URL(urlWithScheme(main, join(path, 'main'), ['rtsp:', 'rtsps:'])).href,
      sub: sub === null ? null : new URL(urlWithScheme(sub, join(path, 'sub'), ['rtsp:', 'rtsps:'])).href,
    };
  }
  if (onvif === null && streams === null) {
    throw new ConfigError(keyPath, `camera "${id}" needs an "onvif:" section or "streams: { main: rtsp://... }" so Hearth knows where to record from`);
  }

  let motion: CameraConfig['motion'] = { enabled: true, sensitivity: defaultMotionSensitivity, masks: [] };
  if (camera.motion != null) {
    const path = join(keyPath, 'motion');
    const m = asMapping(camera.motion, path);
    rejectUnknownKeys(m, ['enabled', 'sensitivity', 'masks'], path);
    motion = {
      enabled: optionalBoolean(m, 'enabled', path, true),
      sensitivity: optionalInteger(m, 'sensitivity', path, { min: 1, max: 100 }, defaultMotionSensitivity),
      masks: parseMasks(m.masks, join(path, 'masks')),
    };
  }

  let retentionDays: number | null = null;
  if (camera.retention != null) {
    const path = join(keyPath, 'retention');
    const r = asMapping(camera.retention, path);
    rejectUnknownKeys(r, ['days'], path);
    retentionDays = optionalInteger(r, 'days', path, { min: 1, max: 3650 }, 0) || null;
  }

  return {
    id,
    name: optionalString(camera, 'name', keyPath) ?? id,
    enabled: optionalBoolean(camera, 'enabled', keyPath, true),
    onvif,
    streams,
    motion,
    retention: { days: retentionDays },
    objects: parseCameraObjects(camera.objects, join(keyPath, 'objects')),
  };
}
