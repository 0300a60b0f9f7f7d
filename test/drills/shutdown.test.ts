import { longText, sampleTexts } from '@nightshift/testkit/sample-documents';
import { describe, expect, it } from 'vitest';
import { drillHarness } from '../support/drill-harness.ts';
import { jsonLines } from '../support/service-process.ts';
import { stackKey, waitFor } from '../support/stack.ts';

// SIGTERM drills: real processes, a slowed Ollama stand-in so work is in flight when the
// signal lands. Each app drains within its grace (exit 0) and nothing is lost.
const drill = drillHarness({
  // 64 words per answer at 12 ms a word: each model call takes about 0.8 s.
  tokenLatencyMs: 12,
  env: { NIGHTSHIFT_NUM_CTX: '1024', NIGHTSHIFT_MAX_TOKENS: '64' },
});
const headers = { authorization: `Bearer ${stackKey}`, 'content-type': 'application/json' };
const boot = (apps: string[], env: Record<string, string> = {}) => drill.boot(apps, env);

const chats = () => drill.ollama.requests.filter((r) => r.path === '/api/chat');
/** Model calls on chunks of the long document (the short ones are far under 1500 chars). */
const longChunkCalls = () =>
  chats().filter((r) => (r.messages?.at(-1)?.content ?? '').length > 1500);

describe('SIGTERM drains', () => {
  it('worker mid-batch: exits 0 within the grace, its document yields and completes once on a new worker', async () => {
    const s = await boot(['api', 'worker', 'notifier'], { NIGHTSHIFT_COLD_CONCURRENCY: '2' });
    const created = await s.postJson({
      documents: [
        { id: 'long', text: longText(3_000, { seed: 7 }) },
        { id: 'short-1', text: sampleTexts.meetingNotes },
        { id: 'short-2', text: sampleTexts.customerEmail },
      ],
      webhook: { url: drill.receiver.url },
    });
    expect(created.status).toBe(202);
    await waitFor(async () => longChunkCalls().length >= 1, 20_000, 'a chunk of the long document');

    const worker = s.service('worker');
    // runService exits 1 past its 30 s grace: exit 0 means it drained within it.
    expect(await worker.stop()).toBe(0);
    const yielded = jsonLines(worker.output()).find(
      (l) => l.msg === 'cold job yielded at a chunk boundary',
    );
    // The yield line names the job: tenant, batch, document and BullMQ job id.
    expect(yielded).toMatchObject({
      tenant: 'acme',
      batchId: created.body.id,
      documentId: 'long',
      jobId: expect.any(String),
    });
    const drained = await s.batch(created.body.id);
    expect(drained.counts.running).toBe(0); // nothing left claimed by the stopped worker
    expect(drained.counts.queued).toBeGreaterThanOrEqual(1);

    await s.start('worker');
    const event = await waitFor(
      async () =>
        drill.receiver.deliveries.find(
          (d) => (d.body as { data?: { id?: string } }).data?.id === created.body.id,
        ),
      40_000,
      'batch webhook',
    );
    expect((event.body as { data: { status: string } }).data.status).toBe('completed');
    const batch = await s.batch(created.body.id);
    expect(batch.counts).toMatchObject({
      total: 3,
      succeeded: 3,
      running: 0,
      queued: 0,
      failed: 0,
    });
    const results = await s.results(created.body.id);
    expect(results.map((r) => r.documentId).sort()).toEqual(['long', 'short-1', 'short-2']);
    expect(drill.receiver.deliveries.filter((d) => d.id === event.id)).toHaveLength(1);
    // Chunks done before the drain were kept: at most the one in flight was summarized twice.
    const texts = longChunkCalls().map((r) => r.messages?.at(-1)?.content);
    expect(texts.length - new Set(texts).size).toBeLessThanOrEqual(1);
  }, 60_000);

  it('API with a summary in flight: readyz turns 503, the request gets its answer, then connections are refused', async () => {
    const s = await boot(['api', 'worker'], { NIGHTSHIFT_API_DRAIN_DELAY_MS: '500' });
    // Several chunks plus a reduce: the summary takes seconds, longer than the drain delay.
    const pending = fetch(`${s.base}/v1/summaries`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ text: longText(1_800, { seed: 11 }) }),
    });
    // An answer before any model call (a 503 from admission, say) fails at once, saying why.
    const answeredEarly = pending.then(async (r) => {
      throw new Error(`answered ${r.status} before running: ${await r.clone().text()}`);
    });
    await Promise.race([
      waitFor(async () => chats().length >= 1, 20_000, 'the hot summary running'),
      answeredEarly,
    ]);

    const api = s.service('api');
    const exited = api.stop(); // SIGTERM; resolves with the exit code
    await api.waitForOutput(/draining: readyz answers 503/);
    const ready = await fetch(`${s.base}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${s.base}/healthz`)).status).toBe(200);

    // After the delay the listener closes: new connections are refused.
    await waitFor(
      () =>
        fetch(`${s.base}/healthz`).then(
          () => false,
          () => true,
        ),
      10_000,
      'connections refused',
    );
    const answer = await pending;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ summary: expect.any(String), degraded: false });
    expect(await exited).toBe(0);
    // Each request was logged with its tenant, status and duration.
    const logged = jsonLines(api.output()).find(
      (l) => l.msg === 'request' && l.path === '/v1/summaries',
    );
    expect(logged).toMatchObject({ method: 'POST', status: 200, tenant: 'acme' });
    expect(typeof logged?.durationMs).toBe('number');
  }, 60_000);

  it('notifier mid-delivery: the delivery in flight is answered and recorded before it exits', async () => {
    const s = await boot(['api', 'worker', 'notifier']);
    drill.receiver.respondWith({ status: 200, delayMs: 2_000 }); // the receiver holds the answer
    const created = await s.postJson({
      documents: [{ text: sampleTexts.customerEmail }],
      webhook: { url: drill.receiver.url },
    });
    const [held] = await drill.receiver.waitForDeliveries(1, 30_000);

    const notifier = s.service('notifier');
    expect(await notifier.stop()).toBe(0);
    const response = await fetch(`${s.base}/v1/batches/${created.body.id}/deliveries`, {
      headers,
    });
    const { data } = (await response.json()) as {
      data: { id: string; state: string; eventType: string }[];
    };
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ id: held?.id, state: 'delivered' });
    expect(drill.receiver.deliveredIds()).toContain(held?.id);
    const delivered = jsonLines(notifier.output()).find((l) => l.msg === 'webhook delivered');
    expect(delivered).toMatchObject({
      tenant: 'acme',
      batchId: created.body.id,
      deliveryId: held?.id,
    });
  }, 60_000);
});
