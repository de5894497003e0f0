/**
 * The order in which Hearth tries a device's advertised service addresses (XAddrs).
 * IPv4 first: cameras often list an IPv6 link-local address first, which from another
 * segment (or without a zone id) never answers, and trying it first hid a working IPv4
 * one. Then host names, then IPv6. The camera's own order is kept within each group.
 */
import { isIP } from 'node:net';

function familyRank(url: string): number {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch (error) {
    if (error instanceof TypeError) return 3; // Not a URL: last; the caller's checks refuse it.
    throw error;
  }
  const family = isIP(host);
  return family === 4 ? 0 : family === 6 ? 2 : 1;
}

export function orderXaddrs(xaddrs: readonly string[]): string[] {
  return xaddrs
    .map((url, index) => ({ url, index, rank: familyRank(url) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.url);
}
