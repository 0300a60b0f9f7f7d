import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** The three Standard Webhooks headers. */
export interface WebhookHeaders {
  /** Event id, the same on every retry of one event: receivers dedupe on it. */
  'webhook-id': string;
  /** Unix seconds of this attempt; receivers refuse it past 5 minutes of skew. */
  'webhook-timestamp': string;
  /** `v1,<base64>`, one per secret, space-separated during a rotation. */
  'webhook-signature': string;
  [name: string]: string;
}

/** Options of {@link signWebhook}. */
export interface SignWebhookOptions {
  /** `whsec_…` secrets; more than one during a rotation's overlap (newest first, by habit). */
  secrets: readonly string[];
  /** The event's `msg_…` id, kept across retries. */
  id: string;
  /** When this attempt is sent: a Date or Unix seconds. Sign each retry afresh. */
  timestamp: Date | number;
  /** The exact body text that will be sent. */
  body: string;
}

/**
 * Signs one attempt per Standard Webhooks with the `standardwebhooks` library.
 *
 * @example
 * const headers = signWebhook({ secrets: ['whsec_…'], id: newWebhookId(), timestamp: new Date(), body });
 */
export function signWebhook(options: SignWebhookOptions): WebhookHeaders {
  if (options.secrets.length === 0) throw new RangeError('signWebhook needs at least one secret');
  const at =
    options.timestamp instanceof Date ? options.timestamp : new Date(options.timestamp * 1000);
  const signatures = options.secrets.map((secret) =>
    new Webhook(secret).sign(options.id, at, options.body),
  );
  return {
    'webhook-id': options.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

/**
 * A new signing secret: `whsec_` + base64 of random bytes (24 to 64; default 32).
 *
 * @example
 * const secret = generateWebhookSecret(); // 'whsec_…'
 */
export function generateWebhookSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 24 || bytes > 64) {
    throw new RangeError('a webhook secret takes 24 to 64 random bytes');
  }
  return `whsec_${randomBytes(bytes).toString('base64')}`;
}

/**
 * A new event id, `msg_` + a millisecond time prefix + 80 random bits (base32, sortable by time).
 *
 * @example
 * newWebhookId(); // 'msg_01hx3…'
 */
export function newWebhookId(now: number = Date.now()): string {
  return `msg_${now.toString(32).padStart(10, '0')}${randomBase32(16)}`;
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

function randomBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}
