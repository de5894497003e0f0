/**
 * A simulated camera's ONVIF device + media service (Profile S, Media1) over
 * HTTP, plus the snapshot URL it advertises.
 *
 * It behaves like a strict real camera where Hearth's robustness depends on it:
 * every action except GetSystemDateAndTime needs WS-UsernameToken (or HTTP
 * Digest) credentials; `Created` is checked against the device's own skewed
 * clock; bad credentials get ter:NotAuthorized with HTTP 400 (WS-Security) or
 * 401 + a Digest challenge (no WS-Security header), as the ONVIF Core spec says.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIPv6 } from 'node:net';
import { silentLogger, type Logger } from '../../log.ts';
import { assertSafeXml, elementText, firstBodyChildName, UnsafeXmlError } from '../../discovery/xmlText.ts';
import {
  capabilitiesResponse,
  deviceInformationResponse,
  mediaProfiles,
  networkInterfacesResponse,
  profilesResponse,
  scopesResponse,
  servicesResponse,
  snapshotUriResponse,
  streamUriResponse,
  systemDateAndTimeResponse,
  videoSourcesResponse,
  type DeviceInfo,
  type ServiceUrls,
} from './deviceResponses.ts';
import { createHttpAuthenticator } from './httpAuth.ts';
import type { ConnectionGauge } from '../connectionGauge.ts';
import { contentTypeFor, soapEnvelope, soapFault, soapVersionOf, type OnvifFault, type SoapVersion } from './soapEnvelope.ts';
import { NonceMemory, verifyUsernameToken } from './wsUsernameToken.ts';

export type { DeviceInfo } from './deviceResponses.ts';

export interface DeviceServiceOptions {
  /** Address to listen on and to advertise in XAddrs/URIs, e.g. "127.0.0.1". */
  host: string;
  /** 0 = ephemeral. */
  port: number;
  username: string;
  password: string;
  device: DeviceInfo;
  /** Device clock minus real clock; reported by GetSystemDateAndTime and used to check `Created`. */
  clockSkewMs: number;
  /** RTSP URIs for the main and sub profiles, read on each GetStreamUri. */
  streamUris: () => { main: string; sub: string };
  /** Current JPEG for the snapshot URI. */
  snapshot: () => Promise<Buffer>;
  /** GetScopes items; default: type, hardware (model) and name (model + serial). */
  scopes?: () => string[];
  /** Largest accepted SOAP request body; default 256 KiB. */
  maxRequestBytes?: number;
  log?: Logger;
  /** Counts requests in flight (received until answered or dropped) for the reconnect-storm bench. */
  requestGauge?: ConnectionGauge;
}

export interface DeviceService {
  /** Current device service URL (http://host:port/onvif/device_service); changes after moveTo(). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** False while unplugged (setListening(false)): connections are refused. */
  readonly listening: boolean;
  /**
   * Answer at another address from now on, as a camera given a new DHCP lease would.
   * `port` defaults to the current one; if it is taken there, any free port is used.
   * Re-listens only if currently listening. XAddrs, stream and snapshot URIs follow.
   */
  moveTo(host: string, port?: number): Promise<void>;
  /** Unplug (false: stop listening, drop connections) or plug back in (true) at the current address. */
  setListening(listening: boolean): Promise<void>;
  /** Frozen: connections are accepted and requests read, but nothing is ever answered. */
  setFrozen(frozen: boolean): void;
  /** Change the device clock offset at run time (a camera whose NTP just kicked in). */
  setClockSkewMs(clockSkewMs: number): void;
  /** Stops listening and destroys open connections. */
  close(): Promise<void>;
}

const devicePath = '/onvif/device_service';
const mediaPath = '/onvif/media_service';
const snapshotPath = '/onvif/snapshot.jpg';
const defaultMaxRequestBytes = 256 * 1024;
/** Answers no request slower than this; a stuck client cannot hold a socket forever. */
const requestTimeoutMs = 15_000;

type ActionHandler = (requestXml: string) => Promise<string> | string;

class SoapFaultError extends Error {
  constructor(readonly fault: OnvifFault) {
    super(fault.reason);
  }
}

