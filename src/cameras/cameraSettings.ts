/**
 * The settings an admin edits in the UI (name, on/off, retention, motion, objects) for cameras
 * adopted there. A camera defined in hearth.yaml is edited in the file: the file is the
 * source of truth at every start, so a UI edit would silently come undone.
 */
import type { Db } from '../db/sqlite.ts';
import { cameraObjectDefaults, defaultMotionSensitivity, type CameraObjectSettings, type FrameRect } from '../config/schema.ts';
import { parseCameraObjects } from '../config/parse.ts';
import { ConfigError } from '../config/validate.ts';

export interface MotionSettings {
  enabled: boolean;
  sensitivity: number;
  masks: FrameRect[];
}

export interface CameraSettingsPatch {
  name?: string;
  enabled?: boolean;
  /** null = the global retention.days. */
  retentionDays?: number | null;
  motion?: Partial<MotionSettings>;
  /** Whole settings (the route merges a partial patch onto the stored ones and validates the result); null = the defaults. */
  objects?: CameraObjectSettings | null;
}

interface SettingsRow {
  motion_enabled: number;
  motion_sensitivity: number | null;
  motion_masks: string | null;
}

/** Stored motion settings of a camera; null when it does not exist. */
export function getMotionSettings(db: Db, cameraId: string): MotionSettings | null {
  const row = db.prepare('SELECT motion_enabled, motion_sensitivity, motion_masks FROM cameras WHERE id = ?').get(cameraId) as SettingsRow | undefined;
  if (!row) return null;
  return {
    enabled: row.motion_enabled === 1,
    sensitivity: row.motion_sensitivity ?? defaultMotionSensitivity,
    masks: parseStoredMasks(row.motion_masks),
  };
}

/**
 * Object settings stored for a camera adopted in the UI (cameras.object_settings, migration 006);
 * the defaults when none are stored or the camera does not exist. A config camera's are in the file.
 */
export function getObjectSettings(db: Db, cameraId: string): CameraObjectSettings {
  const row = db.prepare('SELECT object_settings FROM cameras WHERE id = ?').get(cameraId) as { object_settings: string | null } | undefined;
  if (!row?.object_settings) return cameraObjectDefaults();
  try {
    // Validated again on the way out: a row written by an older or newer Hearth must not feed the labeller a bad zone.
    return parseCameraObjects(JSON.parse(row.object_settings) as unknown, 'objects');
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof ConfigError) return cameraObjectDefaults();
    throw error;
  }
}

function parseStoredMasks(text: string | null): FrameRect[] {
  if (!text) return [];
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? (value as FrameRect[]) : [];
  } catch {
    return [];
  }
}

/** Applies a validated patch in one transaction. */
export function updateCameraSettings(db: Db, cameraId: string, patch: CameraSettingsPatch, nowMs: number): void {
  const sets: string[] = [];
  const values: Record<string, unknown> = { id: cameraId, nowMs };
  if (patch.name !== undefined) {
    sets.push('name = @name');
    values.name = patch.name;
  }
  if (patch.enabled !== undefined) {
    sets.push('enabled = @enabled');
    values.enabled = patch.enabled ? 1 : 0;
  }
  if (patch.retentionDays !== undefined) {
    sets.push('retention_days = @retentionDays');
    values.retentionDays = patch.retentionDays;
  }
  if (patch.motion?.enabled !== undefined) {
    sets.push('motion_enabled = @motionEnabled');
    values.motionEnabled = patch.motion.enabled ? 1 : 0;
  }
  if (patch.motion?.sensitivity !== undefined) {
    sets.push('motion_sensitivity = @sensitivity');
    values.sensitivity = patch.motion.sensitivity;
  }
  if (patch.motion?.masks !== undefined) {
    sets.push('motion_masks = @masks');
    values.masks = JSON.stringify(patch.motion.masks);
  }
  if (patch.objects !== undefined) {
    sets.push('object_settings = @objects');
    values.objects = patch.objects === null ? null : JSON.stringify(patch.objects);
  }
  if (sets.length === 0) return;
  db.prepare(`UPDATE cameras SET ${sets.join(', ')}, updated_at_ms = @nowMs WHERE id = @id`).run(values);
}
