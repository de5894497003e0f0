/**
 * The one module that wraps the `onvif` npm package (Cam): one device conversation on the
 * calling thread. Callers use onvifClient.ts, which runs this in a worker (onvifWorker.ts).
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
 * - Response bodies are read without a size limit; boundedAgent.ts caps the bytes.
 * - Its parseSOAPString strips namespaces with a regex that is quadratic on hostile
 *   bodies and runs before we see the XML; onvifPackageGuard.ts prices it first.
 * - Its wrappers drop the HTTP status, so an HTTP 401 with an HTML page (Hikvision)
 *   surfaced as "Wrong ONVIF SOAP response". We watch 'rawResponse' for the status:
 *   a 401, whatever the body, is a refused password.
 * - `service: 'device'` requests go to the path "device" when GetCapabilities named
 *   no device XAddr (a TVT answers Category=Media only); we register the URL we were given.
 * - Media calls are our own SOAP through its request helper (onvifMedia.ts), with
 *   Media2 where Media1 gives no stream.
 */
import type { Url } from 'node:url';
// Must load before 'onvif': it wraps the package's quadratic regex (onvifPackageGuard.ts).
import './onvifPackageGuard.ts';
import { Cam } from 'onvif';
import { silentLogger, type Logger } from '../log.ts';
import {
  classifyOnvifError,
  refusalReason,
  OnvifAuthError,
  OnvifError,
  OnvifProtocolError,
  OnvifTimeoutError,
} from './onvifErrors.ts';
import { isLanUrl } from './lanUrl.ts';
import { boundedAgent } from './boundedAgent.ts';
import { normalizeMacs } from './macAddress.ts';
import { mediaReader, mediaServicesOf, type SoapCall, type StreamUris } from './onvifMedia.ts';
import type { MediaProfile } from './onvifProfiles.ts';
import { assertSafeXml, elementText, elementTexts, findElement, UnsafeXmlError } from './xmlText.ts';

import type { DeviceIdentity, OnvifConnectOptions, OnvifDevice, OptionalField } from './onvifTypes.ts';

const defaultTimeoutMs = 8000;
/** Re-measure the device clock when the last measurement is older than this. */
const clockRecheckMs = 60_000;

type RawCallback = (error: Error | null, data?: unknown, xml?: string) => void;

/** The parts of Cam 0.8.3 that its typings leave out; pinned by package.json's ^0.8.3 and tested here. */
interface CamInternals {
  uri?: Record<string, Url | undefined>;
  _request(options: { service?: string; action?: string; body: string }, callback: (error: Error | null, data: unknown, xml?: string, statusCode?: number) => void): void;
  _envelopeHeader(): string;
  _envelopeFooter(): string;
  _parseUrl(address: string): Url;
}

/** The conversation itself, on the calling thread (the worker's side of connectOnvif). */
export async function connectOnvifInThisThread(options: OnvifConnectOptions): Promise<OnvifDevice> {
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
  const internals = cam as unknown as CamInternals;
  cam.on('error', (error: unknown) => log.warn('onvif client error', { address, error: String(error) }));
  cam.on('warning', (warning: unknown) => log.debug('onvif client warning', { address, warning: String(warning) }));
  // Calls are serialized (below), so the last status seen belongs to the call in flight.
  let lastStatus: number | undefined;
  cam.on('rawResponse', (_xml: string, statusCode: number) => {
    lastStatus = statusCode;
  });

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
      lastStatus = undefined;
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
          reject(classifyOnvifError(error, address, action, lastStatus));
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
        reject(classifyOnvifError(error, address, action, lastStatus));
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

  /** Our own SOAP body, sent by the package (WS-UsernameToken header, Digest challenges). */
  const soap: SoapCall = (service, operation, namespace, body) => {
    if (internals.uri?.[service] === undefined) {
      // The package would post to the path "media2"; say what is missing instead.
      return Promise.reject(new OnvifProtocolError(`ONVIF device at ${address} names no ${service} service`, address, operation));
    }
    return authed(operation, (callback) =>
      internals._request(
        {
          service,
          action: `${namespace}/${operation}`,
          body: `${internals._envelopeHeader()}<${operation} xmlns="${namespace}">${body}</${operation}>${internals._envelopeFooter()}`,
        },
        (error, data, xml) => callback(error, data, xml),
      ),
    );
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

  /** GetServices, once: where the device keeps Media1 and Media2 when GetCapabilities does not say. */
  let services: Promise<ReturnType<typeof mediaServicesOf>> | undefined;
  const readServices = (): Promise<ReturnType<typeof mediaServicesOf>> => {
    services ??= soap('device', 'GetServices', 'http://www.onvif.org/ver10/device/wsdl', '<IncludeCapability>false</IncludeCapability>')
      .then(mediaServicesOf)
      .catch((error: unknown) => {
        if (!(error instanceof OnvifError)) throw error;
        log.debug('onvif GetServices not answered', { address, error: error.message });
        return {};
      });
    return services;
  };
  const register = (service: string, xaddr: string | undefined): void => {
    if (xaddr === undefined || internals.uri === undefined || internals.uri[service] !== undefined) return;
    internals.uri[service] = internals._parseUrl(xaddr);
  };
  const hasMedia2 = async (): Promise<boolean> => {
    if (internals.uri?.media2 !== undefined) return true;
    register('media2', (await readServices()).media2);
    return internals.uri?.media2 !== undefined;
  };

  // Connect: clock first (the signature needs it), then capabilities, which also proves the credentials.
  await serialized(measureClock);
  const capabilitiesXml = await authed('GetCapabilities', (callback) => cam.getCapabilities(callback));
  internals.uri ??= {};
  register('device', options.url);
  if (findElement(capabilitiesXml, 'Media') === undefined || internals.uri.media === undefined) {
    // Media2-only devices may leave Media out of GetCapabilities: ask GetServices before giving up.
    const found = await readServices();
    register('media', found.media);
    register('media2', found.media2);
    if (internals.uri.media === undefined && internals.uri.media2 === undefined) {
      throw new OnvifProtocolError(
        `ONVIF device at ${address} has no media service: it cannot provide streams over ONVIF; configure its RTSP URLs by hand`,
        address,
        'GetCapabilities',
      );
    }
  }
  log.debug('onvif connected', { address, clockOffsetMs });

  const media = mediaReader({ address, call: soap, hasMedia1: internals.uri.media !== undefined, media2: hasMedia2, checkUri: checkedUri, log });

  const readMacAddresses = async (): Promise<OptionalField<string[]>> => {
    try {
      const xml = await authed('GetNetworkInterfaces', (callback) => cam.getNetworkInterfaces(callback));
      const macs = normalizeMacs(elementTexts(xml, 'HwAddress'));
      return { value: macs, note: macs.length === 0 ? 'the camera reports no MAC address' : null };
    } catch (error) {
      if (!(error instanceof OnvifError)) throw error;
      // Optional: an ONVIF account without the network right still proves who the camera is.
      const note = `MAC address left empty: ${refusalReason(error)}`;
      log.info('onvif MAC address not given; left empty', { address, error: error.message });
      return { value: [], note };
    }
  };

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
    getMacAddresses: async () => (await readMacAddresses()).value,
    readMacAddresses,
    getProfiles: media.profiles,
    getStreamUris: media.streamUris,
    getSnapshotUri: media.snapshotUri,
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

