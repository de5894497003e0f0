/**
 * The one module that wraps the `onvif` npm package (Cam).
 *
 * What the package needs guarding against (node_modules/onvif/lib/cam.js, 0.8.3):
 * - It has no overall deadline, only a socket-idle timeout (default 120 s); a
 *   camera that drips bytes holds a call forever. Every call here races a
 *   deadline, and on expiry the sockets of our private http.Agent are destroyed.
 * - It measures the camera clock (timeShift) once, and only while `timeShift`
 *   is falsy. We clear it and re-measure via GetSystemDateAndTime when the
 *   measurement is old, and once more after an auth failure, so a camera whose
 *   clock jumped (NTP kicking in) does not look like a wrong password.
 * - `connect()` runs GetVideoSources and a sync helper that throws
 *   "Unrecognized configuration" from inside a socket callback (an uncaught
 *   exception) on unusual profile layouts. We never call connect(): we run
 *   GetSystemDateAndTime + GetCapabilities ourselves and pass profile tokens explicitly.
 * - Its parsed objects coerce text: serial "20250001" becomes a number and
 *   firmware "1.10" becomes 1.1. We read values from the raw XML instead.
 * - Cam reports trouble as 'warning' events; an 'error' event without a
 *   listener would crash the process (the package's Discovery emits them), so
 *   every Cam gets both listeners.
 * - Response bodies are read without a size limit; the deadline bounds how long
 *   a hostile device can stream, not how fast.
 */
import http from 'node:http';
import https from 'node:https';
import { Cam } from 'onvif';
import { silentLogger, type Logger } from '../log.ts';
import {
  classifyOnvifError,
  OnvifAuthError,
  OnvifError,
  OnvifProtocolError,
  OnvifTimeoutError,
} from './onvifErrors.ts';
import { isLanUrl } from './lanUrl.ts';
import { boundedAgent } from './boundedAgent.ts';
import { assertSafeXml, elementText, elementTexts, findElement, findElements, UnsafeXmlError } from './xmlText.ts';

export { OnvifAuthError, OnvifConnectionError, OnvifError, OnvifProtocolError, OnvifTimeoutError } from './onvifErrors.ts';

export interface OnvifConnectOptions {
  /** Device service URL, e.g. http://192.168.1.20/onvif/device_service (from discovery XAddrs or config). */
  url: string;
  username: string;
  password: string;
  /** Deadline for each ONVIF call, including connect. Default 8000 ms. */
  timeoutMs?: number;
  /** Accept stream/snapshot URIs whose host is not a private IP literal. Default false (DESIGN.md, "LAN only"). */
  allowPublicAddresses?: boolean;
  log?: Logger;
}

export interface DeviceIdentity {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

export interface MediaProfile {
  token: string;
  name: string;
  /** Video codec as the camera names it: "H264", "H265", "JPEG", … */
  codec: string;
  width: number;
  height: number;
  frameRate?: number;
}

export interface StreamInfo extends MediaProfile {
  /** RTSP URI as the camera gives it (no credentials embedded). */
  uri: string;
}

export interface StreamUris {
  /** Highest-resolution video profile. */
  main: StreamInfo;
  /** Lowest-resolution video profile, when the camera has more than one. */
  sub?: StreamInfo;
}

export interface OnvifDevice {
  /** Device service URL this client talks to. */
  readonly address: string;
  /** Last measured device clock minus local clock, ms (second resolution). */
  readonly clockOffsetMs: number;
  getDeviceIdentity(): Promise<DeviceIdentity>;
  /** MAC addresses from GetNetworkInterfaces, lower-case; empty when the device reports none. */
  getMacAddresses(): Promise<string[]>;
  getProfiles(): Promise<MediaProfile[]>;
  getStreamUris(): Promise<StreamUris>;
  /** Snapshot URI of the main profile (or of `profileToken`). */
  getSnapshotUri(profileToken?: string): Promise<string>;
  /** Destroys any open sockets; later calls fail. */
  close(): void;
}

const defaultTimeoutMs = 8000;
/** Re-measure the device clock when the last measurement is older than this. */
const clockRecheckMs = 60_000;

type RawCallback = (error: Error | null, data?: unknown, xml?: string) => void;

export async function connectOnvif(options: OnvifConnectOptions): Promise<OnvifDevice> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const log = options.log ?? silentLogger;
  const parsed = parseDeviceUrl(options.url);
  const address = parsed.address;

  // Private agent: lets a deadline destroy exactly this device's sockets.
  // Also caps bytes per response (boundedAgent.ts): the package buffers bodies unbounded.
  const agent = boundedAgent(parsed.secure);
  const cam = new Cam({
    hostname: parsed.hostname,
    port: parsed.port,
    path: parsed.path,
    useSecure: parsed.secure,
    username: options.username,
    password: options.password,
    timeout: timeoutMs,
    autoconnect: false,
    // Service XAddrs keep our host/port: a camera cannot redirect Hearth elsewhere.
    preserveAddress: true,
    agent,
  });
  cam.on('error', (error: unknown) => log.warn('onvif client error', { address, error: String(error) }));
  cam.on('warning', (warning: unknown) => log.debug('onvif client warning', { address, warning: String(warning) }));

