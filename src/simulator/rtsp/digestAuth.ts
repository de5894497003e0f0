/**
 * HTTP Digest authentication as RTSP cameras do it (RFC 2617, MD5, optional qop=auth).
 * Nonces are issued here and only those are accepted; the table is bounded in size and age.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const nonceLifetimeMs = 5 * 60_000;
const maxNonces = 1024;

export interface DigestCredentials {
  username: string;
  password: string;
}

export class DigestAuthenticator {
  private readonly nonces = new Map<string, number>();

  constructor(
    readonly realm: string,
    private readonly credentials: () => DigestCredentials,
  ) {}

  /** Value of the WWW-Authenticate header of a 401, with a fresh nonce. */
  challenge(): string {
    const now = Date.now();
    for (const [nonce, issuedAt] of this.nonces) {
      if (issuedAt < now - nonceLifetimeMs || this.nonces.size >= maxNonces) this.nonces.delete(nonce);
      else break; // Map keeps insertion order: the rest are newer.
    }
    const nonce = randomBytes(16).toString('hex');
    this.nonces.set(nonce, now);
    return `Digest realm="${this.realm}", nonce="${nonce}", algorithm=MD5`;
  }

  /** Whether an Authorization header proves the password for this method. */
  verify(method: string, authorization: string | undefined): boolean {
    if (authorization === undefined || !/^Digest\s/i.test(authorization)) return false;
    const p = parseAuthParams(authorization.replace(/^Digest\s+/i, ''));
    const { username, password } = this.credentials();
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    if (nonce === undefined || uri === undefined || response === undefined) return false;
    const issuedAt = this.nonces.get(nonce);
    if (issuedAt === undefined || issuedAt < Date.now() - nonceLifetimeMs) return false;
    if (p.get('username') !== username || p.get('realm') !== this.realm) return false;
    const ha1 = md5(`${username}:${this.realm}:${password}`);
    const ha2 = md5(`${method}:${uri}`);
    const qop = p.get('qop');
    const expected =
      qop === undefined ? md5(`${ha1}:${nonce}:${ha2}`) : md5(`${ha1}:${nonce}:${p.get('nc') ?? ''}:${p.get('cnonce') ?? ''}:${qop}:${ha2}`);
    const a = Buffer.from(expected);
    const b = Buffer.from(response.toLowerCase());
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** `key="quoted, value", key=token, ...` into a map (bounded by the header length). */
export function parseAuthParams(text: string): Map<string, string> {
  const result = new Map<string, string>();
  const pattern = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const match of text.matchAll(pattern)) {
    const key = match[1];
    if (key !== undefined) result.set(key.toLowerCase(), match[2] ?? match[3] ?? '');
  }
  return result;
}
