/**
 * Hearth's WS-Discovery prober (2005/04 namespace, as ONVIF cameras use).
 *
 * Why not the `onvif` package's Discovery: it cannot pin the multicast
 * interface (its probe leaves through the default route), always waits its
 * full timeout, and throws on a non-SOAP reply unless a listener is attached.
 * Here: one socket per configured interface, pinned; replies must carry a
 * RelatesTo naming one of our random MessageIDs; every reply is size-bounded,
 * DTD-free, and parsed with the small extractor in xmlText.ts.
 */
import { randomUUID } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { silentLogger, type Logger } from '../log.ts';
import { openPinnedMulticastSocket, wsDiscoveryGroup, wsDiscoveryPort, type PinnedSocket } from './multicastSocket.ts';
import { isLanUrl } from './lanUrl.ts';
import { orderXaddrs } from './xaddrOrder.ts';
import { assertSafeXml, elementText, findElements, UnsafeXmlError, type XmlElement } from './xmlText.ts';

export interface DiscoveredDevice {
  /** EndpointReference address, e.g. "urn:uuid:…"; stable per device, the dedup key. */
  urn: string;
  /** Device service URLs, private/loopback literals only unless allowPublicXaddrs; IPv4 first (xaddrOrder.ts), then the camera's order. */
  xaddrs: string[];
  scopes: string[];
  types: string[];
  /** Source address of the first reply. Not an identity: any host can claim any urn. */
  fromAddress: string;
  /** Decoded onvif://www.onvif.org/name/… scope. */
  name?: string;
  /** Decoded onvif://www.onvif.org/hardware/… scope. */
  hardware?: string;
}

export interface ProbeOptions {
  /** Local IPv4 addresses to probe from, one probe per address. Empty = nothing probed. */
  interfaceAddresses: string[];
  /** How long to collect replies. */
  timeoutMs: number;
  /** Datagrams larger than this are ignored. Default 16 KiB (a real ProbeMatches is 1–4 KiB). */
  maxResponseBytes?: number;
  /** Stop collecting after this many distinct devices. Default 256. */
  maxMatches?: number;
  /** Keep XAddrs whose host is not a private/loopback IP literal. Default false (docs/DESIGN.md, "LAN only"). */
  allowPublicXaddrs?: boolean;
  /** Destination UDP port; default 3702. Tests use another port to stay apart from other runs. */
  port?: number;
  log?: Logger;
  /** Told of each new device as its answer arrives (within the limits), before the window ends. */
  onDevice?: (device: DiscoveredDevice) => void;
}

/** Why replies were dropped; each one counted, none fatal. */
export interface ProbeIgnoredCounts {
  oversized: number;
  unsafe: number;
  malformed: number;
  /** Well-formed but not an answer to our probe (RelatesTo missing or foreign). */
  unrelated: number;
  /** Every XAddr pointed outside private ranges (or was a hostname). */
  publicOnly: number;
  /** Arrived after the datagram or device limit was reached. */
  overLimit: number;
}

export interface ProbeReport {
  devices: DiscoveredDevice[];
  ignored: ProbeIgnoredCounts;
}

const wsdNamespace = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
// Real ProbeMatches are 1.3–3.2 KiB (the captured five); 16 KiB leaves room and bounds parse work per datagram.
const defaultMaxResponseBytes = 16 * 1024;
const defaultMaxMatches = 256;
/** Bounds on one ProbeMatch; far above anything a camera sends. */
const maxUrnChars = 256;
const maxXaddrsPerMatch = 8;
const maxScopesPerMatch = 64;
const maxUrlChars = 2048;
/** Second probe type: some cameras answer only tds:Device, others only dn:NetworkVideoTransmitter. */
const probeTypes = [
  { prefix: 'dn', namespace: 'http://www.onvif.org/ver10/network/wsdl', type: 'NetworkVideoTransmitter' },
  { prefix: 'tds', namespace: 'http://www.onvif.org/ver10/device/wsdl', type: 'Device' },
] as const;

