/**
 * Response bodies of the simulated ONVIF device and media services (Profile S,
 * Media1). Shapes follow what real cameras send and what the `onvif` package
 * reads: e.g. each profile's VideoSourceConfiguration.SourceToken must name a
 * token from GetVideoSources, or the package throws "Unrecognized configuration"
 * from inside a socket callback.
 */
import { escapeXml } from '../../discovery/xmlText.ts';

export interface DeviceInfo {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
  /** MAC address, "aa:bb:cc:dd:ee:ff". */
  mac: string;
}

export interface MediaProfileSpec {
  token: 'main' | 'sub';
  name: string;
  width: number;
  height: number;
  frameRate: number;
  bitrateKbps: number;
}

/** The two profiles every simulated camera offers; tokens double as stream names. */
export const mediaProfiles: readonly MediaProfileSpec[] = [
  { token: 'main', name: 'MainStream', width: 1280, height: 720, frameRate: 15, bitrateKbps: 2048 },
  { token: 'sub', name: 'SubStream', width: 640, height: 360, frameRate: 15, bitrateKbps: 512 },
];

const videoSourceToken = 'VideoSource_1';
const videoSourceConfigurationToken = 'VideoSourceConfig_1';

export interface ServiceUrls {
  device: string;
  media: string;
  host: string;
}

const t = escapeXml;

export function systemDateAndTimeResponse(deviceNowMs: number): string {
  const now = new Date(deviceNowMs);
  const dateTime =
    `<tt:Time><tt:Hour>${now.getUTCHours()}</tt:Hour><tt:Minute>${now.getUTCMinutes()}</tt:Minute><tt:Second>${now.getUTCSeconds()}</tt:Second></tt:Time>` +
    `<tt:Date><tt:Year>${now.getUTCFullYear()}</tt:Year><tt:Month>${now.getUTCMonth() + 1}</tt:Month><tt:Day>${now.getUTCDate()}</tt:Day></tt:Date>`;
  return (
    '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>' +
    '<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>' +
    '<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>' +
    `<tt:UTCDateTime>${dateTime}</tt:UTCDateTime><tt:LocalDateTime>${dateTime}</tt:LocalDateTime>` +
    '</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>'
  );
}

export function deviceInformationResponse(device: DeviceInfo): string {
  return (
    '<tds:GetDeviceInformationResponse>' +
    `<tds:Manufacturer>${t(device.manufacturer)}</tds:Manufacturer>` +
    `<tds:Model>${t(device.model)}</tds:Model>` +
    `<tds:FirmwareVersion>${t(device.firmwareVersion)}</tds:FirmwareVersion>` +
    `<tds:SerialNumber>${t(device.serialNumber)}</tds:SerialNumber>` +
    `<tds:HardwareId>${t(device.hardwareId)}</tds:HardwareId>` +
    '</tds:GetDeviceInformationResponse>'
  );
}

export function capabilitiesResponse(urls: ServiceUrls): string {
  return (
    '<tds:GetCapabilitiesResponse><tds:Capabilities>' +
    `<tt:Device><tt:XAddr>${t(urls.device)}</tt:XAddr>` +
    '<tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration><tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network>' +
    '<tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>false</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>' +
    '<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions></tt:System>' +
    '<tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>false</tt:TLS1.2><tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration><tt:AccessPolicyConfig>false</tt:AccessPolicyConfig><tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken><tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken></tt:Security>' +
    '</tt:Device>' +
    `<tt:Media><tt:XAddr>${t(urls.media)}</tt:XAddr>` +
    '<tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities>' +
    '</tt:Media>' +
    '</tds:Capabilities></tds:GetCapabilitiesResponse>'
  );
}

export function servicesResponse(urls: ServiceUrls): string {
  const service = (namespace: string, xaddr: string): string =>
    `<tds:Service><tds:Namespace>${namespace}</tds:Namespace><tds:XAddr>${t(xaddr)}</tds:XAddr>` +
    '<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>';
  // Media1 only: advertising ver20/media would switch the `onvif` package to Media2 calls.
  return (
    '<tds:GetServicesResponse>' +
    service('http://www.onvif.org/ver10/device/wsdl', urls.device) +
    service('http://www.onvif.org/ver10/media/wsdl', urls.media) +
    '</tds:GetServicesResponse>'
  );
}

