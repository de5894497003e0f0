/**
 * HTTP Digest (RFC 7616, MD5, qop=auth) and Basic authentication, as cameras
 * use for snapshot URLs and for SOAP requests that carry no WS-Security header.
 * Nonces are stateless: an HMAC of their issue time, valid for a few minutes.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Credentials } from './wsUsernameToken.ts';

const nonceLifetimeMs = 5 * 60_000;

export interface HttpAuthenticator {
  /** Value for WWW-Authenticate on a 401. */
  challenge(): string;
  /** True when the request's Authorization header carries valid credentials. */
  verify(request: IncomingMessage, options: { allowBasic: boolean }): boolean;
}

export function createHttpAuthenticator(credentials: Credentials, realm: string): HttpAuthenticator {
  const secret = randomBytes(32);
  const issueNonce = (): string => {
    const issuedMs = Date.now().toString(16);
    const mac = createHmac('sha256', secret).update(issuedMs).digest('hex').slice(0, 32);
    return `${issuedMs}-${mac}`;
  };
  const nonceIsFresh = (nonce: string): boolean => {
    const [issuedHex = '', mac = ''] = nonce.split('-');
    const expected = createHmac('sha256', secret).update(issuedHex).digest('hex').slice(0, 32);
    if (!safeEqual(mac, expected)) return false;
    const ageMs = Date.now() - parseInt(issuedHex, 16);
    return ageMs >= 0 && ageMs <= nonceLifetimeMs;
  };

  return {
    challenge: () => `Digest realm="${realm}", qop="auth", nonce="${issueNonce()}", algorithm=MD5, stale="FALSE"`,
    verify: (request, options) => {
      const header = request.headers.authorization;
      if (header === undefined) return false;
      if (header.startsWith('Basic ')) {
        if (!options.allowBasic) return false;
        const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
        return safeEqual(decoded, `${credentials.username}:${credentials.password}`);
      }
      if (!header.startsWith('Digest ')) return false;
      const params = parseDigestParams(header.slice(7));
      const { username, nonce, uri, response, qop, nc, cnonce } = params;
      if (username !== credentials.username || params.realm !== realm) return false;
      if (nonce === undefined || uri === undefined || response === undefined || !nonceIsFresh(nonce)) return false;
      // The digest covers the URI; it must be the one actually requested.
      if (uri !== request.url) return false;
      const ha1 = md5(`${credentials.username}:${realm}:${credentials.password}`);
      const ha2 = md5(`${request.method ?? 'GET'}:${uri}`);
      const expected =
        qop === 'auth' && nc !== undefined && cnonce !== undefined
          ? md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
          : md5(`${ha1}:${nonce}:${ha2}`);
      return safeEqual(response, expected);
    },
  };
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

interface DigestParams {
  username?: string;
  realm?: string;
  nonce?: string;
  uri?: string;
  response?: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}

const digestKeys = new Set<keyof DigestParams>(['username', 'realm', 'nonce', 'uri', 'response', 'qop', 'nc', 'cnonce']);

function isDigestKey(key: string): key is keyof DigestParams {
  return digestKeys.has(key as keyof DigestParams);
}

function parseDigestParams(text: string): DigestParams {
  const params: DigestParams = {};
  for (const match of text.matchAll(/([a-zA-Z]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/g)) {
    const key = match[1] ?? '';
    if (isDigestKey(key)) params[key] = match[2] ?? match[3] ?? '';
  }
  return params;
}
