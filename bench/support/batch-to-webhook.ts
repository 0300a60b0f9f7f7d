import type { WebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import type { Stack } from '../../test/support/stack.ts';
import { until } from './stats.ts';

/** The short text of document `i` that the pipeline benchmarks submit (and BullMQ's baseline carries). */
export const documentText = (i: number) =>
  `Report ${i}. The night shift drained the queue without incident. ` +
  'Memory stayed flat and every webhook arrived signed.';

/**
 * Submits `count` short documents as one batch with a webhook to `receiver`, and resolves with
 * the ms from the POST to the signed `batch.completed` delivery.
 *
 * @example
 * const ms = await batchToWebhook(stack, receiver, 2_000);
 */
export async function batchToWebhook(
  stack: Stack,
  receiver: Pick<WebhookReceiver, 'deliveries' | 'url'>,
  count: number,
): Promise<number> {
  const before = receiver.deliveries.length;
  const started = performance.now();
  const { status, body } = await stack.postJson({
    documents: Array.from({ length: count }, (_, i) => ({ text: documentText(i) })),
    webhook: { url: receiver.url },
  });
  if (status !== 202) throw new Error(`submission answered ${status}: ${JSON.stringify(body)}`);
  await until(
    () => receiver.deliveries.slice(before).some((d) => d.rawBody.includes(body.id)),
    300_000,
    'batch.completed webhook',
    5,
  );
  return performance.now() - started;
}
