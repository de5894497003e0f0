/**
 * Replays the ONVIF side of a real camera model from /work/shared/realcams/fixtures/<model>/
 * (answers other projects captured from the devices; see that folder's README), so tests
 * meet what cameras really send instead of what Hearth's own simulator was written to send.
 *
 * Follows the fixture's manifest.json: one answer per SOAP operation (the first element in
 * the Body, with Media1 `trt:` and Media2 `tr2:` told apart by namespace), by_token answers,
 * the auth mode (WS-UsernameToken with its Created window, or HTTP Digest), the auth fault,
 * unknown_op / bad_token faults and the named variants. The cameras' own addresses are
 * rewritten to the replay's loopback listeners, stream URIs to an RTSP address the test
 * chooses, and GetSystemDateAndTime says "now" (or the captured skew, variant keep-skew).
 * Everything listens on 127.0.0.1 / ::1 only; WS-Discovery is pinned to 127.0.0.1.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { openPinnedMulticastSocket, type PinnedSocket } from '../../src/discovery/multicastSocket.ts';
import { elementText, findElement } from '../../src/discovery/xmlText.ts';
import { applyVariants, readManifest, realcamsFixtures, soapOperation, withClock, type Answer, type RealcamManifest } from './realcamManifest.ts';

export { readManifest, realcamsFixtures, soapOperation, type RealcamManifest } from './realcamManifest.ts';

/** Why realcam tests cannot run here, or undefined when the fixtures are present. */
export function realcamsSkipReason(model?: string): string | undefined {
  const folder = model === undefined ? realcamsFixtures : path.join(realcamsFixtures, model);
  if (!existsSync(path.join(folder, model === undefined ? '.' : 'manifest.json'))) {
    return `real-camera fixtures not found at ${folder} (they live beside the repository in ../shared/realcams; see its README)`;
  }
  return undefined;
}

/** What a listener for one kind of camera address (manifest "hosts": device, ipv6, linklocal) does. */
export type HostMode = 'serve' | 'blackhole' | 'refuse';

export interface ReplayOptions {
  model: string;
  variants?: string[];
  username?: string;
  password?: string;
  /** Stream URIs: host:port put in place of the camera's (path kept). Default 127.0.0.1:8554. */
  rtspAuthority?: string;
  /** Full control over each rewritten stream URI (e.g. to point it at a real RTSP server's path). */
  rewriteRtsp?: (originalUri: string, rewrittenUri: string) => string;
  /** Per host kind; default: every kind served, except "ipv6" (a link-local that never answers from here). */
  hostModes?: Partial<Record<string, HostMode>>;
  /** Answer WS-Discovery probes on this private port (loopback-pinned). */
  discoveryPort?: number;
}

export interface ReplayRequest {
  op: string;
  hostKind: string;
  token: string | undefined;
  status: number;
}

export interface RealcamReplay {
  readonly model: string;
  readonly manifest: RealcamManifest;
  readonly username: string;
  readonly password: string;
  /** Rewritten XAddrs of the (variant's) ProbeMatch, in the order the camera lists them. */
  readonly xaddrs: string[];
  /** The first XAddr that this replay serves. */
  readonly deviceUrl: string;
  /** The endpoint urn of the ProbeMatch. */
  readonly urn: string;
  readonly requests: ReplayRequest[];
  /** TCP connections accepted per host kind (a blackhole counts too). */
  readonly connections: Record<string, number>;
  rewrite(text: string): string;
  close(): Promise<void>;
}

const namespacePrefixes: Record<string, string> = {
  'http://www.onvif.org/ver10/device/wsdl': 'tds',
  'http://www.onvif.org/ver10/media/wsdl': 'trt',
  'http://www.onvif.org/ver20/media/wsdl': 'tr2',
  'http://www.onvif.org/ver20/imaging/wsdl': 'timg',
  'http://www.onvif.org/ver20/ptz/wsdl': 'tptz',
  'http://www.onvif.org/ver10/events/wsdl': 'tev',
};
/** Unprefixed manifest keys mean the ver10 services; Media2 answers are always keyed "tr2:". */
const unprefixedServices = new Set(['tds', 'trt', 'timg', 'tptz', 'tev']);
const maxBodyBytes = 256 * 1024;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

