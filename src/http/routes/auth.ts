/**
 * Accounts: first-run setup, login/logout, who am I, password change.
 *   GET  /api/setup -> {required}                   true while no user exists (the UI shows the first-run form)
 *   POST /api/setup {code, username, password}   first admin, once, with the code from the log
 *   POST /api/login {username, password}         -> 200 {username, role} + session cookie | 401 | 429
 *   POST /api/logout                             -> 204, ends this session
 *   GET  /api/me                                 -> {username, role, cameras: [ids]}
 *   POST /api/me/password {currentPassword, newPassword} -> 200, ends every session, new cookie
 */
import { Router, type Request, type Response } from 'express';
import { hashPassword, verifyPassword, WeakPasswordError } from '../../auth/password.ts';
import { countUsers, findUser, insertUser, passwordHashOf, setPasswordHash } from '../../auth/userRows.ts';
import { createSession, deleteSession, deleteUserSessions, pruneSessions, sessionLifetimeMs } from '../../auth/sessions.ts';
import { pruneAudit, recordAudit, recordRefusal, type AuditAction, type AuditOutcome } from '../../auth/audit.ts';
import type { GuardedOutcome } from '../../auth/loginGuard.ts';
import { visibleCameraIds } from '../../auth/gate.ts';
import type { RouteContext } from '../context.ts';
import { HttpError, badRequest } from '../errors.ts';
import { bodyObject, stringField, usernameParam } from '../validate.ts';
import { clearedSessionCookie, currentUser, sessionCookie } from '../session.ts';
import { clientAddress, privateNoStore } from '../access.ts';

const maxPasswordLength = 1024;

// A real hash of a random password: unknown user names cost the same scrypt as known ones,
// so response time does not tell which accounts exist.
const decoyHash = hashPassword(`decoy-${Math.random()}`);

