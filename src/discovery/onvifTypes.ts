/**
 * The shapes of an ONVIF conversation: what a caller passes in and what a device answers.
 * Kept apart from onvifClient.ts so that the worker pool, the wire format and the optional
 * readers depend on the contract, not on the client that implements it.
 */
import type { Logger } from '../log.ts';
import type { MediaProfile } from './onvifProfiles.ts';
import type { StreamUris } from './onvifMedia.ts';

export interface OnvifConnectOptions {
  /** Device service URL, e.g. http://192.168.1.20/onvif/device_service (from discovery XAddrs or config). */
  url: string;
  username: string;
  password: string;
  /** Deadline for each ONVIF call, including connect. Default 8000 ms. */
  timeoutMs?: number;
  /** Accept stream/snapshot URIs whose host is not a private IP literal. Default false (docs/DESIGN.md, "LAN only"). */
  allowPublicAddresses?: boolean;
  log?: Logger;
}

export interface DeviceIdentity {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

/** A field a device may refuse without anything else failing: its value, or null and why. */
export interface OptionalField<T> {
  value: T;
  /** Why the value is empty (the device refused or lacks the call); null when it answered. */
  note: string | null;
}

export interface OnvifDevice {
  /** Device service URL this client talks to. */
  readonly address: string;
  /** Last measured device clock minus local clock, ms (second resolution). */
  readonly clockOffsetMs: number;
  getDeviceIdentity(): Promise<DeviceIdentity>;
  /** MAC addresses from GetNetworkInterfaces, as aa:bb:cc:dd:ee:ff; empty when the device reports none or refuses (logged). */
  getMacAddresses(): Promise<string[]>;
  /** The same, with the reason when empty. Never throws for a refusal: the MAC is optional. (Optional so test doubles need not have it.) */
  readMacAddresses?(): Promise<OptionalField<string[]>>;
  getProfiles(): Promise<MediaProfile[]>;
  /** main and sub chosen by codec, then resolution (onvifProfiles.ts); Media2 where Media1 gives no stream. */
  getStreamUris(): Promise<StreamUris>;
  /** Snapshot URI of the main profile (or of `profileToken`); throws when the device has none. */
  getSnapshotUri(profileToken?: string): Promise<string>;
  /** Destroys any open sockets; later calls fail. */
  close(): void;
}