function parseDigestHeader(header: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const match of header.replace(/^Digest\s+/i, '').matchAll(/([a-zA-Z0-9]+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    if (match[1] !== undefined) params.set(match[1].toLowerCase(), match[2] ?? match[3] ?? '');
  }
  return params;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export async function startRealcamReplay(options: ReplayOptions): Promise<RealcamReplay> {
  const skip = realcamsSkipReason(options.model);
  if (skip !== undefined) throw new Error(skip);
  const folder = path.join(realcamsFixtures, options.model);
  const { manifest, skewMs } = applyVariants(readManifest(options.model), options.variants ?? []);
  const username = options.username ?? 'admin';
  const password = options.password ?? 'replay-Pass1';
  const rtspAuthority = options.rtspAuthority ?? '127.0.0.1:8554';
  const requests: ReplayRequest[] = [];
  const connections: Record<string, number> = {};
  const issuedNonces = new Set<string>();
  const seenWsseNonces = new Set<string>();
  const deviceNow = (): number => Date.now() + skewMs;
  const kinds = [...new Set(Object.values(manifest.hosts))];
  const modeOf = (kind: string): HostMode => options.hostModes?.[kind] ?? (kind === 'ipv6' ? 'blackhole' : 'serve');

  // One listener per host kind, so a test can tell which advertised address a client used.
  const listeners = new Map<string, { server: net.Server | http.Server; authority: string }>();
  const authorityOf = (kind: string): string => listeners.get(kind)?.authority ?? '127.0.0.1:9';

  const rewrite = (text: string): string => {
    let out = text;
    for (const [host, kind] of Object.entries(manifest.hosts)) {
      const literal = host.includes(':') ? `\\[${escapeRegExp(host)}\\]` : escapeRegExp(host);
      const url = new RegExp(`\\b(rtsps?|https?)://${literal}(?::\\d+)?`, 'gi');
      out = out.replace(url, (_all, scheme: string) => {
        if (!scheme.toLowerCase().startsWith('rtsp')) return `${scheme}://${authorityOf(kind)}`;
        return `${scheme}://${rtspAuthority}`;
      });
      // Bare mentions (network interface answers): the listener's address without a port.
      const bareHost = authorityOf(kind).replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      out = out.replace(new RegExp(`(?<![\\w.:\\[])${escapeRegExp(host)}(?![\\w.:\\]])`, 'g'), bareHost);
    }
    if (options.rewriteRtsp) {
      out = out.replace(/(<(?:[\w.-]+:)?Uri>\s*)(rtsps?:\/\/[^<\s]+)/g, (_all, open: string, uri: string) => {
        const decoded = uri.replace(/&amp;/g, '&');
        return open + options.rewriteRtsp!(decoded, decoded).replace(/&/g, '&amp;');
      });
    }
    return out;
  };

  const send = (res: http.ServerResponse, answer: Answer, extraHeaders: Record<string, string> = {}, transform?: (text: string) => string): void => {
    let body = readFileSync(path.join(folder, answer.file), 'utf8');
    body = rewrite(body);
    if (transform) body = transform(body);
    const headers = { ...(answer.headers ?? manifest.default_headers ?? { 'Content-Type': 'application/soap+xml; charset=utf-8' }), ...extraHeaders };
    res.writeHead(answer.status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };

  const wsseOk = (xml: string): boolean => {
    const header = findElement(xml, 'Header');
    const token = header === undefined ? undefined : findElement(header.inner, 'UsernameToken');
    if (token === undefined) return false;
    const user = elementText(token.inner, 'Username');
    const passwordElement = findElement(token.inner, 'Password');
    const sent = elementText(token.inner, 'Password') ?? '';
    const nonce = elementText(token.inner, 'Nonce');
    const created = elementText(token.inner, 'Created');
    if (user !== username || passwordElement === undefined || created === undefined) return false;
    const createdMs = Date.parse(created);
    const windowMs = (manifest.auth.created_window_s ?? 300) * 1000;
    if (!Number.isFinite(createdMs) || Math.abs(createdMs - deviceNow()) > windowMs) return false;
    if ((passwordElement.attributes.get('Type') ?? '').endsWith('PasswordDigest')) {
      if (nonce === undefined || seenWsseNonces.has(nonce)) return false;
      const expected = createHash('sha1').update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created), Buffer.from(password)])).digest('base64');
      if (!safeEqual(sent, expected)) return false;
      seenWsseNonces.add(nonce);
      return true;
    }
    return safeEqual(sent, password);
  };

  const digestOk = (req: http.IncomingMessage): boolean => {
    const header = req.headers.authorization;
    if (header === undefined || !/^Digest\s/i.test(header)) return false;
    const p = parseDigestHeader(header);
    const realm = manifest.auth.digest?.realm ?? 'Digest';
    const nonce = p.get('nonce') ?? '';
    if (p.get('username') !== username || p.get('realm') !== realm || !issuedNonces.has(nonce)) return false;
    const ha1 = md5(`${username}:${realm}:${password}`);
    const ha2 = md5(`${req.method ?? 'POST'}:${p.get('uri') ?? ''}`);
    const qop = p.get('qop');
    const expected = qop === 'auth' ? md5(`${ha1}:${nonce}:${p.get('nc') ?? ''}:${p.get('cnonce') ?? ''}:auth:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
    return safeEqual(p.get('response') ?? '', expected);
  };

  const challenge = (): Record<string, string> => {
    const spec = manifest.auth.digest ?? { realm: 'Digest' };
    const nonce = randomBytes(Math.ceil((spec.nonce_hex_len ?? 20) / 2)).toString('hex').slice(0, spec.nonce_hex_len ?? 20);
    issuedNonces.add(nonce);
    const parts = [`realm="${spec.realm}"`, ...(spec.qop ? [`qop="${spec.qop}"`] : []), `nonce="${nonce}"`, ...(spec.opaque ? [`opaque="${spec.opaque}"`] : [])];
    return { 'WWW-Authenticate': `Digest ${parts.join(', ')}` };
  };

  const handle = (kind: string, req: http.IncomingMessage, res: http.ServerResponse, xml: string): void => {
    const record = (op: string, token: string | undefined, status: number): void => void requests.push({ op, hostKind: kind, token, status });
    if (req.method !== 'POST') {
      record(`${req.method} ${req.url}`, undefined, 404);
      res.writeHead(404, { 'Content-Type': 'text/plain', Connection: 'close' }).end('not replayed\n');
      return;
    }
    const operation = soapOperation(xml);
    if (operation === undefined) {
      record('(no SOAP body)', undefined, 400);
      send(res, manifest.unknown_op);
      return;
    }
    const service = operation.namespace === undefined ? undefined : namespacePrefixes[operation.namespace];
    const key = `${service ?? '?'}:${operation.local}`;
    const token = elementText(xml, 'ProfileToken') ?? elementText(xml, 'ConfigurationToken');
    const preauth = manifest.auth.preauth ?? ['GetSystemDateAndTime'];
    if (!preauth.includes(operation.local)) {
      const authed = manifest.auth.mode === 'digest' ? digestOk(req) : wsseOk(xml);
      if (!authed) {
        const fault = manifest.auth.fault ?? manifest.unknown_op;
        record(key, token, fault.status);
        send(res, fault, manifest.auth.mode === 'digest' ? challenge() : {});
        return;
      }
    }
    const entry = manifest.ops[key] ?? (service !== undefined && unprefixedServices.has(service) ? manifest.ops[operation.local] : undefined);
    let answer: Answer | undefined;
    if (entry?.by_token !== undefined) {
      answer = token === undefined ? undefined : entry.by_token[token];
      if (answer === undefined) answer = manifest.bad_token ?? manifest.unknown_op;
    } else if (entry?.file !== undefined && entry.status !== undefined) {
      answer = { file: entry.file, status: entry.status, ...(entry.headers ? { headers: entry.headers } : {}) };
    }
    answer ??= manifest.unknown_op;
    record(key, token, answer.status);
    send(res, answer, {}, operation.local === 'GetSystemDateAndTime' && answer.status === 200 ? (text) => withClock(text, deviceNow()) : undefined);
  };

  const listenOn = async (kind: string): Promise<void> => {
    const mode = modeOf(kind);
    const ipv6 = kind === 'ipv6';
    const host = ipv6 ? '::1' : '127.0.0.1';
    connections[kind] = 0;
    let server: net.Server | http.Server;
    if (mode === 'serve') {
      const httpServer = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBodyBytes) req.destroy();
          else chunks.push(chunk);
        });
        req.on('end', () => handle(kind, req, res, Buffer.concat(chunks).toString('utf8')));
      });
      httpServer.on('connection', () => (connections[kind] = (connections[kind] ?? 0) + 1));
      server = httpServer;
    } else {
      // blackhole: accepts and never answers (a link-local address from another segment);
      // refuse: the port is bound and closed again, so connecting is refused.
      const sockets = new Set<net.Socket>();
      server = net.createServer((socket) => {
        connections[kind] = (connections[kind] ?? 0) + 1;
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      });
      server.on('close', () => sockets.forEach((s) => s.destroy()));
      (server as net.Server & { sockets?: Set<net.Socket> }).sockets = sockets;
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    if (mode === 'refuse') await new Promise<void>((resolve) => server.close(() => resolve()));
    listeners.set(kind, { server, authority: ipv6 ? `[::1]:${port}` : `127.0.0.1:${port}` });
  };
  for (const kind of kinds) await listenOn(kind);

  const probeMatches = (): string => rewrite(readFileSync(path.join(folder, manifest.discovery.file), 'utf8'));
  const initial = probeMatches();
  const xaddrs = (elementText(initial, 'XAddrs') ?? '').split(/\s+/).filter((x) => x.length > 0);
  const servedAuthorities = [...listeners.entries()].filter(([kind]) => modeOf(kind) === 'serve').map(([, l]) => l.authority);
  const deviceUrl = xaddrs.find((x) => x.startsWith('http://') && servedAuthorities.some((a) => x.includes(a))) ?? `http://${authorityOf('device')}/onvif/device_service`;
  const endpoint = findElement(initial, 'EndpointReference');
  const urn = (endpoint === undefined ? undefined : elementText(endpoint.inner, 'Address')) ?? '';

  let discovery: PinnedSocket | undefined;
  if (options.discoveryPort !== undefined) {
    discovery = await openPinnedMulticastSocket({ interfaceAddress: '127.0.0.1', role: 'listener', port: options.discoveryPort });
    const socket = discovery.socket;
    socket.on('error', () => undefined);
    socket.on('message', (message: Buffer, remote: RemoteInfo) => {
      if (message.length > 16 * 1024) return;
      const probe = message.toString('utf8');
      if (soapOperation(probe)?.local !== 'Probe') return;
      const messageId = elementText(probe, 'MessageID');
      const probeElement = findElement(probe, 'Probe');
      const types = (probeElement === undefined ? '' : elementText(probeElement.inner, 'Types')) ?? '';
      const listed = types.split(/\s+/).filter((t) => t.length > 0).map((t) => t.replace(/^[^:]*:/, ''));
      if (messageId === undefined || (listed.length > 0 && !listed.some((t) => t === 'NetworkVideoTransmitter' || t === 'Device'))) return;
      const reply = probeMatches()
        .replace(/(<(?:[\w.-]+:)?RelatesTo\b[^>]*>)[\s\S]*?(<\/(?:[\w.-]+:)?RelatesTo>)/, (_a, open: string, close: string) => `${open}${messageId}${close}`)
        .replace(/(<(?:[\w.-]+:)?MessageID\b[^>]*>)[\s\S]*?(<\/(?:[\w.-]+:)?MessageID>)/, (_a, open: string, close: string) => `${open}urn:uuid:${randomUUID()}${close}`);
      socket.send(Buffer.from(reply, 'utf8'), remote.port, remote.address);
    });
  }

  return {
    model: options.model,
    manifest,
    username,
    password,
    xaddrs,
    deviceUrl,
    urn,
    requests,
    connections,
    rewrite,
    close: async () => {
      await discovery?.close();
      await Promise.all(
        [...listeners.values()].map(
          ({ server }) =>
            new Promise<void>((resolve) => {
              (server as net.Server & { sockets?: Set<net.Socket> }).sockets?.forEach((s) => s.destroy());
              if ('closeAllConnections' in server) server.closeAllConnections();
              if (!server.listening) return resolve();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}

/** The five models of the fixture folder, with what a test expects of each. */
export const realcamModels = ['hikvision-ds2df7286', 'bosch-flexidome-5100i', 'axis-m2025le', 'tvt-oem-ipc', 'amcrest-ip5m-b1186e'] as const;
export type RealcamModel = (typeof realcamModels)[number];

/** Which of each model's own stream URIs is its main one (the profile Hearth must pick as main). */
export const isRealcamMainUri: Record<RealcamModel, (uri: string) => boolean> = {
  'hikvision-ds2df7286': (uri) => uri.includes('/Channels/102'),
  'bosch-flexidome-5100i': (uri) => uri.includes('p=0&'),
  'axis-m2025le': (uri) => uri.includes('profile_1_h264'),
  'tvt-oem-ipc': (uri) => uri.endsWith('/profile1'),
  'amcrest-ip5m-b1186e': (uri) => uri.includes('subtype=0'),
};
