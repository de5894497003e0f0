/**
 * Turns a parsed YAML document into a HearthConfig, rejecting unknown keys and
 * wrong types with the key path. Pure: no files, no environment.
 */
import {
  cameraIdPattern,
  defaultConfig,
  defaultMotionSensitivity,
  type CameraConfig,
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

const topLevelKeys = ['http', 'discovery', 'retention', 'recording', 'mqtt', 'cameras'] as const;

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
    rejectUnknownKeys(retention, ['days', 'maxDiskPercent', 'eventDays'], 'retention');
    const days = optionalInteger(retention, 'days', 'retention', { min: 1, max: 3650 }, config.retention.days);
    config.retention = {
      days,
      maxDiskPercent: optionalInteger(retention, 'maxDiskPercent', 'retention', { min: 1, max: 99 }, 90),
      eventDays: optionalInteger(retention, 'eventDays', 'retention', { min: 1, max: 3650 }, Math.max(days, 30)),
    };
  }

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

export function parseMasks(value: unknown, keyPath: string): FrameRect[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigError(keyPath, `expected a list of {x, y, w, h} rectangles, got ${describe(value)}`);
  return value.map((item, i) => {
    const path = join(keyPath, i);
    const rect = asMapping(item, path);
    rejectUnknownKeys(rect, ['x', 'y', 'w', 'h'], path);
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
  });
}

const cameraKeys = ['id', 'name', 'enabled', 'onvif', 'streams', 'motion', 'retention'] as const;

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
  };
}