export function authRoutes(ctx: RouteContext): Router {
  const router = Router();
  const audit = (req: Request, user: { id: number | null; name: string | null }, action: AuditAction, outcome: AuditOutcome, detail: string | null = null): void =>
    recordAudit(ctx.db, { atMs: ctx.now(), userId: user.id, username: user.name, action, cameraId: null, outcome, address: clientAddress(req), detail });

  // Refusals are counted on one row per address and window (M2): they cost the sender nothing.
  const refused = (req: Request, name: string, action: AuditAction, outcome: Extract<GuardedOutcome, { outcome: 'throttled' }>): HttpError => {
    recordRefusal(ctx.db, { atMs: ctx.now(), userId: null, username: name, action, cameraId: null, outcome: 'denied', address: clientAddress(req), detail: null }, ctx.throttle.windowMs);
    return tooMany(outcome.retryAfterMs, outcome.busy);
  };

  const startSession = (req: Request, res: Response, userId: number): void => {
    const token = createSession(ctx.db, userId, clientAddress(req), ctx.now());
    res.setHeader('Set-Cookie', sessionCookie(token, sessionLifetimeMs));
  };

  // The web UI asks this to choose between the login form and the first-run form.
  router.get('/setup', (_req, res) => {
    res.json({ required: Boolean(ctx.setup?.isOpen()) && countUsers(ctx.db) === 0 });
  });

  router.post('/setup', async (req, res) => {
    const body = bodyObject(req.body);
    const code = stringField(body, 'code', 100);
    const username = usernameParam(body.username);
    const password = stringField(body, 'password', maxPasswordLength);
    const address = clientAddress(req);
    if (!ctx.setup?.isOpen() || countUsers(ctx.db) > 0) {
      throw new HttpError(409, 'already_set_up', 'Hearth is already set up; log in, or ask an admin for an account');
    }
    // Throttled per address; the code itself is never locked for everyone (M1), only slowed down.
    const setup = ctx.setup;
    const verdict = await ctx.loginGuard.attempt(address, '(setup)', () => setup.matches(code));
    if (verdict.outcome === 'throttled') throw refused(req, username, 'login_throttled', verdict);
    if (verdict.outcome === 'failed') {
      if (!setup.isOpen()) throw new HttpError(409, 'already_set_up', 'Hearth was set up meanwhile; log in');
      audit(req, { id: null, name: username }, 'setup', 'failed', 'wrong setup code');
      throw new HttpError(401, 'wrong_setup_code', 'that setup code is wrong; it is printed in the log of "hearth start"');
    }
    const passwordHash = await hashPassword(password, { username }).catch(weakPassword);
    // Re-check after the await: two racing setups must not both create an admin.
    if (!ctx.setup.isOpen() || countUsers(ctx.db) > 0) throw new HttpError(409, 'already_set_up', 'Hearth was set up meanwhile; log in');
    const user = insertUser(ctx.db, { username, role: 'admin', passwordHash, nowMs: ctx.now() });
    ctx.setup.close();
    audit(req, { id: user.id, name: user.username }, 'setup', 'ok', 'first admin created');
    ctx.log.info('first admin created; setup code used up', { event: 'auth.setup', user: user.username });
    startSession(req, res, user.id);
    privateNoStore(res);
    res.status(201).json({ username: user.username, role: user.role });
  });

  router.post('/login', async (req, res) => {
    const body = bodyObject(req.body);
    const username = stringField(body, 'username', 64);
    const password = stringField(body, 'password', maxPasswordLength);
    const address = clientAddress(req);
    const user = findUser(ctx.db, username);
    const verdict = await ctx.loginGuard.attempt(address, username, async () => {
      // Read after the wait: a password changed meanwhile is the one that counts.
      const hash = user ? passwordHashOf(ctx.db, user.id) : null;
      const ok = await verifyPassword(password, hash ?? (await decoyHash));
      return user !== null && hash !== null && ok;
    });
    if (verdict.outcome === 'throttled') throw refused(req, username, 'login_throttled', verdict);
    if (verdict.outcome === 'failed' || !user) {
      audit(req, { id: user?.id ?? null, name: username }, 'login_failed', 'failed');
      throw new HttpError(401, 'wrong_credentials', 'wrong user name or password');
    }
    // Rotation: a session cookie the browser already had is ended, never reused.
    const previous = res.locals.user;
    if (previous?.tokenHash) deleteSession(ctx.db, previous.tokenHash);
    startSession(req, res, user.id);
    audit(req, { id: user.id, name: user.username }, 'login', 'ok');
    // Housekeeping rides on logins: rare enough to be free, frequent enough to bound the tables.
    pruneAudit(ctx.db, ctx.now(), ctx.auditRetentionMs);
    pruneSessions(ctx.db, ctx.now());
    privateNoStore(res);
    res.json({ username: user.username, role: user.role });
  });

  router.post('/logout', (req, res) => {
    const user = res.locals.user;
    if (user) {
      if (user.tokenHash) deleteSession(ctx.db, user.tokenHash);
      ctx.liveStreams.recheckAll(); // this session's live streams end now
      audit(req, { id: user.userId, name: user.username }, 'logout', 'ok');
    }
    res.setHeader('Set-Cookie', clearedSessionCookie());
    privateNoStore(res);
    res.status(204).end();
  });

  router.get('/me', (_req, res) => {
    const user = currentUser(res);
    privateNoStore(res);
    // `recordings`/`export`: which of them the UI may offer playback and downloads for.
    res.json({
      username: user.username,
      role: user.role,
      cameras: visibleCameraIds(ctx.db, user.userId, 'live'),
      recordings: visibleCameraIds(ctx.db, user.userId, 'recordings'),
      export: visibleCameraIds(ctx.db, user.userId, 'export'),
    });
  });

  router.post('/me/password', async (req, res) => {
    const user = currentUser(res);
    const body = bodyObject(req.body);
    const currentPassword = stringField(body, 'currentPassword', maxPasswordLength);
    const newPassword = stringField(body, 'newPassword', maxPasswordLength);
    // Throttled like a login (L9): a stolen session must not brute-force the current password.
    const verdict = await ctx.loginGuard.attempt(clientAddress(req), user.username, async () => {
      const hash = passwordHashOf(ctx.db, user.userId);
      return hash !== null && (await verifyPassword(currentPassword, hash));
    });
    if (verdict.outcome === 'throttled') throw refused(req, user.username, 'login_throttled', verdict);
    if (verdict.outcome === 'failed') {
      audit(req, { id: user.userId, name: user.username }, 'password_changed', 'failed', 'wrong current password');
      throw new HttpError(401, 'wrong_credentials', 'the current password is wrong');
    }
    if (newPassword === currentPassword) throw badRequest('the new password is the same as the current one; choose a different one');
    const newHash = await hashPassword(newPassword, { username: user.username }).catch(weakPassword);
    setPasswordHash(ctx.db, user.userId, newHash, ctx.now());
    // Every other device is logged out; this one gets a fresh session.
    const ended = deleteUserSessions(ctx.db, user.userId);
    ctx.liveStreams.recheckAll();
    startSession(req, res, user.userId);
    audit(req, { id: user.userId, name: user.username }, 'password_changed', 'ok', `${ended} session(s) ended`);
    privateNoStore(res);
    res.json({ username: user.username, sessionsEnded: ended });
  });

  return router;
}

function tooMany(retryAfterMs: number, busy: boolean): HttpError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const why = busy ? 'too many login attempts at once' : 'too many wrong passwords';
  return new HttpError(429, 'too_many_attempts', `${why}; try again in ${seconds} s`, { 'Retry-After': String(seconds) });
}

function weakPassword(error: unknown): never {
  if (error instanceof WeakPasswordError) throw badRequest(error.message);
  throw error;
}
