/** A webhook event body (the README's "Webhooks"): `{type, timestamp, data}`. */
export interface WebhookEvent<TType extends string = string, TData = unknown> {
  /** e.g. `batch.completed`. */
  type: TType;
  /** ISO-8601 time the event was made (not the attempt time; that is in the headers). */
  timestamp: string;
  /** The batch object (or document result) as the API shows it. */
  data: TData;
}

/**
 * Builds an event body. Serialise it once and keep that exact text for every retry.
 *
 * @example
 * const body = JSON.stringify(batchEvent('batch.completed', batch));
 */
export function batchEvent<TType extends string, TData>(
  type: TType,
  data: TData,
  now: Date = new Date(),
): WebhookEvent<TType, TData> {
  return { type, timestamp: now.toISOString(), data };
}
