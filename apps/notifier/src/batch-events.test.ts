import { finalDeliveryId } from '@nightshift/batches';
import { type ColdJobData, keyPrefix, queueNames } from '@nightshift/core';
import { startWebhookReceiver, type WebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { enqueueDocumentEvent } from '@nightshift/webhooks';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotifierHarness, notifierHarness } from '../test-support/notifier-harness.ts';

let h: NotifierHarness;
let receiver: WebhookReceiver;
let cold: Worker<ColdJobData>;

const usage = { promptTokens: 1, completionTokens: 1 };

beforeAll(async () => {
  h = await notifierHarness('0s,200ms,400ms');
  receiver = await startWebhookReceiver({ secret: h.defaultSecret });
  h.startSender();
  // Stands in for the GPU worker: records each document done; the record of a batch's last
  // document ends the batch and queues its final event.
  cold = new Worker<ColdJobData>(
    queueNames.cold,
    async (job) => {
      await h.store.moveDocument(job.data.batchId, job.data.documentId, 'succeeded', {
        documentId: job.data.documentId,
        status: 'succeeded',
        summary: 'short',
        model: 'm',
        usage,
      });
    },
    { connection: h.blocking, prefix: keyPrefix, concurrency: 50 },
  );
});
afterAll(async () => {
  await cold.close();
  await receiver.close();
  await h.close();
});

describe('batch completion events', () => {
  it('turns 1,000 batch completions into 1,000 verified batch.completed events, none lost', async () => {
    const submitter = h.submitter();
    const batchIds: string[] = [];
    try {
      for (let start = 0; start < 1000; start += 50) {
        const chunk = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            submitter.submit({
              tenant: 'acme',
              documents: [{ id: `doc_${start + i}`, content: { kind: 'text', text: 'hello' } }],
              model: 'm',
              summary: {},
              metadata: {},
              webhook: { url: receiver.url, events: [] },
              completionWindow: '1h',
            }),
          ),
        );
        batchIds.push(...chunk.map((b) => b.id));
      }
    } finally {
      await submitter.close();
    }
    await receiver.waitForDeliveries(1000, 45_000);
    const unique = receiver.uniqueDeliveries();
    expect(unique).toHaveLength(1000);
    expect(new Set(unique.map((d) => d.id))).toEqual(new Set(batchIds.map(finalDeliveryId)));
    expect(unique.every((d) => d.verified)).toBe(true);
    const sample = unique[0]?.body as { type: string; data: { status: string; id: string } };
    expect(sample.type).toBe('batch.completed');
    expect(sample.data.status).toBe('completed');
  }, 60_000);

  it('sends per-document events only when the batch subscribed to them', async () => {
    receiver.reset();
    const batch = (h: string[]) => ({
      id: 'batch_docevents',
      webhook: { url: receiver.url, events: h as ('document.completed' | 'document.failed')[] },
    });
    const result = {
      documentId: 'doc_7',
      status: 'succeeded' as const,
      summary: 's',
      model: 'm',
      usage,
    };
    expect(
      await enqueueDocumentEvent(h.outbox, { tenant: 'acme', batch: batch([]), result }),
    ).toBeNull();
    expect(
      await enqueueDocumentEvent(h.outbox, {
        tenant: 'acme',
        batch: batch(['document.failed']),
        result,
      }),
    ).toBeNull();
    const id = await enqueueDocumentEvent(h.outbox, {
      tenant: 'acme',
      batch: batch(['document.completed']),
      result,
    });
    // The same result recorded twice (a worker retry) queues one event.
    const again = await enqueueDocumentEvent(h.outbox, {
      tenant: 'acme',
      batch: batch(['document.completed']),
      result,
    });
    expect(again).toBe(id);
    await h.settled(id as string, 'delivered');
    const [got] = await receiver.waitForDeliveries(1);
    expect(got?.verified).toBe(true);
    expect(got?.body).toMatchObject({
      type: 'document.completed',
      data: { documentId: 'doc_7', batchId: 'batch_docevents', summary: 's' },
    });
    expect((await h.deliveries.forBatch('batch_docevents')).map((d) => d.id)).toEqual([id]);
    expect(receiver.deliveries).toHaveLength(1);
  });
});