export async function probe(options: ProbeOptions): Promise<DiscoveredDevice[]> {
  return (await probeDetailed(options)).devices;
}

export async function probeDetailed(options: ProbeOptions): Promise<ProbeReport> {
  const log = options.log ?? silentLogger;
  const maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes;
  const maxMatches = options.maxMatches ?? defaultMaxMatches;
  // Stop parsing after this many datagrams: a flood cannot cost more than a bounded amount of CPU.
  const maxDatagrams = maxMatches * 4 + 64;
  const ignored: ProbeIgnoredCounts = { oversized: 0, unsafe: 0, malformed: 0, unrelated: 0, publicOnly: 0, overLimit: 0 };
  const devices = new Map<string, DiscoveredDevice>();
  const messageIds = new Set<string>();
  let datagrams = 0;

  const sockets: PinnedSocket[] = [];
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const onMessage = (message: Buffer, remote: RemoteInfo): void => {
    datagrams += 1;
    if (datagrams > maxDatagrams || devices.size >= maxMatches) {
      ignored.overLimit += 1;
      return;
    }
    if (message.length > maxResponseBytes) {
      ignored.oversized += 1;
      return;
    }
    const outcome = readProbeMatches(message.toString('utf8'), messageIds, options.allowPublicXaddrs === true);
    if (outcome.kind !== 'matches') {
      ignored[outcome.kind] += 1;
      return;
    }
    for (const match of outcome.matches) {
      const existing = devices.get(match.urn);
      if (existing !== undefined) {
        for (const xaddr of match.xaddrs) if (!existing.xaddrs.includes(xaddr)) existing.xaddrs.push(xaddr);
        existing.xaddrs = orderXaddrs(existing.xaddrs);
        continue;
      }
      if (devices.size >= maxMatches) {
        ignored.overLimit += 1;
        continue;
      }
      const device = { ...match, fromAddress: remote.address };
      devices.set(match.urn, device);
      options.onDevice?.(device);
    }
    ignored.publicOnly += outcome.publicOnly;
    if (devices.size >= maxMatches) finish();
  };

  const timer = setTimeout(() => finish(), options.timeoutMs);
  try {
    for (const interfaceAddress of options.interfaceAddresses) {
      const pinned = await openPinnedMulticastSocket({ interfaceAddress, role: 'sender' });
      sockets.push(pinned);
      pinned.socket.on('message', onMessage);
      pinned.socket.on('error', (error) => log.warn('discovery socket error', { interface: interfaceAddress, error: error.message }));
      for (const probeType of probeTypes) {
        const messageId = `urn:uuid:${randomUUID()}`;
        messageIds.add(messageId);
        const body = buildProbe(messageId, probeType);
        pinned.socket.send(body, options.port ?? wsDiscoveryPort, wsDiscoveryGroup, (error) => {
          if (error) log.warn('discovery probe send failed', { interface: interfaceAddress, error: error.message });
        });
      }
    }
    await done;
  } finally {
    clearTimeout(timer);
    await Promise.all(sockets.map((pinned) => pinned.close()));
  }

  const dropped = Object.values(ignored).reduce((sum, count) => sum + count, 0);
  if (dropped > 0) log.info('discovery ignored replies', { ...ignored });
  return { devices: [...devices.values()], ignored };
}

