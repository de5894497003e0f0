/**
 * The one typed configuration object Hearth runs on, and its defaults.
 * Keys mirror docs/INTERFACE.md, "Configuration"; everything here is validated before use (see validate.ts).
 */
import type { FrameRect } from '../wire/settings.ts';

export interface HttpConfig {
  port: number;
  host: string;
  /** Refuse requests from non-private source addresses unless true (docs/DESIGN.md, "LAN only"). */
  allowNonLan: boolean;
  /**
   * Extra names the web UI may be reached by (e.g. nvr.example.com), beyond IP addresses,
   * localhost, single-label and .local/.lan/.home/.home.arpa/.internal names; any other
   * Host header gets 421, so a web page cannot rebind its name to this box. Default none.
   */
  allowedHosts?: string[];
}

export interface DiscoveryConfig {
  enabled: boolean;
  /** Interface names to probe; null means every up interface with a private IPv4 address. */
  interfaces: string[] | null;
  intervalMinutes: number;
  /** The WS-Discovery UDP port, from HEARTH_WSD_PORT (not a YAML key: tests use a private port); default 3702. */
  port?: number;
}

export interface RetentionConfig {
  days: number;
  maxDiskPercent: number;
  /** Segments overlapping a motion event are kept this long (at least `days`). */
  eventDays: number;
  /** Segments overlapping an event with an object label (person, car...) are kept this long (at least `eventDays`). */
  labelledEventDays: number;
}

export interface RecordingConfig {
  segmentSeconds: number;
}

export interface MqttConfig {
  url: string;
  username: string | null;
  password: string | null;
  topicPrefix: string;
  homeAssistant: boolean;
  /** Publish motion thumbnails (not retained). Off unless set: the broker's ACL then decides who sees them. */
  thumbnails?: boolean;
  /** Allow a broker outside the LAN (public address or a name resolving to one). Default false. */
  allowNonLan?: boolean;
}

export interface CameraOnvifConfig {
  url: string;
  username: string;
  password: string;
}

/** A rectangle in fractions of the frame (0..1); the API sends it as it is (src/wire/settings.ts). */
export type { FrameRect } from '../wire/settings.ts';

export interface CameraConfig {
  id: string;
  name: string;
  enabled: boolean;
  onvif: CameraOnvifConfig | null;
  streams: { main: string; sub: string | null } | null;
  /** masks: areas (0..1 of the frame) motion ignores, e.g. the camera's on-screen clock. */
  motion: { enabled: boolean; sensitivity: number; masks: FrameRect[] };
  retention: { days: number | null };
  /** What the object detector labels on this camera's motion events, and which labels alert. */
  objects: CameraObjectSettings;
}

/** Object detection for the whole box (issue 17): one detector, one bounded queue of frames. */
export interface ObjectsConfig {
  /** false: motion only, the detector is never loaded. */
  enabled: boolean;
  /** Frames classified per second per moving camera (0.2..10). */
  fps: number;
  /** Inference threads (1..8). */
  threads: number;
  /** Frames waiting across the whole box (1..64); more are dropped and counted. */
  queue: number;
}

/**
 * A part of the frame (fractions, like masks) where the listed labels count: a label named by
 * any zone counts only with its box's bottom centre inside one of its zones.
 */
export interface ObjectZone {
  name: string;
  /** Kinds or labels (src/objects/labels.ts, isLabelName). */
  labels: string[];
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface CameraObjectSettings {
  enabled: boolean;
  /** Kinds or labels that raise an alert. */
  alert: string[];
  /** 0.05..0.99; a detection scoring below it is not a label. */
  minScore: number;
  zones: ObjectZone[];
}

export const defaultObjectsConfig: ObjectsConfig = { enabled: true, fps: 2, threads: 1, queue: 4 };
export const defaultCameraObjectSettings: CameraObjectSettings = { enabled: true, alert: ['person', 'vehicle', 'animal'], minScore: 0.5, zones: [] };

/** A fresh copy of the defaults: callers may not share (and so mutate) the constant's lists. */
export function cameraObjectDefaults(): CameraObjectSettings {
  return { ...defaultCameraObjectSettings, alert: [...defaultCameraObjectSettings.alert], zones: [] };
}

/** Motion sensitivity (1..100) of a camera whose config or settings name none. */
export const defaultMotionSensitivity = 50;

export interface HearthConfig {
  /** Where the database, recordings and thumbnails live. */
  dataDir: string;
  /** The YAML file this came from, or null for embedded defaults. */
  sourceFile: string | null;
  http: HttpConfig;
  discovery: DiscoveryConfig;
  retention: RetentionConfig;
  recording: RecordingConfig;
  objects: ObjectsConfig;
  mqtt: MqttConfig | null;
  cameras: CameraConfig[];
}

export const defaultDataDir = './data';
export const defaultHttpPort = 8080;
export const defaultHttpHost = '0.0.0.0';

export function defaultConfig(): HearthConfig {
  return {
    dataDir: defaultDataDir,
    sourceFile: null,
    http: { port: defaultHttpPort, host: defaultHttpHost, allowNonLan: false, allowedHosts: [] },
    discovery: { enabled: true, interfaces: null, intervalMinutes: 10 },
    retention: { days: 14, maxDiskPercent: 90, eventDays: 30, labelledEventDays: 60 },
    recording: { segmentSeconds: 10 },
    objects: { ...defaultObjectsConfig },
    mqtt: null,
    cameras: [],
  };
}

/** Camera ids are URL and path safe slugs, stable for the life of the camera. */
export const cameraIdPattern = /^[a-z0-9][a-z0-9-]{0,63}$/;

// Recorder defaults (issue 15): what the recording service uses when a caller does not say.
/** No new video for this long means a stuck ffmpeg: the recorder and the motion frame source restart it. */
export const defaultStallMs = 20_000;
/** The recorder's RTSP I/O timeout (ffmpeg `-timeout`), seconds. */
export const defaultRecorderIoTimeoutSeconds = 10;
/** A camera failing this long without a healthy run shows `offline` instead of `retrying`. */
export const defaultOfflineAfterMs = 120_000;
/** How often retention deletes by age and by disk budget. */
export const defaultRetentionIntervalMs = 60_000;
/** Free space below this on the recording disk means `disk_full` (prune, then resume). */
export const defaultLowSpaceBytes = 64 * 1024 * 1024;
