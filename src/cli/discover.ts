/**
 * `hearth discover`: one WS-Discovery probe per LAN interface (the multicast interface
 * pinned on each), printing what answered. Read-only: nothing is adopted or stored.
 */
import { loadConfig } from '../config/load.ts';
import { probeDetailed, type DiscoveredDevice } from '../discovery/wsDiscoveryProbe.ts';
import { createDeviceEnricher, type DeviceDetails } from '../discovery/enrichDevices.ts';
import { ipv4OfInterfaces, privateIpv4Interfaces } from '../net/interfaces.ts';
import { UsageError } from './errors.ts';
import { readPasswordStdin } from './passwordStdin.ts';
import { parseFlags, positiveNumber } from './parse.ts';

/**
 * Cameras answer a probe within half a second (WS-Discovery's APP_MAX_DELAY) plus the
 * network; 2 s leaves room for a busy Wi-Fi. A slower one: --timeout, or the periodic
 * discovery of a running Hearth (3 s windows).
 */
const defaultTimeoutSeconds = 2;

export async function discoverCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    timeout: { type: 'string' },
    json: { type: 'boolean' },
    interface: { type: 'string', multiple: true },
    config: { type: 'string' },
    // With credentials, each device is asked for its serial and streams (password on stdin, never argv).
    username: { type: 'string' },
    'password-stdin': { type: 'boolean' },
  });
  if (values['password-stdin'] === true && values.username === undefined) throw new UsageError('--password-stdin needs --username NAME');
  const timeoutSeconds = positiveNumber(values.timeout, '--timeout', defaultTimeoutSeconds);
  if (timeoutSeconds > 60) throw new UsageError('--timeout is at most 60 seconds');
  const config = loadConfig({ file: values.config });
  const names = values.interface ?? config.discovery.interfaces;
  let interfaces;
  if (names) {
    const { found, unknown } = ipv4OfInterfaces(names);
    if (unknown.length > 0) throw new UsageError(`no IPv4 address on interface ${unknown.join(', ')}; see "ip -br addr" for the names`);
    interfaces = found;
  } else {
    interfaces = privateIpv4Interfaces();
    if (interfaces.length === 0) {
      throw new UsageError('no interface with a private IPv4 address to probe from; name one with --interface NAME');
    }
  }
  // From HEARTH_WSD_PORT: tests keep their simulated cameras apart from the real port 3702.
  const port = config.discovery.port;
  const password = values['password-stdin'] === true ? await readPasswordStdin() : null;
  const enrich = values.username !== undefined && password !== null ? createDeviceEnricher({ username: values.username, password }) : null;
  // Each device is asked for its details as soon as it answers, while the probe window runs on.
  const pending = new Map<string, Promise<DeviceDetails>>();
  const report = await probeDetailed({
    interfaceAddresses: interfaces.map((i) => i.address),
    timeoutMs: timeoutSeconds * 1000,
    ...(port ? { port } : {}),
    // Every XAddr, IPv4 first (the probe orders them): an IPv6 link-local listed first must not hide a working IPv4 one.
    ...(enrich ? { onDevice: (d: DiscoveredDevice) => pending.set(d.urn, started(enrich(d.xaddrs))) } : {}),
  });
  const details: (DeviceDetails | null)[] = await Promise.all(report.devices.map((d) => pending.get(d.urn) ?? null));
  const devices = report.devices.map((d, i) => ({
    urn: d.urn,
    address: hostOf(details[i]?.identity ? details[i].xaddr : d.xaddrs[0]) ?? d.fromAddress,
    xaddrs: d.xaddrs,
    name: d.name ?? null,
    hardware: d.hardware ?? null,
    scopes: d.scopes,
    ...(details[i] ? { serial: details[i].identity?.serialNumber ?? null, details: details[i] } : {}),
  }));
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(devices, null, 2)}\n`);
  } else if (devices.length === 0) {
    process.stdout.write(`no ONVIF devices answered on ${interfaces.map((i) => i.name).join(', ')} within ${timeoutSeconds} s\n`);
  } else {
    for (const d of devices) {
      process.stdout.write(`${d.address.padEnd(16)} ${(d.name ?? '-').padEnd(28)} ${(d.hardware ?? '-').padEnd(16)} ${d.xaddrs[0] ?? ''}\n`);
    }
  }
  return 0;
}


/** Marks a promise as handled until it is awaited after the window, so a failure fails the command, not the process. */
function started<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function hostOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null; // XAddrs were validated by the probe; an unparsable one just has no address column.
  }
}
