import { createHash, randomBytes } from 'node:crypto';

/** Prefix of every managed API key, so a leaked one is recognisable in logs and secret scanners. */
export const apiKeyPrefix = 'ns_';

/**
 * A new random API key: `ns_` and 32 random bytes in base64url (256 bits of entropy).
 *
 * @example
 * const key = generateApiKey(); // 'ns_Q2x…'
 */
export function generateApiKey(): string {
  return `${apiKeyPrefix}${randomBytes(32).toString('base64url')}`;
}

/**
 * The SHA-256 of a key, hex: what Redis stores instead of the key. A fast hash is enough here
 * because the keys are random and long; there is nothing to brute-force as with passwords.
 *
 * @example
 * hashApiKey('ns_abc'); // '8f3…' (64 hex digits)
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Tenant names follow `NIGHTSHIFT_API_KEYS` (one definition, in core). */
export { tenantNamePattern } from '@nightshift/core';
