/**
 * Periodic WS-Discovery: probes on start, every `discovery.intervalMinutes`
 * and on demand, and keeps only the latest round in memory for the API. The relocator
 * uses `probeNow` too, so a swap and the timer never run two probes at once.
 */
import type { DiscoveryConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { ipv4OfInterfaces, privateIpv4Interfaces } from '../net/interfaces.ts';
import { probeDetailed, type DiscoveredDevice, type ProbeOptions, type ProbeReport } from './wsDiscoveryProbe.ts';

export interface DiscoveryResults {
  devices: DiscoveredDevice[];
  /** When the round finished; null before the first one. */
  atMs: number | null;
  /** Interface names probed in that round. */
  interfaces: string[];
  /** Why the round found nothing to probe from, e.g. an unknown interface name. */
  problem: string | null;
}

export interface DiscoveryServiceOptions {
  config: DiscoveryConfig;
  log: Logger;
  /** How long each probe collects replies. Default 3000 ms. */
  probeTimeoutMs?: number;
  /** UDP port; tests use a private one. Default 3702. */
  port?: number;
  /** Results kept per round; a LAN full of lying devices cannot grow memory past this. Default 256. */
  maxDevices?: number;
  probe?: (options: ProbeOptions) => Promise<ProbeReport>;
}

export interface DiscoveryService {
  latest(): DiscoveryResults;
  /** Runs a probe now, or joins the one already running. */
  probeNow(): Promise<DiscoveryResults>;
  stop(): void;
}

export function startDiscoveryService(options: DiscoveryServiceOptions): DiscoveryService {
  const { config, log } = options;
  const probe = options.probe ?? probeDetailed;
  let latest: DiscoveryResults = { devices: [], atMs: null, interfaces: [], problem: null };
  let running: Promise<DiscoveryResults> | null = null;
  let stopped = false;

  const round = async (): Promise<DiscoveryResults> => {
    // Interfaces are re-read every round: a USB Wi-Fi dongle or DHCP may come later.
    const interfaces = config.interfaces ? ipv4OfInterfaces(config.interfaces) : { found: privateIpv4Interfaces(), unknown: [] };
    const problem =
      interfaces.unknown.length > 0
        ? `no IPv4 address on interface ${interfaces.unknown.join(', ')} (discovery.interfaces); see "ip -br addr" for the names`
        : interfaces.found.length === 0
          ? 'no interface with a private IPv4 address to probe from; set discovery.interfaces'
          : null;
    if (problem) log.warn('discovery cannot probe every interface', { event: 'discovery.interface_problem', problem });
    const report = await probe({
      interfaceAddresses: interfaces.found.map((i) => i.address),
      timeoutMs: options.probeTimeoutMs ?? 3_000,
      maxMatches: options.maxDevices ?? 256,
      ...(options.port ? { port: options.port } : {}),
      log,
    });
    latest = { devices: report.devices, atMs: Date.now(), interfaces: interfaces.found.map((i) => i.name), problem };
    log.info('discovery round finished', { event: 'discovery.round', devices: report.devices.length, interfaces: latest.interfaces.join(',') });
    return latest;
  };

  const probeNow = (): Promise<DiscoveryResults> => {
    running ??= round()
      .catch((error: unknown) => {
        log.error('discovery probe failed', { event: 'discovery.failed', error: (error as Error).message });
        latest = { ...latest, problem: `discovery probe failed: ${(error as Error).message}` };
        return latest;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };

  void probeNow();
  const timer = setInterval(() => {
    if (!stopped) void probeNow();
  }, Math.max(1, config.intervalMinutes) * 60_000);
  timer.unref();

  return {
    latest: () => latest,
    probeNow,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
