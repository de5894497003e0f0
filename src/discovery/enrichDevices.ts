/**
 * Once credentials are given, ask each discovered device who it is and what it streams
 * (docs/DESIGN.md, "Identity": serial, hardware id, profiles). Bounded concurrency: 50 devices answering
 * at once must not open 50 ONVIF conversations (docs/DESIGN.md, "Herd-safe").
 *
 * Every advertised XAddr is tried, IPv4 first (xaddrOrder.ts), until one answers: a
 * camera that lists an IPv6 link-local address first is still found at its IPv4 one.
 */
import type { Logger } from '../log.ts';
import { limiter } from './limiter.ts';
import { connectOnvif, OnvifAuthError, OnvifError, type OnvifConnectOptions, type OnvifDevice } from './onvifClient.ts';
import { readDeviceFacts, type DeviceFacts } from './deviceFacts.ts';
import { orderXaddrs } from './xaddrOrder.ts';
import { silentLogger } from '../log.ts';

export interface DeviceDetails extends DeviceFacts {
  /** The XAddr that answered (or the last one tried, when none did). */
  xaddr: string;
  /** Why details are missing (wrong password, timeout, …); null when complete. Notes also list XAddrs that did not answer. */
  error: string | null;
}

export interface EnrichOptions {
  username: string;
  password: string;
  timeoutMs?: number;
  /** Default 4. */
  maxConcurrent?: number;
  log?: Logger;
  connect?: (options: OnvifConnectOptions) => Promise<OnvifDevice>;
}

async function detailsAt(xaddr: string, options: EnrichOptions): Promise<{ details: DeviceDetails; refused: boolean }> {
  const connect = options.connect ?? connectOnvif;
  const log = options.log ?? silentLogger;
  let device: OnvifDevice | null = null;
  const details: DeviceDetails = { xaddr, identity: null, streams: null, snapshotUri: null, mac: null, error: null, notes: [] };
  let refused = false;
  try {
    device = await connect({ url: xaddr, username: options.username, password: options.password, timeoutMs: options.timeoutMs ?? 4_000, ...(options.log ? { log: options.log } : {}) });
    await readDeviceFacts(device, log, details);
  } catch (error) {
    if (!(error instanceof OnvifError)) throw error;
    // Partial details are still useful (identity without streams, say).
    details.error = error.message;
    refused = error instanceof OnvifAuthError;
  } finally {
    device?.close();
  }
  return { details, refused };
}

/** The probe keeps at most 8 per device; a caller handing more gets the first 8 asked. */
const maxXaddrsTried = 8;

/** Tries each XAddr, IPv4 first, and stops at the first where the device itself answered. */
async function detailsOf(xaddrs: readonly string[], options: EnrichOptions): Promise<DeviceDetails> {
  const ordered = orderXaddrs(xaddrs).slice(0, maxXaddrsTried);
  const skipped: string[] = [];
  let last: DeviceDetails | undefined;
  for (const xaddr of ordered) {
    const { details, refused } = await detailsAt(xaddr, options);
    // An identity, or a refused password, came from the camera itself: its other addresses would say the same.
    if (details.identity !== null || refused) {
      details.notes.unshift(...skipped);
      return details;
    }
    skipped.push(`${xaddr} did not answer (${details.error ?? 'no identity'})`);
    last = details;
  }
  const result = last ?? { xaddr: '', identity: null, streams: null, snapshotUri: null, mac: null, error: 'the device advertised no address to ask', notes: [] };
  if (ordered.length > 1) result.error = `none of its ${ordered.length} addresses answered: ${skipped.join('; ')}`;
  return result;
}

/**
 * A function that fetches one device's details, with at most `maxConcurrent` in flight
 * across all calls: `hearth discover` starts each device as its probe answer arrives,
 * instead of waiting for the whole probe window first. Give it every XAddr the device advertised.
 */
export function createDeviceEnricher(options: EnrichOptions): (xaddrs: string | readonly string[]) => Promise<DeviceDetails> {
  const limit = limiter(options.maxConcurrent ?? 4);
  return (xaddrs) => limit(() => detailsOf(typeof xaddrs === 'string' ? [xaddrs] : xaddrs, options));
}
