/**
 * Adopt a discovered ONVIF device: prove the credentials, read who it is and its
 * profiles, and store it with its hardware identity bound (docs/DESIGN.md, "Identity").
 * Nothing is stored until every question has been answered, so a wrong password
 * never leaves a broken camera behind.
 */
import type { Db } from '../db/sqlite.ts';
import type { Logger } from '../log.ts';
import { connectOnvif, OnvifAuthError, OnvifError, type DeviceIdentity, type OnvifConnectOptions, type OnvifDevice, type StreamInfo } from '../discovery/onvifClient.ts';
import { noDeviceFacts, readDeviceFacts } from '../discovery/deviceFacts.ts';
import { normalizeMac } from '../discovery/macAddress.ts';
import { getCamera, listCameras, upsertCamera } from './cameraRows.ts';
import { bindIdentityOnce } from './identityRows.ts';
import { cameraChanged } from './registryEvents.ts';

export class AdoptionError extends Error {
  override name = 'AdoptionError';
  constructor(
    message: string,
    /** 'auth' → 401-ish, 'unreachable' → 502-ish, 'conflict' → 409, 'invalid' → 400. */
    readonly kind: 'auth' | 'unreachable' | 'conflict' | 'invalid',
  ) {
    super(message);
  }
}

export interface AdoptRequest {
  /** Device service URL (an XAddr from discovery). */
  onvifUrl: string;
  username: string;
  password: string;
  id?: string;
  name?: string;
}

export interface AdoptOptions {
  db: Db;
  log: Logger;
  timeoutMs?: number;
  connect?: (options: OnvifConnectOptions) => Promise<OnvifDevice>;
  nowMs?: number;
}

export interface AdoptedCamera {
  id: string;
  name: string;
  identity: DeviceIdentity;
  mac: string | null;
  streams: { main: AdoptedStream; sub: AdoptedStream | null };
  /** From GetSnapshotUri; null where the camera has none (snapshots then come from the stream). */
  snapshotUri: string | null;
  /** Optional fields the camera did not give, and values Hearth inferred, in words. Empty when complete. */
  notes: string[];
}

export interface AdoptedStream {
  width: number;
  height: number;
  codec: string;
  /** ONVIF profile token the stream comes from. */
  profile: string;
}

const idPattern = /^[a-z0-9-]{1,40}$/;

/** "Front Porch #2" → "front-porch-2"; never empty. */
export function slugOf(text: string): string {
  const slug = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return slug || 'camera';
}

/** The slug, or slug-2, slug-3, …: ids are never reused for a different camera. */
export function uniqueCameraId(db: Db, base: string): string {
  const taken = new Set(listCameras(db).map((c) => c.id));
  if (!taken.has(base)) return base;
  for (let n = 2; n < 1000; n += 1) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
  throw new AdoptionError(`too many cameras are named like "${base}"; give this one an id`, 'conflict');
}

/** RTSP URIs from ONVIF carry no credentials; the recorder needs them in the URL. */
function withCredentials(uri: string, username: string, password: string): string {
  const url = new URL(uri);
  if (!url.username && username) {
    url.username = encodeURIComponent(username);
    url.password = encodeURIComponent(password);
  }
  return url.toString();
}

export async function adoptCamera(request: AdoptRequest, options: AdoptOptions): Promise<AdoptedCamera> {
  const { db, log } = options;
  if (request.id !== undefined && !idPattern.test(request.id)) {
    throw new AdoptionError(`camera id "${request.id}" is not valid: use lower-case letters, digits and dashes (up to 40)`, 'invalid');
  }
  if (request.id !== undefined && getCamera(db, request.id)) {
    throw new AdoptionError(`a camera with id "${request.id}" already exists: choose another id`, 'conflict');
  }

  const connect = options.connect ?? connectOnvif;
  let device: OnvifDevice | null = null;
  const facts = noDeviceFacts();
  try {
    device = await connect({ url: request.onvifUrl, username: request.username, password: request.password, timeoutMs: options.timeoutMs ?? 8_000, log });
    // Optional fields: a camera that refuses them is still adopted, with the field empty and a note.
    await readDeviceFacts(device, log, facts);
  } catch (error) {
    if (error instanceof OnvifAuthError) {
      throw new AdoptionError(`the camera at ${request.onvifUrl} refused user "${request.username}" and that password; check them (the camera's own web page uses the same) and try again. Nothing was saved.`, 'auth');
    }
    if (error instanceof OnvifError) throw new AdoptionError(`could not adopt the camera at ${request.onvifUrl}: ${error.message}. Nothing was saved.`, 'unreachable');
    throw error;
  } finally {
    device?.close();
  }
  const { identity, streams, snapshotUri, notes } = facts;
  // readDeviceFacts answered every question or threw: both are there.
  if (identity === null || streams === null) throw new Error('ONVIF device facts incomplete without an error');
  const { main, sub } = streams;
  const mac = normalizeMac(facts.mac ?? '');

  if (!identity.serialNumber) {
    throw new AdoptionError(`the camera at ${request.onvifUrl} reports no serial number, so Hearth cannot tell it apart from others; add it by RTSP URL instead (identity unverified)`, 'invalid');
  }
  const already = listCameras(db).find((c) => c.serialNumber === identity.serialNumber);
  if (already) throw new AdoptionError(`this camera (serial ${identity.serialNumber}) is already adopted as "${already.name}" (${already.id})`, 'conflict');

  const name = request.name?.trim() || `${identity.manufacturer} ${identity.model}`.trim() || identity.serialNumber;
  const id = request.id ?? uniqueCameraId(db, slugOf(request.name?.trim() || name));
  const nowMs = options.nowMs ?? Date.now();
  db.transaction(() => {
    upsertCamera(db, {
      id,
      name,
      source: 'adopted',
      enabled: true,
      onvif: { url: request.onvifUrl, username: request.username, password: request.password },
      streams: { main: withCredentials(main.uri, request.username, request.password), sub: sub ? withCredentials(sub.uri, request.username, request.password) : null },
      retentionDays: null,
      motionEnabled: true,
      nowMs,
    });
    bindIdentityOnce(db, id, { serialNumber: identity.serialNumber, hardwareId: identity.hardwareId, mac }, nowMs);
  })();
  log.info('camera adopted', { event: 'camera.adopted', camera: id, serial: identity.serialNumber, hardwareId: identity.hardwareId, url: request.onvifUrl, main: main.token, sub: sub?.token ?? null });
  for (const note of notes) log.info('camera adopted with a note', { event: 'camera.adopted_note', camera: id, note });
  // Recording (and motion) start now, not at the next restart.
  cameraChanged(db, id, log);
  return {
    id,
    name,
    identity,
    mac,
    streams: { main: streamSummary(main), sub: sub ? streamSummary(sub) : null },
    snapshotUri,
    notes,
  };
}

function streamSummary(stream: StreamInfo): AdoptedStream {
  return { width: stream.width, height: stream.height, codec: stream.codec, profile: stream.token };
}
