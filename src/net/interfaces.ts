/** The machine's network interfaces as Hearth sees them (for discovery and `hearth doctor`). */
import { networkInterfaces } from 'node:os';
import { isPrivateIpv4 } from './lanAddress.ts';

export interface LanInterface {
  name: string;
  address: string;
  netmask: string;
}

/** Every up interface with a private IPv4 address: the default set to probe for cameras. */
export function privateIpv4Interfaces(): LanInterface[] {
  const found: LanInterface[] = [];
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    for (const info of addresses ?? []) {
      if (info.family === 'IPv4' && !info.internal && isPrivateIpv4(info.address)) {
        found.push({ name, address: info.address, netmask: info.netmask });
      }
    }
  }
  return found;
}

/** IPv4 addresses of the named interfaces; unknown names are returned separately so callers can say so. */
export function ipv4OfInterfaces(names: string[]): { found: LanInterface[]; unknown: string[] } {
  const all = networkInterfaces();
  const found: LanInterface[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const ipv4 = (all[name] ?? []).filter((info) => info.family === 'IPv4');
    if (ipv4.length === 0) unknown.push(name);
    for (const info of ipv4) found.push({ name, address: info.address, netmask: info.netmask });
  }
  return { found, unknown };
}
