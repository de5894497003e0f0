/**
 * The media side of an ONVIF conversation: profiles, stream and snapshot URIs, over
 * Media1 (ver10) and, where a device gives no stream there, Media2 (ver20).
 *
 * Written as our own SOAP bodies, sent through the package's request helper (which adds
 * WS-UsernameToken and answers Digest challenges): its own media calls index the parsed
 * answer blindly inside a socket callback and put device-given tokens into the XML
 * unescaped. Each answer is read with xmlText.ts.
 */
import type { Logger } from '../log.ts';
import { OnvifAuthError, OnvifError, OnvifProtocolError, OnvifTimeoutError, refusalReason } from './onvifErrors.ts';
import { chooseStreamProfiles, completeProfile, hasGaps, parseEncoderConfigurations, parseProfiles, type EncoderSettings, type MediaProfile } from './onvifProfiles.ts';
import { elementText, escapeXml, findElements } from './xmlText.ts';

export type MediaService = 'media' | 'media2';

export const mediaNamespaces: Record<MediaService, string> = {
  media: 'http://www.onvif.org/ver10/media/wsdl',
  media2: 'http://www.onvif.org/ver20/media/wsdl',
};
const deviceNamespace = 'http://www.onvif.org/ver10/device/wsdl';

/** One authenticated SOAP request; resolves with the raw (DTD-checked) answer. */
export type SoapCall = (service: 'device' | MediaService, operation: string, namespace: string, body: string) => Promise<string>;

export interface StreamInfo extends MediaProfile {
  /** RTSP URI as the camera gives it (no credentials embedded). */
  uri: string;
}

export interface StreamUris {
  /** Best profile: H.264/H.265 before MPEG-4 and MJPEG, then the largest. */
  main: StreamInfo;
  /** Smallest other profile of the main's codec class, when the camera has one. */
  sub?: StreamInfo;
  /** What was left out or inferred, in words (a refused sub stream, Media2 used, a guessed resolution). */
  notes?: string[];
}

export interface MediaReader {
  profiles(): Promise<MediaProfile[]>;
  streamUris(): Promise<StreamUris>;
  /** Snapshot URI of `profileToken` (default: the main profile); throws when the device has none. */
  snapshotUri(profileToken?: string): Promise<string>;
}

export interface MediaReaderOptions {
  address: string;
  call: SoapCall;
  /** Whether the device has a Media1 service (from GetCapabilities). */
  hasMedia1: boolean;
  /** Finds (once) and registers the Media2 service address; false when the device has none. */
  media2: () => Promise<boolean>;
  /** Throws OnvifProtocolError for a missing, foreign or non-LAN URI. */
  checkUri: (uri: string | undefined, action: string, schemes: readonly string[]) => string;
  log: Logger;
}

/** Reuse a profile reading for this long: getStreamUris and getSnapshotUri right after it need the same answer. */
const profileReuseMs = 5_000;
const rtspSchemes = ['rtsp://', 'rtsps://'] as const;
const httpSchemes = ['http://', 'https://'] as const;

/** A fault or an unusable answer: another service may still answer. Wrong passwords and timeouts are not retried elsewhere. */
function worthAnotherService(error: unknown): boolean {
  return error instanceof OnvifError && !(error instanceof OnvifAuthError) && !(error instanceof OnvifTimeoutError);
}

