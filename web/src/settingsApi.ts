/** Admin-only API calls used by the settings pages (src/http/API.md, "Administration (admin role)"). */
import { api } from './api.ts';
import type { CameraObjectsView, CameraSettingsView, FrameRect } from '../../src/wire/index.ts';

export type { CameraObjectsView, FrameRect, ObjectZoneView } from '../../src/wire/index.ts';
export type CameraSettings = CameraSettingsView;

export interface SettingsPatch {
  name?: string;
  enabled?: boolean;
  retentionDays?: number | null;
  motion?: Partial<CameraSettings['motion']>;
  /** Sent whole, and only when changed: an adopted camera left at the defaults keeps following them. */
  objects?: CameraObjectsView;
}

/** Regions motion learned to leave out because they change all the time (GET …/motion/suggested-masks). */
export interface SuggestedMasks {
  cameraId: string;
  editable: boolean;
  configFile: string | null;
  learnedAtMs: number | null;
  suggestions: FrameRect[];
  dropped: FrameRect[];
  /** Config cameras: the lines to add to the file to keep them. */
  yaml: string | null;
}

export interface DiscoveredDevice {
  urn: string;
  address: string;
  xaddrs: string[];
  name: string | null;
  hardware: string | null;
  adoptedAs: string | null;
}

export interface DiscoveryResults {
  atMs: number | null;
  interfaces: string[];
  problem: string | null;
  devices: DiscoveredDevice[];
}

export interface AdoptedCamera {
  id: string;
  name: string;
  identity: { serial: string | null; hardwareId?: string | null; manufacturer?: string; model?: string; firmware?: string; verified: boolean };
  streams?: { main: string | null; sub: string | null };
}

export type Scope = 'live' | 'recordings' | 'export';

export interface UserRow {
  username: string;
  role: 'admin' | 'viewer';
  grants: Array<{ camera: string; scope: Scope }>;
}

const enc = encodeURIComponent;

export const getCameraSettings = (id: string) => api<CameraSettings>(`/api/cameras/${enc(id)}/settings`);
export const patchCameraSettings = (id: string, patch: SettingsPatch) => api<CameraSettings>(`/api/cameras/${enc(id)}/settings`, { method: 'PATCH', body: patch });
export const getSuggestedMasks = (id: string) => api<SuggestedMasks>(`/api/cameras/${enc(id)}/motion/suggested-masks`);
export const dropSuggestedMask = (id: string, region: FrameRect) =>
  api<SuggestedMasks>(`/api/cameras/${enc(id)}/motion/suggested-masks/drop`, { method: 'POST', body: region });
export const getDiscovery = () => api<DiscoveryResults>('/api/discovery');
export const probeDiscovery = () => api<DiscoveryResults>('/api/discovery/probe', { method: 'POST', body: {} });
export const adoptCamera = (body: { onvifUrl: string; username: string; password: string; id?: string; name?: string }) =>
  api<AdoptedCamera>('/api/cameras/adopt', { method: 'POST', body });
export const addManualCamera = (body: { id: string; name: string; rtspMain: string; rtspSub?: string }) =>
  api<AdoptedCamera>('/api/cameras/manual', { method: 'POST', body });
export const getUsers = () => api<UserRow[]>('/api/users');
export const addUser = (body: { username: string; role: 'admin' | 'viewer'; password: string }) => api<unknown>('/api/users', { method: 'POST', body });
export const deleteUser = (name: string) => api<void>(`/api/users/${enc(name)}`, { method: 'DELETE' });
export const setGrant = (name: string, camera: string, scope: Scope) => api<unknown>(`/api/users/${enc(name)}/grants/${enc(camera)}`, { method: 'PUT', body: { scope } });
export const revokeGrant = (name: string, camera: string) => api<void>(`/api/users/${enc(name)}/grants/${enc(camera)}`, { method: 'DELETE' });