function buildProbe(messageId: string, probeType: (typeof probeTypes)[number]): Buffer {
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>' +
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="${wsdNamespace}" xmlns:${probeType.prefix}="${probeType.namespace}">` +
      '<s:Header>' +
      `<a:Action s:mustUnderstand="1">${wsdNamespace}/Probe</a:Action>` +
      `<a:MessageID>${messageId}</a:MessageID>` +
      '<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>' +
      '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>' +
      '</s:Header>' +
      `<s:Body><d:Probe><d:Types>${probeType.prefix}:${probeType.type}</d:Types></d:Probe></s:Body>` +
      '</s:Envelope>',
    'utf8',
  );
}

type ParsedMatch = Omit<DiscoveredDevice, 'fromAddress'>;
type ReadOutcome =
  | { kind: 'matches'; matches: ParsedMatch[]; publicOnly: number }
  | { kind: 'unsafe' | 'malformed' | 'unrelated' };

/** Parse one reply datagram. Exported for tests of the parser alone. */
export function readProbeMatches(xml: string, messageIds: ReadonlySet<string>, allowPublicXaddrs: boolean): ReadOutcome {
  try {
    assertSafeXml(xml);
  } catch (error) {
    if (error instanceof UnsafeXmlError) return { kind: 'unsafe' };
    throw error;
  }
  if (!/<(?:[\w.-]+:)?Envelope[\s>]/.test(xml)) return { kind: 'malformed' };
  const relatesTo = elementText(xml, 'RelatesTo');
  if (relatesTo === undefined || !messageIds.has(relatesTo)) return { kind: 'unrelated' };
  const matchElements = findElements(xml, 'ProbeMatch');
  if (matchElements.length === 0) return { kind: 'malformed' };

  const matches: ParsedMatch[] = [];
  let publicOnly = 0;
  for (const element of matchElements) {
    const parsed = readOneMatch(element, allowPublicXaddrs);
    if (parsed === 'malformed') return { kind: 'malformed' };
    if (parsed === 'publicOnly') publicOnly += 1;
    else matches.push(parsed);
  }
  return { kind: 'matches', matches, publicOnly };
}

function readOneMatch(element: XmlElement, allowPublicXaddrs: boolean): ParsedMatch | 'malformed' | 'publicOnly' {
  const endpoint = findElements(element.inner, 'EndpointReference')[0];
  const urn = endpoint === undefined ? undefined : elementText(endpoint.inner, 'Address');
  if (urn === undefined || urn.length === 0 || urn.length > maxUrnChars || /\s/.test(urn)) return 'malformed';

  const allXaddrs = words(elementText(element.inner, 'XAddrs'));
  if (allXaddrs.length === 0 || allXaddrs.length > maxXaddrsPerMatch) return 'malformed';
  if (allXaddrs.some((xaddr) => xaddr.length > maxUrlChars || !/^https?:\/\//i.test(xaddr))) return 'malformed';
  const xaddrs = orderXaddrs(allowPublicXaddrs ? allXaddrs : allXaddrs.filter(isLanUrl));
  if (xaddrs.length === 0) return 'publicOnly';

  const scopes = words(elementText(element.inner, 'Scopes'));
  if (scopes.length > maxScopesPerMatch || scopes.some((scope) => scope.length > maxUrlChars)) return 'malformed';
  const types = words(elementText(element.inner, 'Types'));

  const match: ParsedMatch = { urn, xaddrs, scopes, types };
  const name = scopeValue(scopes, 'name');
  const hardware = scopeValue(scopes, 'hardware');
  if (name !== undefined) match.name = name;
  if (hardware !== undefined) match.hardware = hardware;
  return match;
}

function words(text: string | undefined): string[] {
  return text === undefined ? [] : text.split(/\s+/).filter((word) => word.length > 0);
}

/** Value of an `onvif://www.onvif.org/<key>/<value>` scope, percent-decoded (cameras encode spaces). */
export function scopeValue(scopes: readonly string[], key: string): string | undefined {
  const prefix = `onvif://www.onvif.org/${key}/`;
  const scope = scopes.find((candidate) => candidate.toLowerCase().startsWith(prefix));
  if (scope === undefined) return undefined;
  const raw = scope.slice(prefix.length);
  try {
    return decodeURIComponent(raw);
  } catch (error) {
    if (error instanceof URIError) return raw; // Not percent-encoded as it should be; keep it as sent.
    throw error;
  }
}
