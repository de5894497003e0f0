/**
 * Account administration (admin only):
 *   GET    /api/users                          -> [{username, role, grants: [{camera, scope}]}]
 *   POST   /api/users {username, role, password}   -> 201
 *   DELETE /api/users/:name                    -> 204 (ends the user's sessions; not the last admin)
 *   PUT    /api/users/:name/grants/:camera {scope?}  -> 200 {username, camera, scope}  (scope default recordings)
 *   DELETE /api/users/:name/grants/:camera     -> 204 | 404
 * Grant changes re-check open live streams at once.
 */
import { Router, type Request, type Response } from 'express';
import { hashPassword, WeakPasswordError } from '../../auth/password.ts';
import {
  countAdmins,
  deleteGrant,
  deleteUser,
  findUser,
  grantScopes,
  insertUser,
  listUsersWithGrants,
  setGrant,
  UserExistsError,
  type GrantScope,
  type Role,
  type UserRow,
} from '../../auth/userRows.ts';
import { recordAudit, type AuditAction } from '../../auth/audit.ts';
import { getCamera } from '../../cameras/cameraRows.ts';
import type { RouteContext } from '../context.ts';
import { HttpError, badRequest, notFound } from '../errors.ts';
import { bodyObject, cameraIdParam, stringField, usernameParam } from '../validate.ts';
import { currentUser, requireAdmin } from '../session.ts';
import { clientAddress, privateNoStore } from '../access.ts';

export function userRoutes(ctx: RouteContext): Router {
  const router = Router();
  router.use('/users', requireAdmin);

  const audit = (req: Request, res: Response, action: AuditAction, cameraId: string | null, detail: string): void => {
    const admin = currentUser(res);
    recordAudit(ctx.db, { atMs: ctx.now(), userId: admin.userId, username: admin.username, action, cameraId, outcome: 'ok', address: clientAddress(req), detail });
  };
  const userNamed = (value: unknown): UserRow => {
    const user = findUser(ctx.db, usernameParam(value, 'name'));
    if (!user) throw notFound(`no user named "${String(value)}"`);
    return user;
  };

  router.get('/users', (_req, res) => {
    privateNoStore(res);
    res.json(listUsersWithGrants(ctx.db).map((u) => ({ username: u.username, role: u.role, grants: u.grants })));
  });

  router.post('/users', async (req, res) => {
    const body = bodyObject(req.body);
    const username = usernameParam(body.username);
    const role = body.role;
    if (role !== 'admin' && role !== 'viewer') throw badRequest('"role" must be "admin" or "viewer"');
    const password = stringField(body, 'password', 1024);
    const passwordHash = await hashPassword(password, { username }).catch((error: unknown) => {
      if (error instanceof WeakPasswordError) throw badRequest(error.message);
      throw error;
    });
    try {
      insertUser(ctx.db, { username, role: role as Role, passwordHash, nowMs: ctx.now() });
    } catch (error) {
      if (error instanceof UserExistsError) throw new HttpError(409, 'user_exists', error.message);
      throw error;
    }
    audit(req, res, 'user_added', null, `${username} as ${role}`);
    privateNoStore(res);
    res.status(201).json({ username, role, grants: [] });
  });

  router.delete('/users/:name', (req, res) => {
    const user = userNamed(req.params.name);
    if (user.role === 'admin' && countAdmins(ctx.db) <= 1) {
      throw new HttpError(409, 'last_admin', 'this is the last admin; make another admin first');
    }
    deleteUser(ctx.db, user.id); // sessions and grants go with it (ON DELETE CASCADE)
    ctx.liveStreams.recheckAll();
    audit(req, res, 'user_deleted', null, user.username);
    res.status(204).end();
  });

  router.put('/users/:name/grants/:camera', (req, res) => {
    const user = userNamed(req.params.name);
    const cameraId = cameraIdParam(req.params.camera, 'camera');
    if (!getCamera(ctx.db, cameraId)) throw notFound(`no camera with id "${cameraId}"`);
    const body = req.body === undefined ? {} : bodyObject(req.body);
    const scope = (body.scope ?? 'recordings') as GrantScope;
    if (!grantScopes.includes(scope)) throw badRequest(`"scope" must be one of ${grantScopes.join(', ')}`);
    setGrant(ctx.db, user.id, cameraId, scope);
    ctx.liveStreams.recheckAll(); // cheap; keeps every grant change effective on open streams at once
    audit(req, res, 'grant_set', cameraId, `${user.username} scope=${scope}`);
    privateNoStore(res);
    res.json({ username: user.username, camera: cameraId, scope });
  });

  router.delete('/users/:name/grants/:camera', (req, res) => {
    const user = userNamed(req.params.name);
    const cameraId = cameraIdParam(req.params.camera, 'camera');
    if (!deleteGrant(ctx.db, user.id, cameraId)) throw notFound(`${user.username} has no grant on "${cameraId}"`);
    ctx.liveStreams.recheckAll();
    audit(req, res, 'grant_revoked', cameraId, user.username);
    res.status(204).end();
  });

  return router;
}
