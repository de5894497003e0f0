/**
 * DNS-rebinding guard (docs/DESIGN.md, "LAN only"): a web page on any public site can point its
 * own name at this box, and the browser then treats Hearth as that site. The Host header
 * keeps the name the page used, so Hearth answers only names public DNS cannot hand out:
 * IP literals, localhost, single-label names, the private-use suffixes below, and the
 * names an admin lists under `http.allowedHosts`. CSRF's Origin check uses the same list.
 */
import { isIP } from 'node:net';
import type { NextFunction, Request, Response } from 'express';

/** Names under these cannot be registered in public DNS (RFC 6762, 8375, ICANN's .internal). */
const privateSuffixes = ['.local', '.lan', '.home', '.home.arpa', '.internal', '.localhost'];

export const allowedHostsKey = 'http.allowedHosts';

/** "Host" or "host:port" or "[v6]:port" -> the bare lower-case name or address; null when malformed. */
export function hostName(hostHeader: string): string | null {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return null;
    const rest = value.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null;
    const inner = value.slice(1, end);
    return isIP(inner) === 6 ? inner : null;
  }
  const match = /^([a-z0-9._-]+)(?::\d{1,5})?$/.exec(value);
  if (!match?.[1]) return null;
  return match[1].replace(/\.$/, '');
}

export function hostAllowed(hostHeader: string, allowedHosts: readonly string[]): boolean {
  const name = hostName(hostHeader);
  if (name === null || name === '') return false;
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || !name.includes('.')) return true;
  if (privateSuffixes.some((suffix) => name.endsWith(suffix))) return true;
  return allowedHosts.some((allowed) => allowed.toLowerCase().replace(/\.$/, '') === name);
}

/** 421 for a Host this box does not answer to; requests without Host (HTTP/1.0 scripts, never a browser) pass. */
export function hostGuard(allowedHosts: readonly string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const host = req.headers.host;
    if (host === undefined || hostAllowed(host, allowedHosts)) {
      next();
      return;
    }
    const shown = host.slice(0, 100);
    res.status(421).json({
      error: 'misdirected_request',
      message: `Hearth does not answer to the name "${shown}": only IP addresses, localhost, single-label names and ` +
        `.local/.lan/.home/.home.arpa/.internal names are accepted, so no web page can rebind its own name to this box. ` +
        `If you reach Hearth by that name on purpose, an admin can add it to ${allowedHostsKey} in the config.`,
    });
  };
}
