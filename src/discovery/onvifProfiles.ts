/**
 * Media profiles as cameras describe them, and which two Hearth records.
 *
 * Real answers this has to read (../shared/realcams): a Hikvision whose biggest profile
 * is MPEG-4 and whose H.264 ones are 704x576; an Axis with an H.264 and a same-size MJPEG
 * profile; a Lorex (Dahua OEM) whose main profile lists its encoder without Encoding or
 * Resolution; Media2 (ver20) profiles whose encoder sits under Configurations.
 */
import { elementText, findElement, findElements } from './xmlText.ts';

export interface MediaProfile {
  token: string;
  name: string;
  /** Video codec as the camera names it: "H264", "H265", "JPEG", …; "unknown" when it does not say. */
  codec: string;
  /** 0 when the camera reports no resolution anywhere. */
  width: number;
  height: number;
  frameRate?: number;
  /** Which ONVIF media service described the profile; stream URIs are asked there first. */
  service?: 'media' | 'media2';
  /** Where a value came from when the profile itself did not carry it, e.g. "resolution from its video source". */
  note?: string;
}

/** A profile as parsed, before gaps are filled from its encoder configuration. */
export interface ParsedProfile extends MediaProfile {
  /** Token of its video encoder configuration, for GetVideoEncoderConfiguration. */
  encoderToken: string | undefined;
  /** Bounds of its video source configuration: the most an encoder of it can send. */
  sourceWidth: number | undefined;
  sourceHeight: number | undefined;
}

export interface EncoderSettings {
  codec: string | undefined;
  width: number | undefined;
  height: number | undefined;
  frameRate: number | undefined;
}