  let closed = false;
  let clockMeasuredAtMs = 0;
  let clockOffsetMs = 0;
  // One call at a time per camera: cheap cameras mishandle concurrent requests, and a
  // deadline may then destroy the agent's sockets without hitting a neighbour's call.
  let queue: Promise<unknown> = Promise.resolve();

  const rawCall = (action: string, invoke: (callback: RawCallback) => void): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      if (closed) {
        reject(new OnvifProtocolError(`ONVIF client for ${address} is closed`, address, action));
        return;
      }
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        agent.destroy();
        reject(
          new OnvifTimeoutError(
            `ONVIF device at ${address} did not answer ${action} within ${timeoutMs} ms: check that the camera is powered and reachable, or raise the ONVIF timeout`,
            address,
            action,
          ),
        );
      }, timeoutMs);
      const onReply: RawCallback = (error, _data, xml) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          reject(classifyOnvifError(error, address, action));
          return;
        }
        if (typeof xml !== 'string') {
          reject(new OnvifProtocolError(`ONVIF device at ${address} sent an empty ${action} response`, address, action));
          return;
        }
        try {
          assertSafeXml(xml);
        } catch (unsafe) {
          if (!(unsafe instanceof UnsafeXmlError)) throw unsafe;
          reject(new OnvifProtocolError(`ONVIF device at ${address} sent a DTD in ${action}; refused`, address, action));
          return;
        }
        resolve(xml);
      };
      try {
        invoke(onReply);
      } catch (error) {
        // The package throws synchronously on some missing state; report it like any other failure.
        settled = true;
        clearTimeout(timer);
        reject(classifyOnvifError(error, address, action));
      }
    });

  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const measureClock = async (): Promise<void> => {
    // The package only measures while timeShift is falsy; clear it to force a fresh reading.
    cam.timeShift = undefined;
    const xml = await rawCall('GetSystemDateAndTime', (callback) => cam.getSystemDateAndTime(callback));
    const deviceMs = readUtcDateTime(xml);
    if (deviceMs !== undefined) clockOffsetMs = deviceMs - Date.now();
    clockMeasuredAtMs = Date.now();
    if (Math.abs(clockOffsetMs) > 5 * 60_000) log.info('camera clock is off; compensating', { address, clockOffsetMs });
  };

  /** An authenticated call: fresh clock first, and one retry after re-measuring if auth fails. */
  const authed = (action: string, invoke: (callback: RawCallback) => void): Promise<string> =>
    serialized(async () => {
      if (Date.now() - clockMeasuredAtMs > clockRecheckMs) await measureClock();
      try {
        return await rawCall(action, invoke);
      } catch (error) {
        if (!(error instanceof OnvifAuthError)) throw error;
        await measureClock();
        return rawCall(action, invoke);
      }
    });

  const readProfiles = async (): Promise<MediaProfile[]> => {
    const xml = await authed('GetProfiles', (callback) => cam.getProfiles(callback));
    const profiles = parseProfiles(xml);
    if (profiles.length === 0) {
      throw new OnvifProtocolError(
        `ONVIF device at ${address} reports no video profiles: configure at least one H.264/H.265 stream on the camera`,
        address,
        'GetProfiles',
      );
    }
    return profiles;
  };

  const checkedUri = (uri: string | undefined, action: string, schemes: readonly string[]): string => {
    if (uri === undefined || !schemes.some((scheme) => uri.toLowerCase().startsWith(scheme))) {
      throw new OnvifProtocolError(`ONVIF device at ${address} returned no usable URI for ${action}`, address, action);
    }
    if (options.allowPublicAddresses !== true && !isLanUrl(uri)) {
      throw new OnvifProtocolError(
        `ONVIF device at ${address} returned a ${action} URI outside the local network; Hearth only connects to LAN addresses (set allowNonLan to override)`,
        address,
        action,
      );
    }
    return uri;
  };

  // Connect: clock first (the signature needs it), then capabilities, which also proves the credentials.
  await serialized(measureClock);
  const capabilitiesXml = await authed('GetCapabilities', (callback) => cam.getCapabilities(callback));
  if (findElement(capabilitiesXml, 'Media') === undefined || cam.uri?.media === undefined) {
    throw new OnvifProtocolError(
      `ONVIF device at ${address} has no media service: it cannot provide streams over ONVIF; configure its RTSP URLs by hand`,
      address,
      'GetCapabilities',
    );
  }
  log.debug('onvif connected', { address, clockOffsetMs });

  return {
    address,
    get clockOffsetMs() {
      return clockOffsetMs;
    },
    getDeviceIdentity: async () => {
      const xml = await authed('GetDeviceInformation', (callback) => cam.getDeviceInformation(callback));
      const field = (name: string): string => elementText(xml, name) ?? '';
      const identity: DeviceIdentity = {
        manufacturer: field('Manufacturer'),
        model: field('Model'),
        firmwareVersion: field('FirmwareVersion'),
        serialNumber: field('SerialNumber'),
        hardwareId: field('HardwareId'),
      };
      if (identity.serialNumber.length === 0) {
        throw new OnvifProtocolError(
          `ONVIF device at ${address} reports no serial number: Hearth cannot verify its identity; mark it "identity unverified" or update its firmware`,
          address,
          'GetDeviceInformation',
        );
      }
      return identity;
    },
    getMacAddresses: async () => {
      const xml = await authed('GetNetworkInterfaces', (callback) => cam.getNetworkInterfaces(callback));
      return elementTexts(xml, 'HwAddress')
        .map((mac) => mac.toLowerCase())
        .filter((mac) => /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/.test(mac));
    },
    getProfiles: readProfiles,
    getStreamUris: async () => {
      const profiles = [...(await readProfiles())].sort((a, b) => b.width * b.height - a.width * a.height);
      const streamOf = async (profile: MediaProfile): Promise<StreamInfo> => {
        const xml = await authed('GetStreamUri', (callback) =>
          cam.getStreamUri({ protocol: 'RTSP', stream: 'RTP-Unicast', profileToken: profile.token }, callback),
        );
        return { ...profile, uri: checkedUri(elementText(xml, 'Uri'), 'GetStreamUri', ['rtsp://', 'rtsps://']) };
      };
      const [largest] = profiles;
      const smallest = profiles[profiles.length - 1];
      if (largest === undefined) throw new OnvifProtocolError(`ONVIF device at ${address} has no profiles`, address, 'GetProfiles');
      const main = await streamOf(largest);
      if (smallest === undefined || smallest.token === largest.token) return { main };
      return { main, sub: await streamOf(smallest) };
    },
    getSnapshotUri: async (profileToken?: string) => {
      const token = profileToken ?? [...(await readProfiles())].sort((a, b) => b.width * b.height - a.width * a.height)[0]?.token;
      const xml = await authed('GetSnapshotUri', (callback) => cam.getSnapshotUri({ profileToken: token }, callback));
      return checkedUri(elementText(xml, 'Uri'), 'GetSnapshotUri', ['http://', 'https://']);
    },
    close: () => {
      closed = true;
      agent.destroy();
    },
  };
}

