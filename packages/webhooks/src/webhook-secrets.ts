import { createHash, randomBytes } from 'node:crypto';
import { keyPrefix } from '@nightshift/core';
import { luaScript } from '@nightshift/redis';
import type { Redis } from 'ioredis';

/** What `GET /v1/webhook-secret` may show: never a secret in full. */
export interface WebhookSecretInfo {
  /** `default` (the operator's `NIGHTSHIFT_WEBHOOK_SECRET`) until the tenant first rotates. */
  source: 'default' | 'tenant';
  /** False when no default is configured and the tenant never rotated: nothing can be signed. */
  configured: boolean;
  /** The current secret's first characters (`whsec_AbCd…`), to tell secrets apart. */
  prefix: string | null;
  /** First 16 hex digits of SHA-256 of the current secret, to compare with a copy safely. */
  fingerprint: string | null;
  /** When the current secret was made by a rotation (null for the default). */
  createdAt: string | null;
  /** The secret it replaced, still signing until `expiresAt`; null outside an overlap. */
  previous: { prefix: string; fingerprint: string; expiresAt: string } | null;
}

/** The answer of a rotation: the only time a secret is shown. */
export interface RotatedSecret {
  /** The new `whsec_…` secret. */
  secret: string;
  createdAt: string;
  /** Until when the old secret signs too (space-separated signatures). */
  previousExpiresAt: string;
}

/** Options of {@link WebhookSecretStore}. */
export interface WebhookSecretStoreOptions {
  /** A client connection (commands only). */
  redis: Redis;
  /** The operator's default `whsec_…` secret (`NIGHTSHIFT_WEBHOOK_SECRET`), if any. */
  defaultSecret?: string | undefined;
  /** How long an old secret keeps signing after a rotation. Default 24 h. */
  overlapMs?: number;
}

const secretKey = (tenant: string) => `${keyPrefix}:tenant:${tenant}:webhook-secret`;
// The default secret is named, not copied, so the operator's secret never lands in Redis.
const DEFAULT_MARKER = '@default';

// Reads the current secret and replaces it in one step, so two concurrent rotations cannot
// both think they replaced the same secret (the second one's "previous" is the first's new one).
const rotateScript = luaScript(new URL('./lua/rotate-webhook-secret.lua', import.meta.url));

/**
 * A webhook signing secret per tenant, with rotation: after `rotate`, both the new and the old
 * secret sign every attempt (space-separated signatures) until the overlap ends, so receivers
 * can switch without losing a delivery.
 *
 * @example
 * const secrets = new WebhookSecretStore({ redis, defaultSecret: config.NIGHTSHIFT_WEBHOOK_SECRET });
 * const { secret } = await secrets.rotate('acme');
 * const signing = await secrets.secretsFor('acme'); // [new, old] for the next 24 h
 */
export class WebhookSecretStore {
  readonly #redis: Redis;
  readonly #default: string | undefined;
  readonly #overlapMs: number;

  constructor(options: WebhookSecretStoreOptions) {
    this.#redis = options.redis;
    this.#default = options.defaultSecret;
    this.#overlapMs = options.overlapMs ?? 86_400_000;
  }

  /** Secrets that sign the tenant's next attempt, newest first; empty when none is configured. */
  async secretsFor(tenant: string, now: Date = new Date()): Promise<string[]> {
    const state = await this.#read(tenant);
    const out: string[] = [];
    const current = this.#resolve(state.current);
    if (current) out.push(current);
    const previous = state.previous === null ? undefined : this.#resolve(state.previous);
    if (previous && previous !== current && state.previousExpiresAt > now.getTime()) {
      out.push(previous);
    }
    return out;
  }

  /** Makes a new secret for the tenant; the old one keeps signing for `overlapMs`. */
  async rotate(
    tenant: string,
    options: { overlapMs?: number; now?: Date } = {},
  ): Promise<RotatedSecret> {
    const now = options.now ?? new Date();
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const expiresAt = new Date(now.getTime() + (options.overlapMs ?? this.#overlapMs));
    await rotateScript.run(
      this.#redis,
      [secretKey(tenant)],
      [secret, now.toISOString(), expiresAt.toISOString(), DEFAULT_MARKER],
    );
    return { secret, createdAt: now.toISOString(), previousExpiresAt: expiresAt.toISOString() };
  }

  /** Metadata of the tenant's secrets, safe to show. */
  async describe(tenant: string, now: Date = new Date()): Promise<WebhookSecretInfo> {
    const state = await this.#read(tenant);
    const current = this.#resolve(state.current);
    const previous = state.previous === null ? undefined : this.#resolve(state.previous);
    const overlapping = previous && state.previousExpiresAt > now.getTime();
    return {
      source: state.current && state.current !== DEFAULT_MARKER ? 'tenant' : 'default',
      configured: current !== undefined,
      prefix: current ? hint(current) : null,
      fingerprint: current ? fingerprint(current) : null,
      createdAt: state.createdAt ?? null,
      previous: overlapping
        ? {
            prefix: hint(previous),
            fingerprint: fingerprint(previous),
            expiresAt: new Date(state.previousExpiresAt).toISOString(),
          }
        : null,
    };
  }

  async #read(tenant: string) {
    const [current, createdAt, previous, previousExpiresAt] = await this.#redis.hmget(
      secretKey(tenant),
      'current',
      'createdAt',
      'previous',
      'previousExpiresAt',
    );
    return {
      current: current ?? null,
      createdAt: createdAt ?? null,
      previous: previous ?? null,
      previousExpiresAt: previousExpiresAt ? Date.parse(previousExpiresAt) : 0,
    };
  }

  #resolve(stored: string | null): string | undefined {
    if (stored === null) return this.#default;
    return stored === DEFAULT_MARKER ? this.#default : stored;
  }
}

// Enough to tell secrets apart by eye; 10 characters of 32 random bytes give nothing away.
const hint = (secret: string) => `${secret.slice(0, 10)}…`;
const fingerprint = (secret: string) =>
  createHash('sha256').update(secret).digest('hex').slice(0, 16);