export function mediaReader(options: MediaReaderOptions): MediaReader {
  const { address, call, log } = options;
  let cached: { atMs: number; profiles: MediaProfile[] } | undefined;
  /** Set once Media1 failed to give a URI and Media2 did: later calls go there first. */
  let preferMedia2 = false;

  const encoderSettings = async (service: MediaService, tokens: string[]): Promise<Map<string, EncoderSettings>> => {
    const found = new Map<string, EncoderSettings>();
    const namespace = mediaNamespaces[service];
    for (const token of tokens) {
      try {
        const body = `<ConfigurationToken>${escapeXml(token)}</ConfigurationToken>`;
        const operation = service === 'media' ? 'GetVideoEncoderConfiguration' : 'GetVideoEncoderConfigurations';
        for (const [key, value] of parseEncoderConfigurations(await call(service, operation, namespace, body))) found.set(key, value);
      } catch (error) {
        if (!(error instanceof OnvifError)) throw error;
        log.debug('onvif encoder configuration not given', { address, token, error: error.message });
      }
    }
    if (tokens.some((token) => !found.has(token)) && service === 'media') {
      try {
        for (const [key, value] of parseEncoderConfigurations(await call(service, 'GetVideoEncoderConfigurations', namespace, ''))) {
          if (!found.has(key)) found.set(key, value);
        }
      } catch (error) {
        if (!(error instanceof OnvifError)) throw error;
        log.debug('onvif encoder configurations not given', { address, error: error.message });
      }
    }
    return found;
  };

  const readFrom = async (service: MediaService): Promise<MediaProfile[]> => {
    const body = service === 'media2' ? '<Type>All</Type>' : '';
    const parsed = parseProfiles(await call(service, 'GetProfiles', mediaNamespaces[service], body), service);
    const gaps = parsed.filter(hasGaps).map((profile) => profile.encoderToken).filter((token): token is string => token !== undefined);
    const encoders = gaps.length > 0 ? await encoderSettings(service, [...new Set(gaps)]) : new Map<string, EncoderSettings>();
    return parsed.map((profile) => {
      const complete = completeProfile(profile, profile.encoderToken === undefined ? undefined : encoders.get(profile.encoderToken));
      if (complete.note !== undefined) log.info('onvif profile described incompletely', { address, profile: complete.token, note: complete.note });
      return complete;
    });
  };

  const profiles = async (): Promise<MediaProfile[]> => {
    if (cached !== undefined && Date.now() - cached.atMs < profileReuseMs) return cached.profiles;
    let found: MediaProfile[] = [];
    let media1Error: unknown;
    if (options.hasMedia1) {
      try {
        found = await readFrom('media');
      } catch (error) {
        if (!worthAnotherService(error)) throw error;
        media1Error = error;
      }
    }
    if (found.length === 0 && (await options.media2())) {
      try {
        found = await readFrom('media2');
      } catch (error) {
        if (!worthAnotherService(error) || media1Error === undefined) throw error;
      }
    }
    if (found.length === 0) {
      if (media1Error !== undefined) throw media1Error;
      throw new OnvifProtocolError(
        `ONVIF device at ${address} reports no video profiles: configure at least one H.264/H.265 stream on the camera's own web page`,
        address,
        'GetProfiles',
      );
    }
    cached = { atMs: Date.now(), profiles: found };
    return found;
  };

  /** Media1 first (unless Media2 already proved the way), then the other service. */
  const uriOf = async (profile: MediaProfile, action: 'GetStreamUri' | 'GetSnapshotUri', notes: string[]): Promise<string> => {
    const schemes = action === 'GetStreamUri' ? rtspSchemes : httpSchemes;
    const order: MediaService[] = profile.service === 'media2' || preferMedia2 ? ['media2', 'media'] : ['media', 'media2'];
    const failures: string[] = [];
    let lastError: unknown;
    for (const service of order) {
      if (service === 'media' && !options.hasMedia1) continue;
      if (service === 'media2' && !(await options.media2())) continue;
      const token = `<ProfileToken>${escapeXml(profile.token)}</ProfileToken>`;
      const body =
        action === 'GetSnapshotUri'
          ? token
          : service === 'media2'
            ? `<Protocol>RTSP</Protocol>${token}`
            : '<StreamSetup><Stream xmlns="http://www.onvif.org/ver10/schema">RTP-Unicast</Stream><Transport xmlns="http://www.onvif.org/ver10/schema"><Protocol>RTSP</Protocol></Transport></StreamSetup>' + token;
      try {
        const xml = await call(service, action, mediaNamespaces[service], body);
        const uri = options.checkUri(elementText(xml, 'Uri'), action, schemes);
        if (service === 'media2' && order[0] === 'media') {
          preferMedia2 = true;
          notes.push(`${action} answered over Media2 (ver20) only`);
          log.info('onvif device answers over Media2 only', { address, action, profile: profile.token });
        }
        return uri;
      } catch (error) {
        if (!worthAnotherService(error)) throw error;
        lastError = error;
        failures.push(`${service === 'media2' ? 'Media2' : 'Media1'}: ${(error as Error).message}`);
      }
    }
    if (failures.length <= 1 && lastError instanceof OnvifError) throw lastError;
    throw new OnvifProtocolError(
      `ONVIF device at ${address} gives no ${action === 'GetStreamUri' ? 'stream' : 'snapshot'} address for profile "${profile.name}" over Media1 or Media2 (${failures.join('; ')}); add the camera by its RTSP URL instead`,
      address,
      action,
      { cause: lastError },
    );
  };

  const streamUris = async (): Promise<StreamUris> => {
    const choice = chooseStreamProfiles(await profiles());
    if (choice === undefined) {
      throw new OnvifProtocolError(`ONVIF device at ${address} has no video profiles`, address, 'GetProfiles');
    }
    const notes: string[] = [];
    if (choice.main.note !== undefined) notes.push(`main profile "${choice.main.name}": ${choice.main.note}`);
    const main: StreamInfo = { ...choice.main, uri: await uriOf(choice.main, 'GetStreamUri', notes) };
    if (choice.sub === undefined) return notes.length > 0 ? { main, notes } : { main };
    try {
      const sub: StreamInfo = { ...choice.sub, uri: await uriOf(choice.sub, 'GetStreamUri', notes) };
      if (choice.sub.note !== undefined) notes.push(`sub profile "${choice.sub.name}": ${choice.sub.note}`);
      return notes.length > 0 ? { main, sub, notes } : { main, sub };
    } catch (error) {
      if (!(error instanceof OnvifError) || error instanceof OnvifAuthError) throw error;
      // The sub stream is a convenience (motion, thumbnails); the main one is what records.
      notes.push(`no sub stream: ${refusalReason(error)}`);
      log.info('onvif sub stream left out', { address, profile: choice.sub.token, error: error.message });
      return { main, notes };
    }
  };

  const snapshotUri = async (profileToken?: string): Promise<string> => {
    const all = await profiles();
    const profile = profileToken === undefined ? chooseStreamProfiles(all)?.main : (all.find((p) => p.token === profileToken) ?? { token: profileToken, name: profileToken, codec: 'unknown', width: 0, height: 0 });
    if (profile === undefined) throw new OnvifProtocolError(`ONVIF device at ${address} has no video profiles`, address, 'GetProfiles');
    return uriOf(profile, 'GetSnapshotUri', []);
  };

  return { profiles, streamUris, snapshotUri };
}

/** XAddrs of the Media1 and Media2 services in a GetServices answer. */
export function mediaServicesOf(servicesXml: string): Partial<Record<MediaService | 'device', string>> {
  const found: Partial<Record<MediaService | 'device', string>> = {};
  for (const service of findElements(servicesXml, 'Service')) {
    const namespace = elementText(service.inner, 'Namespace');
    const xaddr = elementText(service.inner, 'XAddr');
    if (namespace === undefined || xaddr === undefined) continue;
    if (namespace === mediaNamespaces.media) found.media ??= xaddr;
    else if (namespace === mediaNamespaces.media2) found.media2 ??= xaddr;
    else if (namespace === deviceNamespace) found.device ??= xaddr;
  }
  return found;
}
