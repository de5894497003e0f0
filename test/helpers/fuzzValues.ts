/**
 * Seeded random and boundary values for the API fuzz test (test/integration/fault-fuzz-api.test.ts). The seed
 * is printed by the test; HEARTH_FUZZ_SEED replays a run exactly (given the same server).
 */

/** mulberry32: small, fast, good enough to pick test inputs; the same seed gives the same sequence. */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

export interface FuzzTargets {
  /** Absolute path of a file outside the data dir that must never be served. */
  canaryFile: string;
  /** Names and ids that exist, so some requests get past validation. */
  realIds: string[];
  realNumbers: number[];
  realNames: string[];
}

/** Strings chosen to break validators, path handling and parsers. */
export function hostileStrings(t: FuzzTargets): string[] {
  return [
    '',
    ' ',
    'a',
    'a'.repeat(64),
    'a'.repeat(65),
    'x'.repeat(1000),
    'y'.repeat(20_000),
    '💥',
    '💥'.repeat(40),
    'é',
    'ǅ',
    '\u202eevil',
    '\u0000',
    'a\u0000b',
    '\r\nX-Injected: 1',
    'NaN',
    'Infinity',
    '-Infinity',
    '-1',
    '0',
    '-0',
    '1e309',
    '1e3',
    '1.5',
    '0x10',
    '9007199254740993',
    '99999999999999999999999999',
    '253402300800000',
    ' 1',
    '1 ',
    '+1',
    '../../etc/passwd',
    '..%2f..%2fetc%2fpasswd',
    '..%252f..%252f',
    '%2e%2e%2f%2e%2e%2f',
    '....//....//',
    '..\\..\\',
    '/etc/passwd',
    t.canaryFile,
    `../../../../../../..${t.canaryFile}`,
    `file://${t.canaryFile}`,
    'hearth.db',
    '../hearth.db',
    'recordings/../hearth.db',
    '%00',
    '%',
    '%zz',
    '%ff%fe',
    'constructor',
    '__proto__',
    'prototype',
    'toString',
    "' OR '1'='1",
    '"; DROP TABLE users; --',
    '<script>alert(1)</script>',
    '${7*7}',
    '{{7*7}}',
    'null',
    'undefined',
    'true',
    '[]',
    '{}',
    'admin',
    'live',
    'recordings',
    'export',
    'viewer',
    'http://127.0.0.1:1/onvif/device_service',
    'rtsp://127.0.0.1:1/stream1',
    'rtsp://8.8.8.8/stream',
    ...t.realIds,
    ...t.realNames,
    ...t.realNumbers.map(String),
  ];
}

/** JSON values of every type, including ones a string field must refuse. */
export function hostileJson(rng: Rng, t: FuzzTargets, depth = 0): unknown {
  const strings = hostileStrings(t);
  switch (rng.int(depth > 2 ? 6 : 9)) {
    case 0:
    case 1:
    case 2:
      return rng.pick(strings);
    case 3:
      return rng.pick([0, -1, 1, 1.5, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 53, ...t.realNumbers]);
    case 4:
      return rng.pick([true, false, null]);
    case 5:
      return rng.pick([[], {}, [''], { '': '' }]);
    case 6:
      return Array.from({ length: rng.int(4) }, () => hostileJson(rng, t, depth + 1));
    case 7:
      return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(['a', '__proto__', 'constructor', 'username', 'scope', 'id']), hostileJson(rng, t, depth + 1)]));
    default:
      return { toString: 'x', valueOf: 1, length: 1e9 };
  }
}

/** A JSON object body for a route with these field names: each field hostile, missing, or (sometimes) plausible. */
export function hostileBody(rng: Rng, t: FuzzTargets, fields: readonly string[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    if (rng.chance(0.15)) continue;
    body[field] = hostileJson(rng, t);
  }
  if (rng.chance(0.1)) body[rng.pick(['extra', '__proto__', 'role', 'isAdmin'])] = hostileJson(rng, t);
  return body;
}

/** Raw body texts that are not a plain JSON object. */
export function hostileRawBodies(rng: Rng): string[] {
  const depth = rng.pick([100, 5_000, 100_000]);
  return [
    '',
    'null',
    '[]',
    '"just a string"',
    '123',
    '{',
    '{"a":',
    '{"username": "ann", "username": "bob"}',
    '[' .repeat(depth) + ']'.repeat(depth),
    '{"a":'.repeat(Math.min(depth, 3000)) + '1' + '}'.repeat(Math.min(depth, 3000)),
    'username=ann&password=x',
    '\u0000\u0001\u0002',
    '\ufeff{"username":"x","password":"y"}',
  ];
}

export const oneMegabyte = 1024 * 1024;
