import { type BatchEvent, batchEvent, type DocumentEvent, documentEvent } from '@nightshift/core';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { z } from 'zod';

/** An event Nightshift posts to a webhook: a batch's end, or (when asked for) a document's. */
export type NightshiftWebhookEvent = BatchEvent | DocumentEvent;

const webhookEvent = z.union([batchEvent, documentEvent]);

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /**
   * The tenant's `whsec_…` signing secret, or several during a rotation (the new one and the
   * old one): a delivery signed with any of them is accepted.
   */
  secrets: string | readonly string[];
  /** The request body exactly as received (bytes or text), before any JSON parsing. */
  payload: string | Buffer;
  /** The request headers (a fetch `Headers`, or Node's `req.headers`). */
  headers: Headers | Record<string, string | string[] | undefined>;
}

export { WebhookVerificationError };

/**
 * Checks a webhook delivery per Standard Webhooks (HMAC-SHA256 over `id.timestamp.body`, a
 * timestamp within 5 minutes) and returns its event, parsed and checked. Throws
 * `WebhookVerificationError` when no secret's signature matches, the timestamp is too old or
 * new, or the body is not a Nightshift event.
 *
 * @example
 * const event = verifyWebhook({ secrets: receiverSecret, payload: rawBody, headers: req.headers });
 * if (event.type === 'batch.completed') fetchResults(event.data.id);
 */
export function verifyWebhook(options: VerifyWebhookOptions): NightshiftWebhookEvent {
  const secrets = typeof options.secrets === 'string' ? [options.secrets] : options.secrets;
  if (secrets.length === 0) throw new WebhookVerificationError('No webhook secret given');
  const headers = signatureHeaders(options.headers);
  let failure: unknown = new WebhookVerificationError('No matching signature found');
  for (const secret of secrets) {
    let body: unknown;
    try {
      body = new Webhook(secret).verify(options.payload, headers);
    } catch (error) {
      failure = error;
      continue;
    }
    const parsed = webhookEvent.safeParse(body);
    if (!parsed.success) {
      throw new WebhookVerificationError(
        `Signed, but not a Nightshift event: ${parsed.error.issues[0]?.message}`,
      );
    }
    return parsed.data;
  }
  throw failure;
}

/** The three Standard Webhooks headers, whatever shape the server framework hands them in. */
function signatureHeaders(headers: VerifyWebhookOptions['headers']): Record<string, string> {
  const read = (name: string): string => {
    if (headers instanceof Headers) return headers.get(name) ?? '';
    const value = headers[name] ?? headers[name.toLowerCase()];
    return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
  };
  return {
    'webhook-id': read('webhook-id'),
    'webhook-timestamp': read('webhook-timestamp'),
    'webhook-signature': read('webhook-signature'),
  };
}