export function scopesResponse(scopes: readonly string[]): string {
  return (
    '<tds:GetScopesResponse>' +
    scopes.map((scope) => `<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>${t(scope)}</tt:ScopeItem></tds:Scopes>`).join('') +
    '</tds:GetScopesResponse>'
  );
}

export function networkInterfacesResponse(device: DeviceInfo, host: string): string {
  return (
    '<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0">' +
    '<tt:Enabled>true</tt:Enabled>' +
    `<tt:Info><tt:Name>eth0</tt:Name><tt:HwAddress>${t(device.mac)}</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>` +
    '<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config>' +
    `<tt:Manual><tt:Address>${t(host)}</tt:Address><tt:PrefixLength>24</tt:PrefixLength></tt:Manual>` +
    '<tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4>' +
    '</tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>'
  );
}

export function videoSourcesResponse(): string {
  const main = mediaProfiles[0];
  return (
    `<trt:GetVideoSourcesResponse><trt:VideoSources token="${videoSourceToken}">` +
    `<tt:Framerate>${main?.frameRate ?? 15}</tt:Framerate>` +
    `<tt:Resolution><tt:Width>${main?.width ?? 1280}</tt:Width><tt:Height>${main?.height ?? 720}</tt:Height></tt:Resolution>` +
    '</trt:VideoSources></trt:GetVideoSourcesResponse>'
  );
}

function profileXml(profile: MediaProfileSpec): string {
  const main = mediaProfiles[0];
  return (
    `<trt:Profiles token="${profile.token}" fixed="true">` +
    `<tt:Name>${profile.name}</tt:Name>` +
    `<tt:VideoSourceConfiguration token="${videoSourceConfigurationToken}">` +
    `<tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>${mediaProfiles.length}</tt:UseCount>` +
    `<tt:SourceToken>${videoSourceToken}</tt:SourceToken>` +
    `<tt:Bounds x="0" y="0" width="${main?.width ?? profile.width}" height="${main?.height ?? profile.height}"/>` +
    '</tt:VideoSourceConfiguration>' +
    `<tt:VideoEncoderConfiguration token="VideoEncoder_${profile.token}">` +
    `<tt:Name>${profile.name}</tt:Name><tt:UseCount>1</tt:UseCount>` +
    '<tt:Encoding>H264</tt:Encoding>' +
    `<tt:Resolution><tt:Width>${profile.width}</tt:Width><tt:Height>${profile.height}</tt:Height></tt:Resolution>` +
    '<tt:Quality>5</tt:Quality>' +
    `<tt:RateControl><tt:FrameRateLimit>${profile.frameRate}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>${profile.bitrateKbps}</tt:BitrateLimit></tt:RateControl>` +
    `<tt:H264><tt:GovLength>${profile.frameRate * 2}</tt:GovLength><tt:H264Profile>Main</tt:H264Profile></tt:H264>` +
    '<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>1</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>' +
    '<tt:SessionTimeout>PT60S</tt:SessionTimeout>' +
    '</tt:VideoEncoderConfiguration>' +
    '</trt:Profiles>'
  );
}

export function profilesResponse(): string {
  return `<trt:GetProfilesResponse>${mediaProfiles.map(profileXml).join('')}</trt:GetProfilesResponse>`;
}

function mediaUriXml(uri: string): string {
  return (
    `<trt:MediaUri><tt:Uri>${t(uri)}</tt:Uri>` +
    '<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>' +
    '<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri>'
  );
}

export function streamUriResponse(uri: string): string {
  return `<trt:GetStreamUriResponse>${mediaUriXml(uri)}</trt:GetStreamUriResponse>`;
}

export function snapshotUriResponse(uri: string): string {
  return `<trt:GetSnapshotUriResponse>${mediaUriXml(uri)}</trt:GetSnapshotUriResponse>`;
}
