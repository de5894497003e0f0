/**
 * The admin settings answers of the HTTP API (src/http/API.md, "Administration (admin role)"), shared by
 * the server and the web UI; types only (see cameras.ts).
 */

/** A rectangle in fractions of the frame (0..1), so it survives a resolution change. */
export interface FrameRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A zone where the labels it names count (their box's bottom centre inside it). */
export interface ObjectZoneView extends FrameRect {
  name: string;
  labels: string[];
}

export interface CameraObjectsView {
  enabled: boolean;
  alert: string[];
  /** 0.05..0.99. */
  minScore: number;
  zones: ObjectZoneView[];
}

/** GET/PATCH /api/cameras/:id/settings. */
export interface CameraSettingsView {
  id: string;
  name: string;
  source: 'config' | 'adopted';
  editable: boolean;
  configFile: string | null;
  enabled: boolean;
  retentionDays: number | null;
  motion: { enabled: boolean; sensitivity: number; masks: FrameRect[] };
  /**
   * Object detection on this camera's motion (issue 17): `alert` and each zone's `labels` name kinds
   * (person, vehicle, animal) or labels (car, dog...); a config camera's come from its file.
   */
  objects: CameraObjectsView;
  onvifUrl: string | null;
  /** Passwords replaced by ***. */
  streams: { main: string | null; sub: string | null };
  identity: { serial: string | null; hardwareId: string | null; mac: string | null; verified: boolean };
}
