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
    retention: { days: 14, maxDiskPercent: 90, eventDays: 30 },
    recording: { segmentSeconds: 10 },
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
