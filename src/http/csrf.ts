/**
 * CSRF protection for state-changing requests, on top of the SameSite=Strict cookie:
 *  - a browser always sends `Origin` on cross-origin POST/PUT/DELETE; it must name this host,
 *    and a host on the allow-list (hostAllowList.ts): a rebound name fails both;
 *  - without Origin, `Sec-Fetch-Site` (sent by current browsers) must not say cross-site;
 *  - bodies must be JSON, which an HTML form on another site cannot send without a preflight.
 * Scripts (curl) send neither header and carry no ambient cookie, so they pass.
 */
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './errors.ts';
import { hostAllowed } from './hostAllowList.ts';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrfGuard(allowedHosts: readonly string[]) {
  return (req: Request, _res: Response, next: NextFunction): void => check(req, allowedHosts, next);
}

function check(req: Request, allowedHosts: readonly string[], next: NextFunction): void {
  if (safeMethods.has(req.method)) {
    next();
    return;
  }
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (origin !== undefined) {
    let originHost: string | null = null;
    try {
      originHost = origin === 'null' ? null : new URL(origin).host;
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
    }
    if (!host || originHost !== host || !hostAllowed(originHost, allowedHosts)) {
      throw new HttpError(403, 'cross_origin', `refused a ${req.method} from another origin (${origin.slice(0, 100)}): Hearth accepts changes only from its own pages`);
    }
  } else {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw new HttpError(403, 'cross_origin', `refused a ${req.method} sent ${String(site)}: Hearth accepts changes only from its own pages`);
    }
  }
  const length = Number(req.headers['content-length'] ?? 0);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if ((length > 0 || chunked) && !req.is('application/json')) {
    throw new HttpError(415, 'unsupported_media_type', 'send the body as JSON with Content-Type: application/json');
  }
  next();
}
