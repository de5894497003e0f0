/**
 * First-run setup without a default password: when no user exists, Hearth makes a
 * one-time code, prints it in the log (the console of `hearth start`), and trades it
 * once for the first admin via `POST /api/setup`. Only its hash is kept in memory.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Crockford-style alphabet: no 0/O or 1/I/L to misread from a terminal.
const alphabet = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';

export class SetupCode {
  private digest: Buffer | null;

  private constructor(code: string) {
    this.digest = sha256(normalize(code));
  }

  /** A new code of 12 characters (~59 bits), shown as XXXX-XXXX-XXXX. */
  static generate(): { setup: SetupCode; code: string } {
    const bytes = randomBytes(12);
    const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length] ?? 'A').join('');
    const code = `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
    return { setup: new SetupCode(code), code };
  }

  isOpen(): boolean {
    return this.digest !== null;
  }

  matches(candidate: string): boolean {
    if (!this.digest) return false;
    return timingSafeEqual(sha256(normalize(candidate)), this.digest);
  }

  /** Used once: after the first admin exists the code is worthless. */
  close(): void {
    this.digest = null;
  }
}

function normalize(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
