/**
 * SQL for the `cameras` and `streams` tables (the camera registry).
 * Credentials are stored here and never selected by the row shapes the API uses.
 */
import type { Db } from '../db/sqlite.ts';

export interface CameraRow {
  id: string;
  name: string;
  source: 'config' | 'adopted';
  enabled: boolean;
  onvifUrl: string | null;
  serialNumber: string | null;
  hardwareId: string | null;
  mac: string | null;
  identityVerified: boolean;
  retentionDays: number | null;
  motionEnabled: boolean;
}

/** Everything needed to connect: only the recorder and identity check read these. */
export interface CameraSecrets {
  onvifUsername: string | null;
  onvifPassword: string | null;
  streams: { main: string | null; sub: string | null };
}

interface CameraDbRow {
  id: string;
  name: string;
  source: 'config' | 'adopted';
  enabled: number;
  onvif_url: string | null;
  serial_number: string | null;
  hardware_id: string | null;
  mac: string | null;
  identity_verified: number;
  retention_days: number | null;
  motion_enabled: number;
}

const publicColumns =
  'id, name, source, enabled, onvif_url, serial_number, hardware_id, mac, identity_verified, retention_days, motion_enabled';

function toCameraRow(row: CameraDbRow): CameraRow {
  return {
    id: row.id,
    name: row.name,
    source: row.source,
    enabled: row.enabled === 1,
    onvifUrl: row.onvif_url,
    serialNumber: row.serial_number,
    hardwareId: row.hardware_id,
    mac: row.mac,
    identityVerified: row.identity_verified === 1,
    retentionDays: row.retention_days,
    motionEnabled: row.motion_enabled === 1,
  };
}

export function listCameras(db: Db): CameraRow[] {
  const rows = db.prepare(`SELECT ${publicColumns} FROM cameras ORDER BY id`).all() as CameraDbRow[];
  return rows.map(toCameraRow);
}

export function getCamera(db: Db, id: string): CameraRow | null {
  const row = db.prepare(`SELECT ${publicColumns} FROM cameras WHERE id = ?`).get(id) as CameraDbRow | undefined;
  return row ? toCameraRow(row) : null;
}

export function getCameraSecrets(db: Db, id: string): CameraSecrets | null {
  const camera = db.prepare('SELECT onvif_username, onvif_password FROM cameras WHERE id = ?').get(id) as
    | { onvif_username: string | null; onvif_password: string | null }
    | undefined;
  if (!camera) return null;
  const streams = db.prepare('SELECT role, url FROM streams WHERE camera_id = ?').all(id) as {
    role: 'main' | 'sub';
    url: string;
  }[];
  return {
    onvifUsername: camera.onvif_username,
    onvifPassword: camera.onvif_password,
    streams: {
      main: streams.find((s) => s.role === 'main')?.url ?? null,
      sub: streams.find((s) => s.role === 'sub')?.url ?? null,
    },
  };
}

export interface CameraUpsert {
  id: string;
  name: string;
  source: 'config' | 'adopted';
  enabled: boolean;
  onvif: { url: string; username: string; password: string } | null;
  /** Null leaves the stream rows as they are (an ONVIF-only config camera keeps what its device last said). */
  streams: { main: string | null; sub: string | null } | null;
  retentionDays: number | null;
  motionEnabled: boolean;
  nowMs: number;
}

/** Inserts or updates a camera's settings. Never touches its hardware identity: that is set only by adoption. */
export function upsertCamera(db: Db, camera: CameraUpsert): void {
  db.transaction(() => {
    db.prepare(
      `INSERT INTO cameras (id, name, source, enabled, onvif_url, onvif_username, onvif_password,
                            retention_days, motion_enabled, created_at_ms, updated_at_ms)
       VALUES (@id, @name, @source, @enabled, @onvifUrl, @onvifUsername, @onvifPassword,
               @retentionDays, @motionEnabled, @nowMs, @nowMs)
       ON CONFLICT (id) DO UPDATE SET
         name = excluded.name, source = excluded.source, enabled = excluded.enabled,
         onvif_url = excluded.onvif_url, onvif_username = excluded.onvif_username,
         onvif_password = excluded.onvif_password, retention_days = excluded.retention_days,
         motion_enabled = excluded.motion_enabled, updated_at_ms = excluded.updated_at_ms`,
    ).run({
      id: camera.id,
      name: camera.name,
      source: camera.source,
      enabled: camera.enabled ? 1 : 0,
      onvifUrl: camera.onvif?.url ?? null,
      onvifUsername: camera.onvif?.username ?? null,
      onvifPassword: camera.onvif?.password ?? null,
      retentionDays: camera.retentionDays,
      motionEnabled: camera.motionEnabled ? 1 : 0,
      nowMs: camera.nowMs,
    });
    for (const role of ['main', 'sub'] as const) {
      if (camera.streams === null) break;
      const url = camera.streams[role];
      if (url === null) {
        db.prepare('DELETE FROM streams WHERE camera_id = ? AND role = ?').run(camera.id, role);
      } else {
        db.prepare(
          `INSERT INTO streams (camera_id, role, url) VALUES (?, ?, ?)
           ON CONFLICT (camera_id, role) DO UPDATE SET url = excluded.url`,
        ).run(camera.id, role, url);
      }
    }
  })();
}

/** Config cameras removed from the YAML are disabled, not deleted: their recordings stay playable. */
export function disableConfigCamerasExcept(db: Db, keepIds: string[], nowMs: number): string[] {
  const stale = (db.prepare("SELECT id FROM cameras WHERE source = 'config' AND enabled = 1").all() as { id: string }[])
    .map((r) => r.id)
    .filter((id) => !keepIds.includes(id));
  const disable = db.prepare('UPDATE cameras SET enabled = 0, updated_at_ms = ? WHERE id = ?');
  for (const id of stale) disable.run(nowMs, id);
  return stale;
}

export interface StreamRowInput {
  url: string;
  codec: string | null;
  width: number | null;
  height: number | null;
}

/** The stream URLs an ONVIF device gave; returns true when anything changed. A null sub removes the sub row. */
export function replaceStreams(db: Db, cameraId: string, streams: { main: StreamRowInput; sub: StreamRowInput | null }): boolean {
  return db.transaction(() => {
    const before = JSON.stringify(db.prepare('SELECT role, url FROM streams WHERE camera_id = ? ORDER BY role').all(cameraId));
    const upsert = db.prepare(
      `INSERT INTO streams (camera_id, role, url, codec, width, height) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (camera_id, role) DO UPDATE SET url = excluded.url, codec = excluded.codec, width = excluded.width, height = excluded.height`,
    );
    for (const role of ['main', 'sub'] as const) {
      const stream = streams[role];
      if (stream === null) db.prepare('DELETE FROM streams WHERE camera_id = ? AND role = ?').run(cameraId, role);
      else upsert.run(cameraId, role, stream.url, stream.codec, stream.width, stream.height);
    }
    const after = JSON.stringify(db.prepare('SELECT role, url FROM streams WHERE camera_id = ? ORDER BY role').all(cameraId));
    return before !== after;
  })();
}
