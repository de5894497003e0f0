/**
 * The one place the UI talks to Hearth's API (src/http/API.md). Every request goes to
 * this origin with the session cookie; errors come back as ApiError carrying the
 * server's own message, which is written for a homeowner and shown as it is.
 */

import type { CameraView, CoverageView, SegmentView, SystemInfo } from '../../src/wire/index.ts';
import type { CoverageMarker, LabelledEventView } from './types/objects.ts';

export type { CameraState, SystemInfo } from '../../src/wire/index.ts';
export type Camera = CameraView;
export type Segment = SegmentView;
export type MotionEvent = LabelledEventView;
export type Coverage = Omit<CoverageView, 'events'> & { events: CoverageMarker[] };

export interface Me {
  username: string;
  role: 'admin' | 'viewer';
  cameras: string[];
  /** Cameras whose recordings / exports this user may have (scopes nest: export ⊂ recordings ⊂ cameras). */
  recordings?: string[];
  export?: string[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called when any request answers 401, so the app can show the login page. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    credentials: 'same-origin',
    headers: init.body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const body = (parsed ?? {}) as { error?: string; message?: string };
    // Only a lost session logs out; a camera refusing its password (adopt_auth) is also a 401.
    if (response.status === 401 && body.error === 'unauthorized') onUnauthorized();
    throw new ApiError(response.status, body.error ?? 'http_' + response.status, body.message ?? `${response.status} ${response.statusText}`);
  }
  return parsed as T;
}

export const getMe = () => api<Me>('/api/me');
export const getCameras = () => api<Camera[]>('/api/cameras');
export const getCamera = (id: string) => api<Camera>(`/api/cameras/${encodeURIComponent(id)}`);
export const login = (username: string, password: string) => api<{ username: string; role: string }>('/api/login', { method: 'POST', body: { username, password } });
export const setup = (code: string, username: string, password: string) => api<unknown>('/api/setup', { method: 'POST', body: { code, username, password } });
export const logout = () => api<void>('/api/logout', { method: 'POST', body: {} });

export function getSegments(cameraId: string, fromMs: number, toMs: number): Promise<Segment[]> {
  return api<Segment[]>(`/api/cameras/${encodeURIComponent(cameraId)}/segments?from=${Math.floor(fromMs)}&to=${Math.ceil(toMs)}`);
}

/** What the timeline draws for [fromMs, toMs) (≤ 62 days): recorded spans and motion markers, gaps under `minGapMs` (a pixel) merged. */
export function getCoverage(cameraId: string, fromMs: number, toMs: number, minGapMs: number): Promise<Coverage> {
  const query = `from=${Math.floor(fromMs)}&to=${Math.ceil(toMs)}&minGapMs=${Math.max(0, Math.floor(minGapMs))}`;
  return api<Coverage>(`/api/cameras/${encodeURIComponent(cameraId)}/coverage?${query}`);
}

/**
 * `label`: kinds or labels, an event matches if it has any; 'none' is motion with no label.
 * `alert`: only events that raised an alert.
 */
export function getEvents(query: { camera?: string; from?: number; to?: number; limit?: number; label?: string[]; alert?: boolean }): Promise<MotionEvent[]> {
  const params = new URLSearchParams();
  if (query.camera) params.set('camera', query.camera);
  if (query.label && query.label.length > 0) params.set('label', query.label.join(','));
  if (query.alert) params.set('alert', '1');
  if (query.from !== undefined) params.set('from', String(Math.floor(query.from)));
  if (query.to !== undefined) params.set('to', String(Math.ceil(query.to)));
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  return api<MotionEvent[]>(`/api/events?${params}`);
}

export const snapshotUrl = (cameraId: string) => `/api/cameras/${encodeURIComponent(cameraId)}/snapshot`;
export const liveUrl = (cameraId: string) => `/api/cameras/${encodeURIComponent(cameraId)}/live.mp4`;
export const thumbnailUrl = (eventId: number) => `/api/events/${eventId}/thumbnail`;
export const exportUrl = (cameraId: string, fromMs: number, toMs: number) =>
  `/api/export?camera=${encodeURIComponent(cameraId)}&from=${Math.floor(fromMs)}&to=${Math.ceil(toMs)}`;

/** GET /api/system (admin): storage, the forecast of days kept, camera states, Hearth's CPU and memory. */
export const getSystem = () => api<SystemInfo>('/api/system');
