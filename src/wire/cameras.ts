/**
 * The camera answers of the HTTP API (src/http/API.md), shared by the server and the web
 * UI. Types only: web/ imports this with `import type`, so no runtime code of src/ reaches
 * the browser bundle, and a new camera state is added here and nowhere else.
 */

/** A camera's visible state (docs/INTERFACE.md, "Camera states"). */
export type CameraState =
  | 'recording'
  | 'connecting'
  | 'retrying'
  | 'offline'
  | 'auth_failed'
  | 'identity_mismatch'
  | 'disk_full'
  | 'storage_missing'
  | 'disabled';

/** How audio is recorded: as sent ("copy"), converted to AAC ("aac": it does not fit MP4), or not at all ("none"). */
export type AudioMode = 'copy' | 'aac' | 'none';

/** GET /api/cameras (each) and GET /api/cameras/:id. */
export interface CameraView {
  id: string;
  name: string;
  state: CameraState;
  lastError: string | null;
  lastErrorAtMs: number | null;
  /** How audio is recorded, and why, for the camera page. */
  audio?: { mode: AudioMode; note: string | null } | null;
  identity: { serial: string | null; verified: boolean };
}

/** GET /api/cameras/:id/segments (each). `start`/`end` are the original names; `startMs`/`endMs` carry the same value with its unit. */
export interface SegmentView {
  id: number;
  start: number;
  end: number;
  startMs: number;
  endMs: number;
  bytes: number;
  url: string;
}

/**
 * GET /api/cameras/:id/coverage: what the timeline draws for a range of up to 62 days.
 * `spans`: recorded time of the stream, merged (gaps of at most 1.5 s always, and of at most
 * `minGapMs` as answered), clipped to the range, oldest first. `events`: motion markers, each
 * standing for `count` events merged the same way. Each list holds at most 2,000 items.
 */
export interface CoverageView {
  fromMs: number;
  toMs: number;
  stream: 'main' | 'sub';
  minGapMs: number;
  spans: { startMs: number; endMs: number }[];
  /** Motion markers; `alert`: any event of the marker alerted; `labels`: the COCO labels its events carry, each once. */
  events: { startMs: number; endMs: number; count: number; alert: boolean; labels: string[] }[];
}

/** An object the detector saw during an event: its best sighting. */
export interface EventLabelView {
  /** A COCO class name: "person", "car", "dog". */
  label: string;
  kind: 'person' | 'vehicle' | 'animal' | null;
  /** 0..1. */
  score: number;
  /** Fractions of the frame. */
  box: { x: number; y: number; w: number; h: number };
}

/** GET /api/events (each) and GET /api/events/:id. `end` is null while the event lasts. */
export interface MotionEventView {
  id: number;
  camera: string;
  start: number;
  end: number | null;
  score: number;
  thumbnail: string | null;
  /** Best score first; [] for plain motion. */
  labels: EventLabelView[];
  /** A label of the camera's alert list counted. */
  alert: boolean;
}
