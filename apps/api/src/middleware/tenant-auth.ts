import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { problemRefusal, type RefusalRenderer } from '../problem.ts';
import type { AdminLoginThrottle } from './admin-login-throttle.ts';
import { clientAddress } from './client-address.ts';

/** Variables the auth middleware sets on the context. */
export type TenantVariables = { tenant: string };

/** Options of {@link tenantAuth}. */
export interface TenantAuthOptions {
  /** Static `tenant:key` pairs (from `NIGHTSHIFT_API_KEYS`). */
  keys: { tenant: string; key: string }[];
  /** Extra lookup, e.g. keys managed in Redis; returns the tenant or null. */
  lookup?: (key: string) => Promise<string | null>;
  /** How a refusal is written. Default: problem+json. */
  refuse?: RefusalRenderer;
  /**
   * Counts wrong keys per client address (`NIGHTSHIFT_AUTH_FAILURES_PER_MIN`, one bucket
   * shared by every surface and replica); while an address is over it, every key it sends is
   * refused with 429, right or wrong. Absent: no throttle.
   */
  failures?: AdminLoginThrottle;
  /**
   * A header that carries the key as it is, read before `Authorization: Bearer` (Anthropic's
   * clients send `x-api-key`). Absent: the bearer token only.
   */
  keyHeader?: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * How long an address whose right key was let in skips the throttle's Redis look, ms. A lock
 * set through another replica is seen within this; one set through this replica (a wrong key
 * from the address here) at once, as that failure drops the address from the list.
 */
const CLEAN_FOR_MS = 5_000;
/** Addresses kept clean per throttle; past it the list starts over. */
const MAX_CLEAN = 10_000;

/**
 * Per throttle (one is shared by every surface of a replica), the addresses whose last look
 * found them unlocked and whose key was right, until when: a right key from such an address
 * costs no Redis round trip. Any wrong key from it drops the entry before it is counted.
 */
const cleanAddresses = new WeakMap<AdminLoginThrottle, Map<string, number>>();
function cleanOf(throttle: AdminLoginThrottle): Map<string, number> {
  let clean = cleanAddresses.get(throttle);
  if (!clean) {
    clean = new Map();
    cleanAddresses.set(throttle, clean);
  }
  return clean;
}

/**
 * Bearer authentication: `Authorization: Bearer <key>` names the tenant. Keys are compared as
 * SHA-256 digests with `timingSafeEqual`, so the comparison time does not leak the key.
 *
 * @example
 * app.use('/v1/*', tenantAuth({ keys: config.NIGHTSHIFT_API_KEYS }));
 * app.get('/v1/whoami', (c) => c.text(c.get('tenant')));
 */
export function tenantAuth(
  options: TenantAuthOptions,
): MiddlewareHandler<{ Variables: TenantVariables }> {
  const known = options.keys.map(({ tenant, key }) => ({ tenant, hash: digest(key) }));
  const refuse = options.refuse ?? problemRefusal;
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const own = options.keyHeader ? c.req.header(options.keyHeader)?.trim() : undefined;
    const key = own || /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    const challenge = { 'www-authenticate': 'Bearer realm="nightshift"' };
    if (!key) {
      return refuse(c, {
        status: 401,
        code: 'unauthorized',
        detail: options.keyHeader
          ? `Send ${options.keyHeader}: <api key> or Authorization: Bearer <api key>.`
          : 'Send Authorization: Bearer <api key>.',
        headers: challenge,
      });
    }
    const address = clientAddress(c);
    const clean = options.failures && cleanOf(options.failures);
    const now = Date.now();
    const fresh = (clean?.get(address) ?? 0) > now;
    // Asked before the key is compared, and answered alike for right and wrong keys: a locked
    // address learns nothing about its guesses. An address let in a moment ago skips the look.
    const locked = fresh ? null : options.failures?.refusal(address);
    const presented = digest(key);
    let tenant: string | null = null;
    for (const entry of known) {
      if (timingSafeEqual(entry.hash, presented)) tenant = entry.tenant;
    }
    const [wait, resolved] = await Promise.all([locked, tenant ?? options.lookup?.(key) ?? null]);
    if (wait) {
      return refuse(c, {
        status: 429,
        code: 'too-many-failed-authentications',
        detail: `Too many wrong API keys from this address; retry in ${wait.retryAfterS} s.`,
        headers: { 'retry-after': String(wait.retryAfterS) },
      });
    }
    tenant = resolved ?? null;
    if (!tenant) {
      clean?.delete(address);
      await options.failures?.fail(address);
      return refuse(c, {
        status: 401,
        code: 'unauthorized',
        detail: 'That API key is not valid.',
        headers: challenge,
      });
    }
    if (clean && !fresh) {
      if (clean.size >= MAX_CLEAN) clean.clear();
      clean.set(address, now + CLEAN_FOR_MS);
    }
    c.set('tenant', tenant);
    await next();
  };
}
