/**
 * WS-Discovery responder for one simulated camera (2005/04 namespace, as cameras use).
 *
 * One responder per camera: each binds the group address on the discovery port
 * with SO_REUSEADDR, so N cameras in one process each get a copy of every probe
 * and answer for themselves, the way N real cameras on a LAN would. XAddrs and
 * scopes are read through getters on every probe so a camera that moves to a
 * new address (the DHCP-swap scenario of docs/DESIGN.md, "Identity") is found at the new one.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { silentLogger, type Logger } from '../../log.ts';
import { openPinnedMulticastSocket, type PinnedSocket } from '../../discovery/multicastSocket.ts';
import { assertSafeXml, elementText, escapeXml, findElement, firstBodyChildName, UnsafeXmlError } from '../../discovery/xmlText.ts';

export interface DiscoveryResponderOptions {
  /** Local IPv4 address whose interface joins the group, e.g. "127.0.0.1". Required: no "all interfaces". */
  interfaceAddress: string;
  /** Stable endpoint id, "urn:uuid:…"; see endpointUrnForSerial. */
  endpointUrn: string;
  /** Device service URLs, read on every probe. */
  xaddrs: () => string[];
  /** Human name, hardware (model) and location scopes, read on every probe. */
  scopes: () => { name: string; hardware: string; location: string };
  /** Discovery port; default 3702. */
  port?: number;
  /** Read on every probe; false = stay silent (camera unplugged or hung). Default: always answer. */
  answering?: () => boolean;
  log?: Logger;
}

export interface DiscoveryResponder {
  readonly endpointUrn: string;
  close(): Promise<void>;
}

const wsdNamespace = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
const wsaNamespace = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
const networkNamespace = 'http://www.onvif.org/ver10/network/wsdl';
const deviceNamespace = 'http://www.onvif.org/ver10/device/wsdl';
/** Probes are ~600 bytes; anything far larger is not a probe. */
const maxProbeBytes = 16 * 1024;

/** A urn:uuid derived from the serial number: stable across restarts, distinct per camera. */
export function endpointUrnForSerial(serialNumber: string): string {
  const hex = createHash('sha1').update(`hearth-simulated-camera:${serialNumber}`).digest('hex');
  // Shape it as a version-5 (name-based, SHA-1) UUID.
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

export async function startDiscoveryResponder(options: DiscoveryResponderOptions): Promise<DiscoveryResponder> {
  const log = (options.log ?? silentLogger).child({ component: 'wsd-responder' });
  const pinned: PinnedSocket = await openPinnedMulticastSocket({
    interfaceAddress: options.interfaceAddress,
    role: 'listener',
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  const instanceId = Math.floor(Date.now() / 1000);
  let messageNumber = 0;

  pinned.socket.on('error', (error) => log.warn('discovery responder socket error', { error: error.message }));
  pinned.socket.on('message', (message: Buffer, remote: RemoteInfo) => {
    if (message.length > maxProbeBytes || options.answering?.() === false) return;
    const probeMessageId = readProbe(message.toString('utf8'), log);
    if (probeMessageId === undefined) return;
    messageNumber += 1;
    const reply = buildProbeMatches({
      probeMessageId,
      endpointUrn: options.endpointUrn,
      xaddrs: options.xaddrs(),
      scopes: options.scopes(),
      instanceId,
      messageNumber,
    });
    // Unicast to the sender, as WS-Discovery specifies; the sender is on the pinned interface.
    pinned.socket.send(reply, remote.port, remote.address, (error) => {
      if (error) log.warn('discovery reply send failed', { to: remote.address, error: error.message });
    });
  });

  return { endpointUrn: options.endpointUrn, close: () => pinned.close() };
}

/** The probe's MessageID when `xml` is a Probe this device should answer, else undefined. */
function readProbe(xml: string, log: Logger): string | undefined {
  try {
    assertSafeXml(xml);
  } catch (error) {
    if (error instanceof UnsafeXmlError) {
      log.debug('ignored probe with DTD');
      return undefined;
    }
    throw error;
  }
  if (firstBodyChildName(xml) !== 'Probe') return undefined;
  const messageId = elementText(xml, 'MessageID');
  if (messageId === undefined || messageId.length === 0 || messageId.length > 256) return undefined;
  const probeElement = findElement(xml, 'Probe');
  const types = (probeElement === undefined ? undefined : elementText(probeElement.inner, 'Types')) ?? '';
  return matchesOurTypes(types) ? messageId : undefined;
}

/** No types = "everyone answer"; otherwise one listed type must be ours (prefix ignored: clients pick their own). */
function matchesOurTypes(types: string): boolean {
  const listed = types.split(/\s+/).filter((type) => type.length > 0);
  if (listed.length === 0) return true;
  return listed.some((type) => {
    const local = type.includes(':') ? type.slice(type.indexOf(':') + 1) : type;
    return local === 'NetworkVideoTransmitter' || local === 'Device';
  });
}

function scopeSegment(value: string): string {
  return encodeURIComponent(value);
}

function buildProbeMatches(input: {
  probeMessageId: string;
  endpointUrn: string;
  xaddrs: string[];
  scopes: { name: string; hardware: string; location: string };
  instanceId: number;
  messageNumber: number;
}): Buffer {
  const scopes = [
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/Profile/Streaming',
    `onvif://www.onvif.org/name/${scopeSegment(input.scopes.name)}`,
    `onvif://www.onvif.org/hardware/${scopeSegment(input.scopes.hardware)}`,
    `onvif://www.onvif.org/location/${scopeSegment(input.scopes.location)}`,
  ];
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="${wsaNamespace}" xmlns:d="${wsdNamespace}" xmlns:dn="${networkNamespace}" xmlns:tds="${deviceNamespace}">` +
    '<SOAP-ENV:Header>' +
    `<wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>` +
    `<wsa:RelatesTo>${escapeXml(input.probeMessageId)}</wsa:RelatesTo>` +
    `<wsa:To SOAP-ENV:mustUnderstand="true">${wsaNamespace}/role/anonymous</wsa:To>` +
    `<wsa:Action SOAP-ENV:mustUnderstand="true">${wsdNamespace}/ProbeMatches</wsa:Action>` +
    `<d:AppSequence SOAP-ENV:mustUnderstand="true" InstanceId="${input.instanceId}" MessageNumber="${input.messageNumber}"/>` +
    '</SOAP-ENV:Header>' +
    '<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>' +
    `<wsa:EndpointReference><wsa:Address>${escapeXml(input.endpointUrn)}</wsa:Address></wsa:EndpointReference>` +
    '<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>' +
    `<d:Scopes>${escapeXml(scopes.join(' '))}</d:Scopes>` +
    `<d:XAddrs>${escapeXml(input.xaddrs.join(' '))}</d:XAddrs>` +
    '<d:MetadataVersion>1</d:MetadataVersion>' +
    '</d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body>' +
    '</SOAP-ENV:Envelope>';
  return Buffer.from(xml, 'utf8');
}