function positive(text: string | undefined): number | undefined {
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Encoding, resolution and frame rate of one video encoder configuration element (Media1 or Media2). */
export function readEncoder(inner: string, attributes?: ReadonlyMap<string, string>): EncoderSettings {
  const resolution = findElement(inner, 'Resolution');
  const codec = elementText(inner, 'Encoding') ?? attributes?.get('Encoding');
  return {
    codec: codec === undefined || codec.length === 0 ? undefined : codec,
    width: resolution === undefined ? undefined : positive(elementText(resolution.inner, 'Width')),
    height: resolution === undefined ? undefined : positive(elementText(resolution.inner, 'Height')),
    frameRate: positive(elementText(inner, 'FrameRateLimit')),
  };
}

/**
 * Video profiles of a GetProfiles answer, Media1 (VideoEncoderConfiguration) or Media2
 * (Configurations/VideoEncoder). Profiles without any video encoder (audio or metadata
 * only) are not video streams and are left out; missing fields are kept as gaps.
 */
export function parseProfiles(xml: string, service: 'media' | 'media2' = 'media'): ParsedProfile[] {
  const profiles: ParsedProfile[] = [];
  for (const element of findElements(xml, 'Profiles')) {
    const token = element.attributes.get('token');
    const encoder = findElement(element.inner, 'VideoEncoderConfiguration') ?? findElement(element.inner, 'VideoEncoder');
    if (token === undefined || encoder === undefined) continue;
    const settings = readEncoder(encoder.inner, encoder.attributes);
    const source = findElement(element.inner, 'VideoSourceConfiguration') ?? findElement(element.inner, 'VideoSource');
    const bounds = source === undefined ? undefined : findElement(source.inner, 'Bounds');
    const profile: ParsedProfile = {
      token,
      // The profile's own Name precedes its configurations' Names.
      name: elementText(element.inner, 'Name') ?? token,
      codec: settings.codec ?? 'unknown',
      width: settings.width ?? 0,
      height: settings.height ?? 0,
      service,
      encoderToken: encoder.attributes.get('token'),
      sourceWidth: positive(bounds?.attributes.get('width')),
      sourceHeight: positive(bounds?.attributes.get('height')),
    };
    if (settings.frameRate !== undefined) profile.frameRate = settings.frameRate;
    profiles.push(profile);
  }
  return profiles;
}

/** Every video encoder configuration in a GetVideoEncoderConfiguration(s) answer, by token. */
export function parseEncoderConfigurations(xml: string): Map<string, EncoderSettings> {
  const found = new Map<string, EncoderSettings>();
  for (const name of ['Configuration', 'Configurations']) {
    for (const element of findElements(xml, name)) {
      const token = element.attributes.get('token');
      if (token !== undefined && !found.has(token)) found.set(token, readEncoder(element.inner, element.attributes));
    }
  }
  return found;
}

/** Fills a profile's gaps: first from its encoder configuration, then resolution from its video source. */
export function completeProfile(profile: ParsedProfile, encoder: EncoderSettings | undefined): MediaProfile {
  const notes: string[] = [];
  let { codec, width, height } = profile;
  if (codec === 'unknown' && encoder?.codec !== undefined) {
    codec = encoder.codec;
    notes.push('codec from its encoder configuration');
  }
  if ((width === 0 || height === 0) && encoder?.width !== undefined && encoder.height !== undefined) {
    ({ width, height } = { width: encoder.width, height: encoder.height });
    notes.push('resolution from its encoder configuration');
  }
  if ((width === 0 || height === 0) && profile.sourceWidth !== undefined && profile.sourceHeight !== undefined) {
    ({ width, height } = { width: profile.sourceWidth, height: profile.sourceHeight });
    notes.push('resolution from its video source (the encoder did not report one)');
  }
  if (width === 0 || height === 0) notes.push('resolution not reported');
  if (codec === 'unknown') notes.push('codec not reported; taken as H.264/H.265');
  const complete: MediaProfile = { token: profile.token, name: profile.name, codec, width, height };
  const frameRate = profile.frameRate ?? encoder?.frameRate;
  if (frameRate !== undefined) complete.frameRate = frameRate;
  if (profile.service !== undefined) complete.service = profile.service;
  if (notes.length > 0) complete.note = notes.join('; ');
  return complete;
}

/** True when the profile needs its encoder configuration asked for. */
export function hasGaps(profile: ParsedProfile): boolean {
  return profile.codec === 'unknown' || profile.width === 0 || profile.height === 0;
}

/**
 * 0: H.264/H.265, and profiles that do not name a codec (Lorex/Dahua mains: what they
 * stream is H.264/H.265 in practice); 1: MPEG-4 and anything else; 2: JPEG/MJPEG, which
 * costs the disk ten times the bytes and cannot be copied into MP4 for the browser.
 */
export function codecTier(codec: string): number {
  const name = codec.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (name === 'H264' || name === 'H265' || name === 'HEVC' || name === 'AVC' || name === 'UNKNOWN') return 0;
  if (name === 'JPEG' || name === 'MJPEG' || name === 'MJPG') return 2;
  return 1;
}

export interface StreamChoice {
  main: MediaProfile;
  sub?: MediaProfile;
}

/**
 * Codec first, then resolution. main: the largest profile of the best codec tier (a
 * profile naming its codec wins a tie with one that does not, then the camera's order).
 * sub: the smallest other profile of that same tier, never an MJPEG or MPEG-4 one when
 * H.264/H.265 exists; none when the tier has only the main profile.
 */
export function chooseStreamProfiles(profiles: readonly MediaProfile[]): StreamChoice | undefined {
  if (profiles.length === 0) return undefined;
  const indexed = profiles.map((profile, index) => ({ profile, index, tier: codecTier(profile.codec), pixels: profile.width * profile.height }));
  const bestTier = Math.min(...indexed.map((entry) => entry.tier));
  const candidates = indexed.filter((entry) => entry.tier === bestTier);
  const named = (codec: string): number => (codec.toLowerCase() === 'unknown' ? 1 : 0);
  const [main] = [...candidates].sort((a, b) => b.pixels - a.pixels || named(a.profile.codec) - named(b.profile.codec) || a.index - b.index);
  if (main === undefined) return undefined;
  const [sub] = candidates
    .filter((entry) => entry.profile.token !== main.profile.token)
    .sort((a, b) => a.pixels - b.pixels || named(a.profile.codec) - named(b.profile.codec) || a.index - b.index);
  return sub === undefined ? { main: main.profile } : { main: main.profile, sub: sub.profile };
}
