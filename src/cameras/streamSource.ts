/**
 * Which RTSP URL a camera's recorder opens, asked before every run. An ONVIF camera's
 * stream URIs come from the device itself (docs/INTERFACE.md, "Configuration": `streams:` is "optional when ONVIF
 * provides them"), at start and at every reconnect or relocation, so a URI the camera
 * changes (firmware update, a new address from DHCP) is followed. The config file's
 * explicit `streams:` win where given; plain-RTSP cameras use their stored URL.
 */
import type { Db } from '../db/sqlite.ts';
import type { CameraConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { OnvifAuthError, OnvifError, type OnvifConnectOptions, type OnvifDevice, type StreamInfo } from '../discovery/onvifClient.ts';
import { withCameraDevice } from './cameraOnvif.ts';
import { redactCredentials } from '../net/redactCredentials.ts';
import { getCamera, getCameraSecrets, replaceStreams, type StreamRowInput } from './cameraRows.ts';
import type { CameraState } from './cameraStatus.ts';

export type StreamResolution =
  | { ok: true; url: string; source: 'config' | 'registry' | 'onvif' }
  | { ok: false; state: Extract<CameraState, 'offline' | 'retrying' | 'auth_failed'>; message: string };

export type StreamResolver = (cameraId: string) => Promise<StreamResolution>;

export interface StreamResolverOptions {
  db: Db;
  log: Logger;
  /** Cameras of the config file: their `streams:` win over what ONVIF says. */
  configCameras: () => readonly CameraConfig[];
  timeoutMs?: number;
  connect?: (options: OnvifConnectOptions) => Promise<OnvifDevice>;
}

/** ONVIF hands out URIs without credentials; the recorder needs them in the URL. */
export function withStreamCredentials(uri: string, stored: string | null, username: string | null, password: string | null): string {
  const next = new URL(uri);
  if (next.username) return next.toString();
  const previous = stored ? safeUrl(stored) : null;
  if (previous?.username) {
    // Someone typed stream credentials of their own (or adoption stored them): keep those.
    next.username = previous.username;
    next.password = previous.password;
  } else if (username) {
    next.username = encodeURIComponent(username);
    next.password = encodeURIComponent(password ?? '');
  }
  return next.toString();
}

function safeUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    // A stored URL that no longer parses is replaced by the device's.
    return null;
  }
}

export function createStreamResolver(options: StreamResolverOptions): StreamResolver {
  const { db, log } = options;
  return async (cameraId) => {
    const camera = getCamera(db, cameraId);
    const secrets = getCameraSecrets(db, cameraId);
    if (!camera || !secrets) return { ok: false, state: 'offline', message: `camera ${cameraId} is no longer in the registry` };
    const configured = options.configCameras().find((c) => c.id === cameraId);
    const stored = secrets.streams.main;
    if (configured?.streams?.main && stored) return { ok: true, url: stored, source: 'config' };
    if (!camera.onvifUrl) {
      if (stored) return { ok: true, url: stored, source: 'registry' };
      return {
        ok: false,
        state: 'offline',
        message: `camera "${camera.name}" has no stream URL and no ONVIF address: add streams.main or onvif.url for it in the config, or adopt it through ONVIF in the web UI`,
      };
    }

    try {
      const uris = await withCameraDevice(camera.onvifUrl, secrets, options, (device) => device.getStreamUris());
      const row = (info: StreamInfo, storedUrl: string | null): StreamRowInput => ({
        url: withStreamCredentials(info.uri, storedUrl, secrets.onvifUsername, secrets.onvifPassword),
        codec: info.codec,
        width: Number.isFinite(info.width) && info.width > 0 ? info.width : null,
        height: Number.isFinite(info.height) && info.height > 0 ? info.height : null,
      });
      const main = row(uris.main, stored);
      // A sub stream named in the config wins over the device's; otherwise the device's own.
      const configuredSub = configured?.streams?.sub ?? null;
      const sub = configuredSub
        ? { url: configuredSub, codec: null, width: null, height: null }
        : uris.sub
          ? row(uris.sub, secrets.streams.sub ?? stored)
          : null;
      if (replaceStreams(db, cameraId, { main, sub })) {
        log.info('stream addresses from the camera', {
          event: 'camera.streams_from_onvif',
          camera: cameraId,
          main: redactCredentials(main.url),
          mainCodec: main.codec ?? undefined,
          sub: sub ? redactCredentials(sub.url) : undefined,
        });
      }
      return { ok: true, url: main.url, source: 'onvif' };
    } catch (error) {
      if (!(error instanceof OnvifError)) throw error;
      // The device's ONVIF service may be down while its RTSP server runs: use what it said last.
      if (stored) {
        log.warn('could not ask the camera for its stream addresses; using the last known ones', {
          event: 'camera.streams_stale',
          camera: cameraId,
          error: redactCredentials(error.message),
        });
        return { ok: true, url: stored, source: 'registry' };
      }
      if (error instanceof OnvifAuthError) {
        return {
          ok: false,
          state: 'auth_failed',
          message: `camera "${camera.name}" refused the ONVIF user name or password, so Hearth cannot ask it for its stream addresses: correct onvif.username / onvif.password for this camera (${redactCredentials(error.message)})`,
        };
      }
      return {
        ok: false,
        state: 'retrying',
        message: `camera "${camera.name}" did not give its stream addresses over ONVIF (${redactCredentials(error.message)}); Hearth keeps asking, or add streams.main for it in the config`,
      };
    }
  };
}