function parseDeviceUrl(url: string): { hostname: string; port: number; path: string; secure: boolean; address: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new OnvifProtocolError(
      `"${url}" is not a valid ONVIF device URL: expected something like http://192.168.1.20/onvif/device_service`,
      url,
      'connect',
      { cause: error },
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new OnvifProtocolError(`ONVIF device URL ${url} must start with http:// or https://`, url, 'connect');
  }
  const secure = parsed.protocol === 'https:';
  // Never log or report credentials embedded in a URL.
  const address = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  return {
    hostname: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port),
    path: parsed.pathname === '/' ? '/onvif/device_service' : parsed.pathname,
    secure,
    address,
  };
}

/** Device UTC time from a GetSystemDateAndTime response, or undefined if it has none (some cheap cameras). */
function readUtcDateTime(xml: string): number | undefined {
  const dateTime = findElement(xml, 'UTCDateTime') ?? findElement(xml, 'LocalDateTime');
  if (dateTime === undefined) return undefined;
  const number = (name: string): number => Number(elementText(dateTime.inner, name));
  const ms = Date.UTC(number('Year'), number('Month') - 1, number('Day'), number('Hour'), number('Minute'), number('Second'));
  return Number.isFinite(ms) ? ms : undefined;
}

/** Video profiles from a GetProfiles (Media1) response; profiles without a video encoder are skipped. */
export function parseProfiles(xml: string): MediaProfile[] {
  const profiles: MediaProfile[] = [];
  for (const element of findElements(xml, 'Profiles')) {
    const token = element.attributes.get('token');
    const encoder = findElement(element.inner, 'VideoEncoderConfiguration');
    if (token === undefined || encoder === undefined) continue;
    const resolution = findElement(encoder.inner, 'Resolution');
    const width = Number(resolution === undefined ? NaN : elementText(resolution.inner, 'Width'));
    const height = Number(resolution === undefined ? NaN : elementText(resolution.inner, 'Height'));
    if (!Number.isFinite(width) || !Number.isFinite(height)) continue;
    const profile: MediaProfile = {
      token,
      // The profile's own Name precedes its configurations' Names.
      name: elementText(element.inner, 'Name') ?? token,
      codec: elementText(encoder.inner, 'Encoding') ?? 'unknown',
      width,
      height,
    };
    const frameRate = Number(elementText(encoder.inner, 'FrameRateLimit'));
    if (Number.isFinite(frameRate) && frameRate > 0) profile.frameRate = frameRate;
    profiles.push(profile);
  }
  return profiles;
}
