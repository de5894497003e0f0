/**
 * Whether a URL a device handed us points into the LAN. Discovery replies and
 * ONVIF answers are unauthenticated claims; following one to a public address
 * (or to a hostname that may resolve anywhere) would make Hearth open an
 * outbound connection, which docs/DESIGN.md, "LAN only", forbids by default.
 */
import { isLanAddress } from '../net/lanAddress.ts';

/** True when the URL's host is a literal LAN/loopback IP address. Hostnames are not trusted. */
export function isLanUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    if (error instanceof TypeError) return false; // Not a URL at all: certainly not a LAN one.
    throw error;
  }
  return isLanAddress(parsed.hostname);
}
