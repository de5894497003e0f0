/**
 * What counts as "the LAN" (docs/DESIGN.md, "LAN only"): loopback, RFC 1918, link-local,
 * CGNAT-free private ranges and IPv6 ULA. Everything else is the internet.
 */
import { BlockList, isIP } from 'node:net';

const lan = new BlockList();
lan.addSubnet('127.0.0.0', 8, 'ipv4');
lan.addSubnet('10.0.0.0', 8, 'ipv4');
lan.addSubnet('172.16.0.0', 12, 'ipv4');
lan.addSubnet('192.168.0.0', 16, 'ipv4');
lan.addSubnet('169.254.0.0', 16, 'ipv4');
lan.addAddress('::1', 'ipv6');
lan.addSubnet('fc00::', 7, 'ipv6');
lan.addSubnet('fe80::', 10, 'ipv6');

/** True for addresses on the household's own network (or this machine). */
export function isLanAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1]) return lan.check(mapped[1], 'ipv4');
  const family = isIP(bare);
  if (family === 4) return lan.check(bare, 'ipv4');
  if (family === 6) return lan.check(bare, 'ipv6');
  return false;
}

/** Private (not loopback) IPv4 only: the interfaces a home's cameras live on. */
export function isPrivateIpv4(address: string): boolean {
  return isIP(address) === 4 && !address.startsWith('127.') && lan.check(address, 'ipv4');
}
