import { sampleTexts } from '@nightshift/testkit/sample-documents';
import { describe, expect, it } from 'vitest';
import { drillHarness } from '../support/drill-harness.ts';
import { jsonLines } from '../support/service-process.ts';
import { stackKey, waitFor } from '../support/stack.ts';

// A batch's status does not depend on the notifier: real processes, real Redis, no notifier
// until the batch is over; the notifier only delivers.
const drill = drillHarness({ tokenLatencyMs: 1, env: { NIGHTSHIFT_JOB_LOCK_MS: '1500' } });

describe('notifier down', () => {
  it('a batch ends without any notifier; the notifier started later delivers its webhook once', async () => {
    const s = await drill.boot(['api', 'worker']);
    const texts = Object.values(sampleTexts);
    const created = await s.postJson({
      documents: [
        ...Array.from({ length: 6 }, (_, i) => ({ id: `d${i}`, text: texts[i % texts.length] })),
        { id: 'bad', pdf: Buffer.from('not a pdf at all').toString('base64') },
      ],
      webhook: { url: drill.receiver.url },
    });
    expect(created.status).toBe(202);

    const ended = await waitFor(
      async () => {
        const batch = await s.batch(created.body.id);
        return batch.status !== 'queued' && batch.status !== 'running' ? batch : undefined;
      },
      30_000,
      'batch final with no notifier running',
    );
    expect(ended).toMatchObject({
      status: 'completed_with_errors',
      counts: { total: 7, succeeded: 6, failed: 1, queued: 0, running: 0 },
      completedAt: expect.any(String),
    });
    // The event is queued and logged as pending, but nothing can send it yet. The worker queues
    // it right after the step that ended the batch (result files first), so on a loaded machine
    // a read just after the final status may come before it.
    type Deliveries = { data: { id: string; state: string; eventType: string }[] };
    const before = await waitFor(
      async () => {
        const listed = await fetch(`${s.base}/v1/batches/${created.body.id}/deliveries`, {
          headers: { authorization: `Bearer ${stackKey}` },
        });
        const body = (await listed.json()) as Deliveries;
        return body.data.length > 0 ? body : undefined;
      },
      10_000,
      'final event queued with no notifier running',
    );
    expect(before.data).toMatchObject([{ state: 'pending', eventType: 'batch.completed' }]);
    expect(drill.receiver.deliveries).toHaveLength(0);

    await s.start('notifier');
    const [event] = await drill.receiver.waitForDeliveries(1, 20_000);
    expect(event?.id).toBe(before.data[0]?.id);
    expect(event?.verified).toBe(true);
    expect(event?.body).toMatchObject({
      type: 'batch.completed',
      timestamp: ended.completedAt,
      data: { id: created.body.id, status: 'completed_with_errors', counts: ended.counts },
    });
    // Long enough for a duplicate to show up (sweeps run every 2 s, retries within 200 ms).
    await new Promise((r) => setTimeout(r, 3_000));
    expect(drill.receiver.deliveries).toHaveLength(1);
    expect(await s.batch(created.body.id)).toEqual(ended);
    // The notifier only delivered; the worker ended the batch.
    const workerLines = jsonLines(s.service('worker').output());
    expect(workerLines.some((l) => l.msg === 'batch ended' && l.batchId === created.body.id)).toBe(
      true,
    );
  }, 60_000);
});
