/**
 * SQL that writes a camera's hardware identity and where it answers. Kept apart from
 * cameraRows.upsertCamera on purpose: settings sync must never be able to re-bind identity.
 */
import type { Db } from '../db/sqlite.ts';

export interface HardwareIdentity {
  serialNumber: string;
  hardwareId: string;
  /** Lower-case, first reported; null when the device reports none. */
  mac: string | null;
}

/**
 * Bind-once: sets the identity only while none is stored, so a different device
 * answering later is a mismatch, never a silent re-bind. Returns whether it bound.
 */
export function bindIdentityOnce(db: Db, cameraId: string, identity: HardwareIdentity, nowMs: number): boolean {
  const result = db
    .prepare(
      `UPDATE cameras SET serial_number = ?, hardware_id = ?, mac = ?, identity_verified = 1, updated_at_ms = ?
       WHERE id = ? AND serial_number IS NULL`,
    )
    .run(identity.serialNumber, identity.hardwareId, identity.mac, nowMs, cameraId);
  return result.changes === 1;
}

/** The camera answered at a new address (DHCP moved it): follow it. Identity is untouched. */
export function moveCameraAddress(db: Db, cameraId: string, onvifUrl: string, streams: { main: string; sub: string | null }, nowMs: number): void {
  db.transaction(() => {
    db.prepare('UPDATE cameras SET onvif_url = ?, updated_at_ms = ? WHERE id = ?').run(onvifUrl, nowMs, cameraId);
    db.prepare('UPDATE streams SET url = ? WHERE camera_id = ? AND role = ?').run(streams.main, cameraId, 'main');
    if (streams.sub !== null) {
      db.prepare(
        `INSERT INTO streams (camera_id, role, url) VALUES (?, 'sub', ?)
         ON CONFLICT (camera_id, role) DO UPDATE SET url = excluded.url`,
      ).run(cameraId, streams.sub);
    }
  })();
}
