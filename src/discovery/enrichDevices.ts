/**
 * Once credentials are given, ask each discovered device who it is and what it streams
 * (issue 4: serial, hardware id, profiles). Bounded concurrency: 50 devices answering
 * at once must not open 50 ONVIF conversations (DESIGN.md "Herd-safe").
 */
import type { Logger } from '../log.ts';
import { limiter } from './limiter.ts';
import { connectOnvif, OnvifError, type DeviceIdentity, type OnvifConnectOptions, type OnvifDevice, type StreamInfo } from './onvifClient.ts';

export interface DeviceDetails {
  xaddr: string;
  identity: DeviceIdentity | null;
  streams: { main: StreamInfo; sub: StreamInfo | null } | null;
  snapshotUri: string | null;
  /** Why details are missing (wrong password, timeout, …); null when complete. */
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

async function detailsOf(xaddr: string, options: EnrichOptions): Promise<DeviceDetails> {
  const connect = options.connect ?? connectOnvif;
  let device: OnvifDevice | null = null;
  const details: DeviceDetails = { xaddr, identity: null, streams: null, snapshotUri: null, error: null };
  try {
    device = await connect({ url: xaddr, username: options.username, password: options.password, timeoutMs: options.timeoutMs ?? 4_000, ...(options.log ? { log: options.log } : {}) });
    details.identity = await device.getDeviceIdentity();
    const uris = await device.getStreamUris();
    details.streams = { main: uris.main, sub: uris.sub ?? null };
    details.snapshotUri = await device.getSnapshotUri();
  } catch (error) {
    if (!(error instanceof OnvifError)) throw error;
    // Partial details are still useful (identity without a snapshot URI, say).
    details.error = error.message;
  } finally {
    device?.close();
  }
  return details;
}

/**
 * A function that fetches one device's details, with at most `maxConcurrent` in flight
 * across all calls: `hearth discover` starts each device as its probe answer arrives,
 * instead of waiting for the whole probe window first.
 */
export function createDeviceEnricher(options: EnrichOptions): (xaddr: string) => Promise<DeviceDetails> {
  const limit = limiter(options.maxConcurrent ?? 4);
  return (xaddr) => limit(() => detailsOf(xaddr, options));
}
