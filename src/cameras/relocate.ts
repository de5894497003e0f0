/**
 * After an identity mismatch, look for the camera's serial at a new address (DHCP
 * reshuffles after a power cut) and follow it. A swap hits two cameras at once and a
 * storm hits all of them, so one discovery probe is shared by every camera waiting
 * for it, and ONVIF questions to candidates run with bounded concurrency.
 *
 * Anything on the LAN can answer discovery, and asking a candidate "who are you" means
 * offering it this camera's credentials. Where the camera's MAC is bound and the kernel's
 * neighbour table knows the candidate's, a different MAC is skipped before any request;
 * where either is unknown (loopback, routed subnets) it is asked as before. Every followed
 * move is written to the audit log.
 */
import type { Db } from '../db/sqlite.ts';
import type { Logger } from '../log.ts';
import { getCamera, getCameraSecrets } from './cameraRows.ts';
import { moveCameraAddress } from './identityRows.ts';
import { sameIdentity } from './identity.ts';
import { cameraChanged } from './registryEvents.ts';
import { OnvifAuthError, OnvifError, type OnvifConnectOptions, type OnvifDevice } from '../discovery/onvifClient.ts';
import { withCameraDevice } from './cameraOnvif.ts';
import { orderXaddrs } from '../discovery/xaddrOrder.ts';
import type { DiscoveredDevice } from '../discovery/wsDiscoveryProbe.ts';
import { limiter } from '../discovery/limiter.ts';
import { neighbourMacOf } from '../discovery/neighbourTable.ts';
import { recordAudit } from '../auth/audit.ts';

export interface RelocatorOptions {
  db: Db;
  log: Logger;
  /** One WS-Discovery round (the discovery service's probe). */
  probe: () => Promise<DiscoveredDevice[]>;
  /** At most this many ONVIF conversations at once across all cameras. Default 4. */
  maxConcurrent?: number;
  timeoutMs?: number;
  connect?: (options: OnvifConnectOptions) => Promise<OnvifDevice>;
  /** Don't search again for the same camera sooner than this. Default 5 s. */
  minIntervalMs?: number;
  /**
   * After a requested search finds nothing, search again this many times, `minIntervalMs`
   * apart. Default 2. The mismatch that asks is often seen mid-move (a swap, a camera still
   * booting after a power cut), when the device does not answer discovery yet, and the
   * recorder's next identity check is a slow backoff away (minutes on real cameras).
   */
  followUps?: number;
  /** MAC the neighbour table holds for a candidate URL's host, or null. Default: the kernel's table (neighbourTable.ts). */
  neighbourMac?: (url: string) => Promise<string | null>;
}

export interface Relocator {
  /** Start a search for this camera unless one is running; never throws. */
  request(cameraId: string): void;
  /** Search now; resolves with the new device URL or null. */
  relocate(cameraId: string): Promise<string | null>;
  /** Resolves when every running search has finished. */
  idle(): Promise<void>;
}

/** Credentials of the old stream URL, re-applied to the URI the device gives (ONVIF URIs carry none). */
function withCredentialsOf(oldUrl: string | null, newUri: string): string {
  if (!oldUrl) return newUri;
  const old = new URL(oldUrl);
  const next = new URL(newUri);
  if (old.username && !next.username) {
    next.username = old.username;
    next.password = old.password;
  }
  return next.toString();
}

