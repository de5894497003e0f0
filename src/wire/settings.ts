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
  onvifUrl: string | null;
  /** Passwords replaced by ***. */
  streams: { main: string | null; sub: string | null };
  identity: { serial: string | null; hardwareId: string | null; mac: string | null; verified: boolean };
}
