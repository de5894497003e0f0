/**
 * Serves the bundled web UI (web/dist, built by `npm run build:web`) from the box itself.
 * Hashed assets are cached for a year; index.html never, so an upgrade shows at once.
 * Unknown non-API paths get index.html: the UI routes with the URL hash, but a stale
 * bookmark to a path should still land on the app rather than on a bare 404.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import express, { Router } from 'express';
import { appRoot } from '../appRoot.ts';

export const defaultWebDir = path.join(appRoot, 'web', 'dist');

export function webAppRoutes(webDir: string = defaultWebDir): Router {
  const router = Router();
  const index = path.join(webDir, 'index.html');
  router.use(
    '/assets',
    express.static(path.join(webDir, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      redirect: false,
      fallthrough: false,
    }),
  );
  router.use(express.static(webDir, { index: false, redirect: false, maxAge: 0 }));
  router.get(/^\/(?!api\/|api$|metrics$).*/, (req, res, next) => {
    if (!req.accepts('html')) return next();
    if (!existsSync(index)) {
      res
        .status(503)
        .type('text/plain')
        .send('The Hearth web UI is not built on this box. Run `npm run build:web` in the Hearth folder (npm start does it), then reload.\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
