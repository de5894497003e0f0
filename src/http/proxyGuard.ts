/**
 * A reverse proxy or tunnel on the box (nginx, cloudflared, ngrok) makes every visitor look
 * like 127.0.0.1: the LAN guard, the per-address login throttle and /metrics' loopback
 * exemption would all wave the internet through. Hearth does not trust forwarding headers,
 * so a loopback request that carries one is refused instead of being taken as local.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log.ts';

const forwardingHeaders = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

export function proxyGuard(log: Logger) {
  let logged = false;
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = forwardingHeaders.find((name) => req.headers[name] !== undefined);
    if (header === undefined || !isLoopbackAddress(req.socket.remoteAddress ?? '')) {
      next();
      return;
    }
    if (!logged) {
      logged = true;
      log.warn('refused requests forwarded by a proxy on this machine', { event: 'http.proxy_refused', header });
    }
    res.status(403).json({
      error: 'forbidden',
      message: `refused a request forwarded by a proxy on this machine (${header} header): behind a proxy every visitor ` +
        'would look local to Hearth. Let browsers reach Hearth directly on the LAN, or use a VPN into the LAN.',
    });
  };
}
