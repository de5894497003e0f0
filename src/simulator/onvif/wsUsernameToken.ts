/**
 * WS-Security UsernameToken check, as ONVIF cameras do it:
 * PasswordDigest = Base64(SHA1(nonce + created + password)), and `Created`
 * must lie within ±5 minutes of the device's own (possibly wrong) clock.
 * That window is what forces clients to measure the camera's clock with
 * GetSystemDateAndTime first; a client that trusts its own clock fails here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { elementText, findElement } from '../../discovery/xmlText.ts';

/** Accepted distance between `Created` and the device clock. */
export const createdToleranceMs = 5 * 60_000;
const maxRememberedNonces = 4096;
const passwordDigestType = 'PasswordDigest';

export type UsernameTokenResult =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown-user' | 'stale-created' | 'replayed-nonce' | 'bad-password' };

export interface Credentials {
  username: string;
  password: string;
}

/** Remembers recent nonces so a captured request cannot be replayed inside the window. Bounded. */
export class NonceMemory {
  private readonly seen = new Map<string, number>();

  /** False when the nonce was already used within the tolerance window. */
  remember(nonce: string, nowMs: number): boolean {
    for (const [key, expiresMs] of this.seen) {
      if (expiresMs > nowMs && this.seen.size < maxRememberedNonces) break;
      this.seen.delete(key); // Map keeps insertion order: oldest first.
    }
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, nowMs + 2 * createdToleranceMs);
    return true;
  }
}

export function verifyUsernameToken(
  soapXml: string,
  credentials: Credentials,
  deviceNowMs: number,
  nonces: NonceMemory,
): UsernameTokenResult {
  const header = findElement(soapXml, 'Header');
  const token = header === undefined ? undefined : findElement(header.inner, 'UsernameToken');
  if (token === undefined) return { ok: false, reason: 'missing' };

  const username = elementText(token.inner, 'Username');
  const passwordElement = findElement(token.inner, 'Password');
  const nonceText = elementText(token.inner, 'Nonce');
  const created = elementText(token.inner, 'Created');
  if (username === undefined || passwordElement === undefined || created === undefined) {
    return { ok: false, reason: 'malformed' };
  }
  if (username !== credentials.username) return { ok: false, reason: 'unknown-user' };

  const createdMs = Date.parse(created);
  if (Number.isNaN(createdMs)) return { ok: false, reason: 'malformed' };
  if (Math.abs(createdMs - deviceNowMs) > createdToleranceMs) return { ok: false, reason: 'stale-created' };

  const passwordType = passwordElement.attributes.get('Type') ?? '';
  const sent = Buffer.from(elementText(token.inner, 'Password') ?? '', 'utf8');
  let expected: Buffer;
  if (passwordType.endsWith(passwordDigestType)) {
    if (nonceText === undefined) return { ok: false, reason: 'malformed' };
    const nonce = Buffer.from(nonceText, 'base64');
    const digest = createHash('sha1')
      .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(credentials.password, 'utf8')]))
      .digest('base64');
    expected = Buffer.from(digest, 'utf8');
  } else {
    // PasswordText: some clients send it over trusted LANs; cameras accept it.
    expected = Buffer.from(credentials.password, 'utf8');
  }
  if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) return { ok: false, reason: 'bad-password' };
  if (nonceText !== undefined && !nonces.remember(nonceText, deviceNowMs)) return { ok: false, reason: 'replayed-nonce' };
  return { ok: true };
}
