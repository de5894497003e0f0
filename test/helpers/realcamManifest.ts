/**
 * Reading a real camera's fixture folder (../shared/realcams/fixtures/<model>/manifest.json):
 * the manifest's shape, its variants applied, the SOAP operation a request names, and the
 * clock of a GetSystemDateAndTime answer set to now. Used by realcamReplay.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { elementText, findElement } from '../../src/discovery/xmlText.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Read at test time, never copied into the repository. */
export const realcamsFixtures = path.resolve(repoRoot, '..', 'shared', 'realcams', 'fixtures');

export interface Answer {
  file: string;
  status: number;
  headers?: Record<string, string>;
}
export interface OpEntry extends Partial<Answer> {
  by_token?: Record<string, Answer>;
}
export interface AuthSpec {
  mode: 'wsse' | 'digest';
  created_window_s?: number;
  preauth?: string[];
  digest?: { realm: string; qop?: string; opaque?: string; nonce_hex_len?: number };
  fault?: Answer;
}
export interface Variant {
  about: string;
  ops?: Record<string, OpEntry>;
  drop_ops?: string[];
  discovery?: Answer;
  auth?: Partial<AuthSpec>;
  clock_mode?: 'captured-skew';
}
export interface RealcamManifest {
  id: string;
  label: string;
  ops: Record<string, OpEntry>;
  variants?: Record<string, Variant>;
  hosts: Record<string, string>;
  default_headers?: Record<string, string>;
  discovery: Answer;
  auth: AuthSpec;
  unknown_op: Answer;
  bad_token?: Answer;
  clock?: { captured_at: string; device_utc_in_capture: string };
}

export function readManifest(model: string): RealcamManifest {
  return JSON.parse(readFileSync(path.join(realcamsFixtures, model, 'manifest.json'), 'utf8')) as RealcamManifest;
}

export function applyVariants(base: RealcamManifest, names: readonly string[]): { manifest: RealcamManifest; skewMs: number } {
  const manifest: RealcamManifest = structuredClone(base);
  let skewMs = 0;
  for (const name of names) {
    const variant = base.variants?.[name];
    if (variant === undefined) throw new Error(`fixture ${base.id} has no variant "${name}" (has: ${Object.keys(base.variants ?? {}).join(', ')})`);
    Object.assign(manifest.ops, variant.ops ?? {});
    for (const op of variant.drop_ops ?? []) delete manifest.ops[op];
    if (variant.discovery) manifest.discovery = variant.discovery;
    if (variant.auth) manifest.auth = { ...manifest.auth, ...variant.auth };
    if (variant.clock_mode === 'captured-skew' && manifest.clock) {
      skewMs = Date.parse(manifest.clock.device_utc_in_capture) - Date.parse(manifest.clock.captured_at);
    }
  }
  return { manifest, skewMs };
}

/** First element of the SOAP Body: local name and the namespace it resolves to. */
export function soapOperation(xml: string): { local: string; namespace: string | undefined } | undefined {
  const body = /<(?:[\w.-]+:)?Body\b[^>]*>/.exec(xml);
  if (body === null) return undefined;
  const first = /<(?:([\w.-]+):)?([\w.-]+)([^>]*)>/.exec(xml.slice(body.index + body[0].length));
  if (first === null || first[2] === undefined) return undefined;
  const prefix = first[1];
  const attributes = first[3] ?? '';
  const ownDeclaration = new RegExp(prefix === undefined ? `\\sxmlns\\s*=\\s*"([^"]*)"` : `\\sxmlns:${prefix}\\s*=\\s*"([^"]*)"`).exec(attributes);
  const anyDeclaration = prefix === undefined ? null : new RegExp(`\\sxmlns:${prefix}\\s*=\\s*"([^"]*)"`).exec(xml);
  return { local: first[2], namespace: ownDeclaration?.[1] ?? anyDeclaration?.[1] };
}

/** Sets the UTC date/time fields to `nowMs`, and the local ones with the offset the capture had. */
export function withClock(xml: string, nowMs: number): string {
  const read = (block: string): number | undefined => {
    const n = (name: string): number => Number(elementText(block, name));
    const ms = Date.UTC(n('Year'), n('Month') - 1, n('Day'), n('Hour'), n('Minute'), n('Second'));
    return Number.isFinite(ms) ? ms : undefined;
  };
  const utc = findElement(xml, 'UTCDateTime');
  const local = findElement(xml, 'LocalDateTime');
  const utcMs = utc === undefined ? undefined : read(utc.inner);
  const localOffsetMs = utcMs !== undefined && local !== undefined ? (read(local.inner) ?? utcMs) - utcMs : 0;
  const setFields = (text: string, name: string, ms: number): string => {
    const date = new Date(ms);
    const values: Record<string, number> = {
      Year: date.getUTCFullYear(), Month: date.getUTCMonth() + 1, Day: date.getUTCDate(),
      Hour: date.getUTCHours(), Minute: date.getUTCMinutes(), Second: date.getUTCSeconds(),
    };
    const block = new RegExp(`(<(?:[\\w.-]+:)?${name}\\b[^>]*>)([\\s\\S]*?)(</(?:[\\w.-]+:)?${name}\\s*>)`);
    return text.replace(block, (_all, open: string, inner: string, close: string) => {
      let updated = inner;
      for (const [field, value] of Object.entries(values)) {
        updated = updated.replace(new RegExp(`(<(?:[\\w.-]+:)?${field}>)\\s*-?\\d+\\s*(</(?:[\\w.-]+:)?${field}>)`), `$1${value}$2`);
      }
      return open + updated + close;
    });
  };
  let out = setFields(xml, 'UTCDateTime', nowMs);
  if (local !== undefined) out = setFields(out, 'LocalDateTime', nowMs + localOffsetMs);
  return out;
}

