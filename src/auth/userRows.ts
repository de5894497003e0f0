/** SQL for the `users` and `grants` tables. */
import type { Db } from '../db/sqlite.ts';

export type Role = 'admin' | 'viewer';
export type GrantScope = 'live' | 'recordings' | 'export';
export const grantScopes: readonly GrantScope[] = ['live', 'recordings', 'export'];

export interface UserRow {
  id: number;
  username: string;
  role: Role;
}

export class UserExistsError extends Error {
  override name = 'UserExistsError';
}

export const usernamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function findUser(db: Db, username: string): UserRow | null {
  return (db.prepare('SELECT id, username, role FROM users WHERE username = ?').get(username) as UserRow | undefined) ?? null;
}

export function insertUser(db: Db, user: { username: string; role: Role; passwordHash: string; nowMs: number }): UserRow {
  if (findUser(db, user.username)) {
    throw new UserExistsError(`a user named "${user.username}" already exists; pick another name`);
  }
  const result = db
    .prepare(
      `INSERT INTO users (username, role, password_hash, created_at_ms, password_changed_at_ms)
       VALUES (?, ?, ?, ?, ?)`,
    )
    .run(user.username, user.role, user.passwordHash, user.nowMs, user.nowMs);
  return { id: Number(result.lastInsertRowid), username: user.username, role: user.role };
}

export function countUsers(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
}

export function setGrant(db: Db, userId: number, cameraId: string, scope: GrantScope): void {
  db.prepare(
    `INSERT INTO grants (user_id, camera_id, scope) VALUES (?, ?, ?)
     ON CONFLICT (user_id, camera_id) DO UPDATE SET scope = excluded.scope`,
  ).run(userId, cameraId, scope);
}

/** Returns true when a grant existed. */
export function deleteGrant(db: Db, userId: number, cameraId: string): boolean {
  return db.prepare('DELETE FROM grants WHERE user_id = ? AND camera_id = ?').run(userId, cameraId).changes > 0;
}

// ---- used by the LAN server (src/http/API.md) ----

export interface UserWithGrants extends UserRow {
  grants: Array<{ camera: string; scope: GrantScope }>;
}

export function passwordHashOf(db: Db, userId: number): string | null {
  const row = db.prepare('SELECT password_hash AS hash FROM users WHERE id = ?').get(userId) as { hash: string } | undefined;
  return row?.hash ?? null;
}

export function setPasswordHash(db: Db, userId: number, passwordHash: string, nowMs: number): void {
  db.prepare('UPDATE users SET password_hash = ?, password_changed_at_ms = ? WHERE id = ?').run(passwordHash, nowMs, userId);
}

export function listUsersWithGrants(db: Db): UserWithGrants[] {
  const users = db.prepare('SELECT id, username, role FROM users ORDER BY username').all() as UserRow[];
  const grants = db.prepare('SELECT user_id AS userId, camera_id AS camera, scope FROM grants ORDER BY camera_id').all() as Array<{
    userId: number;
    camera: string;
    scope: GrantScope;
  }>;
  return users.map((u) => ({
    ...u,
    grants: grants.filter((g) => g.userId === u.id).map((g) => ({ camera: g.camera, scope: g.scope })),
  }));
}

export function countAdmins(db: Db): number {
  return (db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin'").get() as { n: number }).n;
}

export function deleteUser(db: Db, userId: number): boolean {
  return db.prepare('DELETE FROM users WHERE id = ?').run(userId).changes > 0;
}
