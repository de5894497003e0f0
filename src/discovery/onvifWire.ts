/**
 * Messages between connectOnvif (main thread) and the ONVIF worker, and how typed
 * errors cross the thread boundary (structured clone keeps only plain data).
 */
import type { OnvifConnectOptions } from './onvifTypes.ts';
import { OnvifAuthError, OnvifConnectionError, OnvifError, OnvifProtocolError, OnvifTimeoutError } from './onvifErrors.ts';
import type { LogFields } from '../log.ts';

/** Methods of OnvifDevice a worker answers; results are plain data. */
export type DeviceMethod = 'getDeviceIdentity' | 'getMacAddresses' | 'readMacAddresses' | 'getProfiles' | 'getStreamUris' | 'getSnapshotUri';

export type WorkerRequest =
  | { type: 'connect'; id: number; options: Omit<OnvifConnectOptions, 'log'> }
  | { type: 'call'; id: number; method: DeviceMethod; args: unknown[] }
  | { type: 'close' };

export interface WireError {
  name: string;
  message: string;
  address?: string;
  action?: string;
  causeMessage?: string;
}

export type WorkerReply =
  | { type: 'result'; id: number; value: unknown; address: string; clockOffsetMs: number }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields?: LogFields }
  | { type: 'alive' };

export function toWire(error: unknown): WireError {
  if (error instanceof OnvifError) {
    const wire: WireError = { name: error.name, message: error.message, address: error.address, action: error.action };
    if (error.cause instanceof Error) wire.causeMessage = error.cause.message;
    return wire;
  }
  return { name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) };
}

const classes = { OnvifAuthError, OnvifConnectionError, OnvifProtocolError, OnvifTimeoutError, OnvifError } as const;

export function fromWire(wire: WireError): Error {
  const cause = wire.causeMessage === undefined ? undefined : { cause: new Error(wire.causeMessage) };
  const OnvifClass = classes[wire.name as keyof typeof classes];
  if (OnvifClass !== undefined && wire.address !== undefined && wire.action !== undefined) {
    return new OnvifClass(wire.message, wire.address, wire.action, cause);
  }
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}