export function createRelocator(options: RelocatorOptions): Relocator {
  const { db, log } = options;
  const neighbourMac = options.neighbourMac ?? ((url: string) => neighbourMacOf(url));
  const limit = limiter(options.maxConcurrent ?? 4);
  const minIntervalMs = options.minIntervalMs ?? 5_000;
  const running = new Map<string, Promise<string | null>>();
  const lastStartMs = new Map<string, number>();
  let sharedProbe: Promise<DiscoveredDevice[]> | null = null;

  const probeOnce = (): Promise<DiscoveredDevice[]> => {
    // Cameras that mismatch together (a swap, a storm) share one probe.
    sharedProbe ??= options.probe().finally(() => {
      sharedProbe = null;
    });
    return sharedProbe;
  };

  const search = async (cameraId: string): Promise<string | null> => {
    const camera = getCamera(db, cameraId);
    const secrets = getCameraSecrets(db, cameraId);
    if (!camera || !secrets || camera.serialNumber === null) return null;
    const devices = await probeOnce();
    // Per device, its addresses IPv4 first; the first one where the device itself answers speaks for all of them.
    const seen = new Set<string>(camera.onvifUrl === null ? [] : [camera.onvifUrl]);
    const deviceCandidates = devices
      .map((d) => orderXaddrs(d.xaddrs).filter((url) => !seen.has(url) && (seen.add(url), true)))
      .filter((urls) => urls.length > 0);
    const candidates = deviceCandidates.flat();
    for (const urls of deviceCandidates) {
      const outcome = await limit(async () => {
        for (const url of urls) {
          let macSeen: string | null = null;
          try {
            macSeen = camera.mac === null ? null : await neighbourMac(url);
            if (camera.mac !== null && macSeen !== null && macSeen !== camera.mac) {
              log.warn('relocation candidate has another MAC; not offered the camera credentials', {
                event: 'camera.relocate_mac_mismatch',
                camera: cameraId,
                url,
                expectedMac: camera.mac,
                neighbourMac: macSeen,
              });
              return null;
            }
            const uris = await withCameraDevice(url, secrets, options, async (device) =>
              sameIdentity(camera, await device.getDeviceIdentity()) ? device.getStreamUris() : null,
            );
            if (uris === null) return null;
            return { url, main: uris.main.uri, sub: uris.sub?.uri ?? null, macSeen };
          } catch (error) {
            if (!(error instanceof OnvifError)) throw error;
            // Other cameras refuse this camera's password: expected, not a failure.
            log.debug('relocation candidate did not answer as this camera', { event: 'camera.relocate_candidate', camera: cameraId, url, error: error.message });
            if (error instanceof OnvifAuthError) return null;
          }
        }
        return null;
      });
      if (outcome === null) continue;
      const main = withCredentialsOf(secrets.streams.main, outcome.main);
      const sub = outcome.sub === null ? null : withCredentialsOf(secrets.streams.sub ?? secrets.streams.main, outcome.sub);
      moveCameraAddress(db, cameraId, outcome.url, { main, sub }, Date.now());
      log.info('camera found at a new address; following it', {
        event: 'camera.relocated',
        camera: cameraId,
        serial: camera.serialNumber,
        from: camera.onvifUrl,
        to: outcome.url,
        streamHost: new URL(main).host,
      });
      recordAudit(db, {
        atMs: Date.now(),
        userId: null,
        username: null,
        action: 'camera_relocated',
        cameraId,
        outcome: 'ok',
        address: new URL(outcome.url).host,
        detail: `from ${camera.onvifUrl ?? '(none)'} to ${outcome.url}; serial ${camera.serialNumber}; ${
          outcome.macSeen !== null ? `MAC ${outcome.macSeen} matches the bound one` : `MAC not checked (${camera.mac === null ? 'none bound' : 'not in the neighbour table'})`
        }`,
      });
      // The recorder retries at once (it may be waiting out a slow backoff); motion follows the new URL.
      cameraChanged(db, cameraId, log);
      return outcome.url;
    }
    log.warn('camera not found at any other address yet', { event: 'camera.relocate_not_found', camera: cameraId, serial: camera.serialNumber, candidates: candidates.length });
    return null;
  };

  const relocate = (cameraId: string): Promise<string | null> => {
    const existing = running.get(cameraId);
    if (existing) return existing;
    lastStartMs.set(cameraId, Date.now());
    const job = search(cameraId)
      .catch((error: unknown) => {
        log.error('camera relocation failed', { event: 'camera.relocate_failed', camera: cameraId, error: (error as Error).message });
        return null;
      })
      .finally(() => running.delete(cameraId));
    running.set(cameraId, job);
    return job;
  };

  const followUps = options.followUps ?? 2;
  const requestWithFollowUps = (cameraId: string, left: number): void => {
    void relocate(cameraId).then((found) => {
      if (found !== null || left <= 0) return;
      // Bounded (followUps searches, minIntervalMs apart); unref'd so it never holds a shutdown.
      setTimeout(() => {
        try {
          if (!running.has(cameraId) && getCamera(db, cameraId)) requestWithFollowUps(cameraId, left - 1);
        } catch (error) {
          // The database closed under us (Hearth stopping): nothing left to follow.
          log.debug('relocation follow-up skipped', { event: 'camera.relocate_follow_up_skipped', camera: cameraId, error: (error as Error).message });
        }
      }, minIntervalMs).unref();
    });
  };

  return {
    relocate,
    request: (cameraId) => {
      if (running.has(cameraId)) return;
      if (Date.now() - (lastStartMs.get(cameraId) ?? 0) < minIntervalMs) return;
      requestWithFollowUps(cameraId, followUps);
    },
    idle: async () => {
      await Promise.all([...running.values()]);
    },
  };
}
