/**
 * Input validation for ids, time ranges and limits. Each parser returns a typed value or
 * throws a 400 that says what was wrong and what would be valid.
 */
import { cameraIdPattern } from '../config/schema.ts';
import { usernamePattern } from '../auth/userRows.ts';
import { badRequest } from './errors.ts';

/** Query values arrive as string | string[] | undefined (or nested objects); only a single string is accepted. */
function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`give "${name}" once, as a plain value`);
  return value;
}

export function cameraIdParam(value: unknown, name = 'camera'): string {
  const text = single(value, name);
  if (text === undefined || text === '') throw badRequest(`"${name}" is required: a camera id such as "porch"`);
  if (!cameraIdPattern.test(text)) {
    throw badRequest(`"${name}" is not a camera id: ids are 1-64 characters of a-z, 0-9 and '-'`);
  }
  return text;
}

export function optionalCameraId(value: unknown, name = 'camera'): string | null {
  return value === undefined || value === '' ? null : cameraIdParam(value, name);
}

/** Row ids: positive decimal integers that fit in a JS number. */
export function rowIdParam(value: unknown, name: string): number {
  const text = single(value, name);
  if (text === undefined || !/^[1-9][0-9]{0,14}$/.test(text)) {
    throw badRequest(`"${name}" must be a positive whole number (got "${String(text ?? '').slice(0, 40)}")`);
  }
  return Number(text);
}

/** Upper bound for any time we accept: year 9999, well inside a safe integer. */
const maxTimeMs = 253_402_300_799_999;

export function timeParam(value: unknown, name: string): number | null {
  const text = single(value, name);
  if (text === undefined || text === '') return null;
  if (!/^[0-9]{1,15}$/.test(text) || Number(text) > maxTimeMs) {
    throw badRequest(`"${name}" must be a time in ms since 1970-01-01 UTC, e.g. ${Date.UTC(2026, 0, 1)}`);
  }
  return Number(text);
}

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/** A required [from, to) range no longer than `maxSpanMs`. */
export function rangeParams(query: Record<string, unknown>, maxSpanMs: number): TimeRange {
  const fromMs = timeParam(query.from, 'from');
  const toMs = timeParam(query.to, 'to');
  if (fromMs === null || toMs === null) throw badRequest('give both "from" and "to" (ms since epoch, UTC)');
  return checkedRange(fromMs, toMs, maxSpanMs);
}

/** An optional range: `to` defaults to `nowMs`, `from` to `to - defaultSpanMs`. */
export function optionalRangeParams(query: Record<string, unknown>, nowMs: number, defaultSpanMs: number, maxSpanMs: number): TimeRange {
  const toMs = timeParam(query.to, 'to') ?? nowMs;
  const fromMs = timeParam(query.from, 'from') ?? Math.max(0, toMs - defaultSpanMs);
  return checkedRange(fromMs, toMs, maxSpanMs);
}

function checkedRange(fromMs: number, toMs: number, maxSpanMs: number): TimeRange {
  if (toMs <= fromMs) throw badRequest('"to" must be later than "from"');
  if (toMs - fromMs > maxSpanMs) {
    throw badRequest(`the range is too long: at most ${formatSpan(maxSpanMs)} per request (asked for ${formatSpan(toMs - fromMs)})`);
  }
  return { fromMs, toMs };
}

export function limitParam(value: unknown, defaultLimit: number, maxLimit: number): number {
  const text = single(value, 'limit');
  if (text === undefined || text === '') return defaultLimit;
  if (!/^[0-9]{1,7}$/.test(text) || Number(text) < 1 || Number(text) > maxLimit) {
    throw badRequest(`"limit" must be a whole number from 1 to ${maxLimit}`);
  }
  return Number(text);
}

export function usernameParam(value: unknown, name = 'username'): string {
  if (typeof value !== 'string' || !usernamePattern.test(value)) {
    throw badRequest(`"${name}" must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return value;
}

/** The JSON body as an object (express.json leaves it undefined when there was none). */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('send a JSON object as the body, with Content-Type: application/json');
  }
  return body as Record<string, unknown>;
}

export function stringField(body: Record<string, unknown>, name: string, maxLength: number): string {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0) throw badRequest(`"${name}" is required and must be a string`);
  if (value.length > maxLength) throw badRequest(`"${name}" is too long (at most ${maxLength} characters)`);
  return value;
}

function formatSpan(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours >= 48) return `${Math.round((hours / 24) * 10) / 10} days`;
  return hours >= 1 ? `${Math.round(hours * 10) / 10} h` : `${Math.round(ms / 60_000)} min`;
}

/** `stream` of a segment listing: the main recording unless 'sub' is asked for (H.265 cameras' H.264 sub stream). */
export function segmentStreamParam(value: unknown): 'main' | 'sub' {
  const text = single(value, 'stream');
  if (text === undefined || text === '' || text === 'main') return 'main';
  if (text === 'sub') return 'sub';
  throw badRequest('"stream" must be "main" (the recording, the default) or "sub" (the sub-stream recording of an H.265 camera)');
}

/** A duration in ms from 0 to `maxMs` (e.g. the coverage route's `minGapMs`: a pixel of the scrubber); `defaultMs` when not given. */
export function durationMsParam(value: unknown, name: string, defaultMs: number, maxMs: number): number {
  const text = single(value, name);
  if (text === undefined || text === '') return defaultMs;
  if (!/^[0-9]{1,15}$/.test(text) || Number(text) > maxMs) throw badRequest(`"${name}" must be a whole number of ms from 0 to ${maxMs}`);
  return Number(text);
}
