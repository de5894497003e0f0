/**
 * Who is asking: reads the session cookie on every request and looks the session up in
 * SQLite (no in-memory session cache, so logout, password change and account removal
 * take effect on the very next request).
 */
import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/sqlite.ts';
import { findSession, type SessionUser } from '../auth/sessions.ts';
import { HttpError } from './errors.ts';

export const sessionCookieName = 'hearth_session';

/** Who is asking. `tokenHash` is absent only when a test or embedding injects a user without a session. */
export type RequestUser = Omit<SessionUser, 'tokenHash'> & { tokenHash?: string };

declare global {
  // Typed res.locals: express merges this into every Response.
  namespace Express {
    interface Locals {
      user?: RequestUser;
    }
  }
}

/** The cookie value, or null. Tokens are base64url, so anything else is ignored. */
export function sessionToken(req: Request): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== sessionCookieName) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : null;
  }
  return null;
}

export function authenticate(db: Db, now: () => number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = sessionToken(req);
    const user = token ? findSession(db, token, now()) : null;
    if (user) res.locals.user = user;
    next();
  };
}

export function currentUser(res: Response): RequestUser {
  const user = res.locals.user;
  if (!user) throw new HttpError(401, 'unauthorized', 'log in first: POST /api/login {username, password}');
  return user;
}

export function requireUser(_req: Request, res: Response, next: NextFunction): void {
  currentUser(res);
  next();
}

export function requireAdmin(_req: Request, res: Response, next: NextFunction): void {
  if (currentUser(res).role !== 'admin') throw new HttpError(403, 'forbidden', 'only an admin may do this');
  next();
}

export function sessionCookie(token: string, maxAgeMs: number): string {
  // No `Secure`: Hearth serves plain HTTP on the LAN. SameSite=Strict keeps other sites'
  // pages from sending it at all (first line of CSRF defence; see csrf.ts for the second).
  return `${sessionCookieName}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(maxAgeMs / 1000)}`;
}

export function clearedSessionCookie(): string {
  return `${sessionCookieName}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}
