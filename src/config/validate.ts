/**
 * A tiny reader for untrusted YAML values that tracks the key path, so every error
 * names exactly where the problem is ("cameras[1].onvif.url") and what would be valid.
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly keyPath: string,
    readonly problem: string,
    readonly file: string | null = null,
  ) {
    super(`${file ? `config ${file}: ` : 'config: '}${keyPath ? `${keyPath}: ` : ''}${problem}`);
  }
}

export type Plain = Record<string, unknown>;

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

export function join(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

export function asMapping(value: unknown, keyPath: string): Plain {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(keyPath, `expected a mapping of keys, got ${describe(value)}`);
  }
  return value as Plain;
}

/** Rejects keys this version does not know, suggesting the nearest known one (typos are the commonest error). */
export function rejectUnknownKeys(mapping: Plain, known: readonly string[], keyPath: string): void {
  for (const key of Object.keys(mapping)) {
    if (known.includes(key)) continue;
    const suggestion = nearest(key, known);
    const hint = suggestion ? `did you mean "${suggestion}"? ` : '';
    throw new ConfigError(join(keyPath, key), `unknown key; ${hint}valid keys here: ${known.join(', ')}`);
  }
}

export function optionalBoolean(mapping: Plain, key: string, keyPath: string, fallback: boolean): boolean {
  const value = mapping[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new ConfigError(join(keyPath, key), `expected true or false, got ${describe(value)}`);
  return value;
}

export function optionalInteger(
  mapping: Plain,
  key: string,
  keyPath: string,
  range: { min: number; max: number },
  fallback: number,
): number {
  const value = mapping[key];
  if (value === undefined || value === null) return fallback;
  return integerInRange(value, join(keyPath, key), range);
}

export function integerInRange(value: unknown, keyPath: string, range: { min: number; max: number }): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(keyPath, `expected a whole number from ${range.min} to ${range.max}, got ${describe(value)}`);
  }
  return value;
}

/** A number (fractions allowed) in [min, max]. */
export function optionalNumber(
  mapping: Plain,
  key: string,
  keyPath: string,
  range: { min: number; max: number },
  fallback: number,
): number {
  const value = mapping[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < range.min || value > range.max) {
    throw new ConfigError(join(keyPath, key), `expected a number from ${range.min} to ${range.max}, got ${describe(value)}`);
  }
  return value;
}

export function optionalString(mapping: Plain, key: string, keyPath: string): string | null {
  const value = mapping[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(join(keyPath, key), `expected a non-empty string, got ${describe(value)}`);
  }
  return value;
}

export function requiredString(mapping: Plain, key: string, keyPath: string): string {
  const value = optionalString(mapping, key, keyPath);
  if (value === null) throw new ConfigError(join(keyPath, key), 'is required');
  return value;
}

export function optionalStringList(mapping: Plain, key: string, keyPath: string): string[] | null {
  const value = mapping[key];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new ConfigError(join(keyPath, key), `expected a list of names, got ${describe(value)}`);
  return value.map((item, i) => {
    if (typeof item !== 'string' || item.trim() === '') {
      throw new ConfigError(join(join(keyPath, key), i), `expected a name, got ${describe(item)}`);
    }
    return item;
  });
}

export function urlWithScheme(value: string, keyPath: string, schemes: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(keyPath, `is not a URL; expected ${schemes.map((s) => `${s}//host…`).join(' or ')}`);
  }
  if (!schemes.includes(url.protocol)) {
    throw new ConfigError(keyPath, `expected a ${schemes.join(' or ')} URL, got scheme "${url.protocol}"`);
  }
  return value;
}

function nearest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const left = row[j - 1] ?? 0;
      row[j] = Math.min(above + 1, left + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}
