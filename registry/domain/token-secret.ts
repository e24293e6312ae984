/**
 * Token secrets: `gor_` + 32 random bytes in base64url, so secret scanners can spot
 * them. Only the SHA-256 is ever stored or compared.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PATTERN = /^gor_[A-Za-z0-9_-]{43,200}$/;

export const generateTokenSecret = () => 'gor_' + randomBytes(32).toString('base64url');

export const tokenDigest = (secret: string) => hash('sha256', secret, 'hex');

/** Constant-time equality of two hex digests of equal length. */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