export async function startDeviceService(options: DeviceServiceOptions): Promise<DeviceService> {
  const log = (options.log ?? silentLogger).child({ component: 'onvif-device', serial: options.device.serialNumber });
  const credentials = { username: options.username, password: options.password };
  const httpAuth = createHttpAuthenticator(credentials, 'Hearth Simulated Camera');
  const nonces = new NonceMemory();
  const maxRequestBytes = options.maxRequestBytes ?? defaultMaxRequestBytes;
  let clockSkewMs = options.clockSkewMs;
  const deviceNowMs = (): number => Date.now() + clockSkewMs;

  let port = 0;
  let host = options.host;
  const hostForUrl = (): string => (isIPv6(host) ? `[${host}]` : host);
  const urls = (): ServiceUrls => ({
    device: `http://${hostForUrl()}:${port}${devicePath}`,
    media: `http://${hostForUrl()}:${port}${mediaPath}`,
    host,
  });
  const defaultScopes = (): string[] => [
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/Profile/Streaming',
    `onvif://www.onvif.org/hardware/${encodeURIComponent(options.device.model)}`,
    `onvif://www.onvif.org/name/${encodeURIComponent(`${options.device.model} ${options.device.serialNumber}`)}`,
  ];

  const profileUri = (requestXml: string, pick: (token: 'main' | 'sub') => string): string => {
    const token = elementText(requestXml, 'ProfileToken');
    const profile = mediaProfiles.find((candidate) => candidate.token === token);
    if (profile === undefined) {
      throw new SoapFaultError({ code: 'Sender', subcode: 'ter:InvalidArgVal', reason: `No such profile: ${token ?? '(none)'}` });
    }
    return pick(profile.token);
  };

  // A Map, not an object literal: a body named <toString/> must not find Object.prototype.toString.
  const actions = new Map<string, ActionHandler>(Object.entries({
    GetSystemDateAndTime: () => systemDateAndTimeResponse(deviceNowMs()),
    GetDeviceInformation: () => deviceInformationResponse(options.device),
    GetCapabilities: () => capabilitiesResponse(urls()),
    GetServices: () => servicesResponse(urls()),
    GetScopes: () => scopesResponse((options.scopes ?? defaultScopes)()),
    GetNetworkInterfaces: () => networkInterfacesResponse(options.device, host),
    GetVideoSources: () => videoSourcesResponse(),
    GetProfiles: () => profilesResponse(),
    GetStreamUri: (xml) => streamUriResponse(profileUri(xml, (token) => options.streamUris()[token])),
    GetSnapshotUri: (xml) =>
      snapshotUriResponse(profileUri(xml, (token) => `http://${hostForUrl()}:${port}${snapshotPath}?profile=${token}`)),
  } satisfies Record<string, ActionHandler>));
  /** ONVIF access class PRE_AUTH: clients need the clock before they can sign anything. */
  const unauthenticatedActions = new Set(['GetSystemDateAndTime']);

  const sendSoap = (response: http.ServerResponse, status: number, version: SoapVersion, xml: string, headers: http.OutgoingHttpHeaders = {}): void => {
    response.writeHead(status, { 'Content-Type': contentTypeFor(version), ...headers });
    response.end(xml);
  };
  const sendFault = (response: http.ServerResponse, version: SoapVersion, fault: OnvifFault, headers: http.OutgoingHttpHeaders = {}): void => {
    // SOAP 1.2 binding: Sender faults are 400, Receiver faults 500.
    sendSoap(response, fault.code === 'Sender' ? 400 : 500, version, soapFault(version, fault), headers);
  };

  const handleSoap = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const body = await readBody(request, maxRequestBytes);
    if (body === undefined) {
      response.writeHead(413, { Connection: 'close' }).end();
      request.destroy();
      return;
    }
    const version = soapVersionOf(body);
    try {
      assertSafeXml(body);
    } catch (error) {
      if (!(error instanceof UnsafeXmlError)) throw error;
      sendFault(response, version ?? '1.2', { code: 'Sender', subcode: 'ter:WellFormed', reason: 'DTDs are not accepted' });
      return;
    }
    const action = firstBodyChildName(body);
    if (version === undefined || action === undefined) {
      sendFault(response, version ?? '1.2', { code: 'Sender', subcode: 'ter:WellFormed', reason: 'Not a SOAP envelope' });
      return;
    }
    const handler = actions.get(action);
    if (handler === undefined) {
      log.debug('unsupported action', { action });
      sendFault(response, version, { code: 'Receiver', subcode: 'ter:ActionNotSupported', reason: `Action not supported: ${action}` });
      return;
    }
    if (!unauthenticatedActions.has(action)) {
      const token = verifyUsernameToken(body, credentials, deviceNowMs(), nonces);
      if (!token.ok && token.reason !== 'missing') {
        log.debug('ws-security rejected', { action, reason: token.reason });
        sendFault(response, version, { code: 'Sender', subcode: 'ter:NotAuthorized', reason: 'Sender not Authorized' });
        return;
      }
      if (!token.ok && !httpAuth.verify(request, { allowBasic: false })) {
        log.debug('http auth rejected', { action });
        sendSoap(response, 401, version, soapFault(version, { code: 'Sender', subcode: 'ter:NotAuthorized', reason: 'Sender not Authorized' }), {
          'WWW-Authenticate': httpAuth.challenge(),
        });
        return;
      }
    }
    try {
      sendSoap(response, 200, version, soapEnvelope(version, await handler(body)));
    } catch (error) {
      if (!(error instanceof SoapFaultError)) throw error;
      sendFault(response, version, error.fault);
    }
  };

  const handleSnapshot = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    request.resume();
    if (!httpAuth.verify(request, { allowBasic: true })) {
      response.writeHead(401, { 'WWW-Authenticate': httpAuth.challenge(), 'Content-Type': 'text/plain' }).end('Unauthorized\n');
      return;
    }
    const jpeg = await options.snapshot();
    response.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': jpeg.length, 'Cache-Control': 'no-store' });
    response.end(jpeg);
  };

  let frozen = false;
  const server = http.createServer((request, response) => {
    const endRequest = options.requestGauge?.begin();
    if (endRequest !== undefined) response.once('close', endRequest);
    // A hung camera: the request is accepted and then nothing happens (docs/DESIGN.md, "Every camera call has a deadline").
    if (frozen) {
      request.resume();
      return;
    }
    const path = (request.url ?? '/').split('?')[0];
    let work: Promise<void>;
    if (request.method === 'POST' && (path === devicePath || path === mediaPath)) work = handleSoap(request, response);
    else if (request.method === 'GET' && path === snapshotPath) work = handleSnapshot(request, response);
    else {
      request.resume();
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
      return;
    }
    work.catch((error: unknown) => {
      log.warn('request failed', { path, error: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal error\n');
      else response.destroy();
    });
  });
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = requestTimeoutMs;

  const listen = (listenPort: number, listenHost: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive and half-sent requests would hold close() open; a camera losing power drops them too.
      server.closeAllConnections();
    });

  await listen(options.port, host);
  port = (server.address() as AddressInfo).port;
  let listening = true;
  log.info('onvif device service listening', { url: urls().device });

  /** Listen at host:wantedPort, or at any free port there when wantedPort is taken. */
  const listenAt = async (newHost: string, wantedPort: number): Promise<void> => {
    try {
      await listen(wantedPort, newHost);
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EADDRINUSE')) throw error;
      // Taken (another simulated camera): take a free one; XAddrs say where.
      log.warn('onvif port taken at new address; using another', { host: newHost, port: wantedPort });
      await listen(0, newHost);
    }
    port = (server.address() as AddressInfo).port;
  };

  let closed: Promise<void> | undefined;
  const assertOpen = (): void => {
    if (closed !== undefined) throw new Error('device service is closed; start a new one instead');
  };
  return {
    get url() {
      return urls().device;
    },
    get port() {
      return port;
    },
    get host() {
      return host;
    },
    get listening() {
      return listening;
    },
    setClockSkewMs: (value) => {
      clockSkewMs = value;
    },
    setFrozen: (value) => {
      frozen = value;
      // Thawing is a reboot: whatever hung while frozen is dropped.
      if (!value) server.closeAllConnections();
    },
    setListening: async (value) => {
      assertOpen();
      if (value === listening) return;
      if (value) await listenAt(host, port);
      else await stopListening();
      listening = value;
    },
    moveTo: async (newHost, newPort) => {
      assertOpen();
      const wasListening = listening;
      if (wasListening) await stopListening();
      host = newHost;
      if (newPort !== undefined) port = newPort;
      if (wasListening) await listenAt(host, port);
      log.info('onvif device service moved', { url: urls().device });
    },
    close: () => {
      closed ??= stopListening();
      return closed;
    },
  };
}

/** The request body as UTF-8, or undefined when it exceeds `maxBytes` (reading stops there). */
async function readBody(request: http.IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > maxBytes) return undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
