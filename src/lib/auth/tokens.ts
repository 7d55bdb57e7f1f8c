import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/**
 * Tokens of the form `<id>.<secret>`, as in the Lucia session guide: the id finds the row,
 * the secret proves possession. Only SHA-256 of the secret is stored, so a leaked database
 * yields no usable token, and the comparison is constant-time.
 */
export interface IssuedToken {
  id: string;
  /** What the holder receives: `<id>.<secret>`. */
  token: string;
  secretHash: Uint8Array;
}

// 120 bits of id and 160 bits of secret, from the OS's CSPRNG.
export function issueToken(): IssuedToken {
  const id = encodeBase32LowerCaseNoPadding(randomBytes(15));
  const secret = encodeBase32LowerCaseNoPadding(randomBytes(20));
  return { id, token: `${id}.${secret}`, secretHash: hashSecret(secret) };
}

export function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

const TOKEN_SHAPE = /^([a-z2-7]{24})\.([a-z2-7]{32})$/;

/** Splits a presented token; undefined when it cannot be one of ours. */
export function parseToken(token: string | undefined | null): { id: string; secret: string } | undefined {
  const match = token ? TOKEN_SHAPE.exec(token) : null;
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  return constantTimeEqual(hashSecret(secret), new Uint8Array(storedHash));
}
