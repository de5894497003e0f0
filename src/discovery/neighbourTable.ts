/**
 * The kernel's neighbour table (ARP for IPv4, NDP for IPv6): which MAC answers at an IP
 * on this link. Relocation compares it with a camera's bound MAC before it offers the
 * camera's credentials to whatever now answers discovery (security review L10). The
 * table is the kernel's own observation, not something the device says about itself.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { isIP } from 'node:net';
import { normalizeMac } from './macAddress.ts';

/** MAC at this IP per the neighbour table, or null when the kernel has no complete entry (loopback never has one). */
export type NeighbourLookup = (address: string) => Promise<string | null>;

/** The MAC of `address` in /proc/net/arp text, or null. Only complete entries (flag 0x2) count. */
export function macFromProcArp(text: string, address: string): string | null {
  for (const line of text.split('\n').slice(1)) {
    const [ip, , flags, mac] = line.trim().split(/\s+/);
    if (ip !== address || flags === undefined || mac === undefined) continue;
    if ((Number.parseInt(flags, 16) & 0x2) === 0) continue;
    return normalizeMac(mac);
  }
  return null;
}

/** The MAC in `ip -6 neigh show ADDRESS` output, or null (FAILED/INCOMPLETE entries have no lladdr). */
export function macFromIpNeigh(text: string): string | null {
  const match = /\blladdr\s+([0-9a-f:]{11,17})/i.exec(text);
  return match?.[1] === undefined ? null : normalizeMac(match[1]);
}

async function lookupOnce(address: string): Promise<string | null> {
  if (isIP(address) === 4) {
    const text = await readFile('/proc/net/arp', 'utf8').catch(() => '');
    return macFromProcArp(text, address);
  }
  if (isIP(address) === 6) {
    const text = await new Promise<string>((resolve) => {
      execFile('ip', ['-6', 'neigh', 'show', address], { timeout: 1_000 }, (error, stdout) => resolve(error ? '' : stdout));
    });
    return macFromIpNeigh(text);
  }
  return null;
}

/** Open and close a TCP connection (nothing sent) so the kernel resolves the neighbour. */
function touch(address: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (): void => {
      socket.destroy();
      resolve();
    };
    socket.setTimeout(timeoutMs, done);
    socket.once('connect', done);
    socket.once('error', done);
  });
}

/**
 * The MAC behind a device URL's host. When the table has no entry yet, one credential-free
 * TCP connect makes the kernel resolve it, then the table is read again.
 */
export async function neighbourMacOf(url: string, lookup: NeighbourLookup = lookupOnce): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) === 0 || host.startsWith('127.') || host === '::1') return null;
  const first = await lookup(host);
  if (first !== null) return first;
  await touch(host, parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port), 1_000);
  return lookup(host);
}

export const systemNeighbourLookup: NeighbourLookup = lookupOnce;
