import { longText, sampleTexts } from '@nightshift/testkit/sample-documents';
import { describe, expect, it } from 'vitest';
import { drillHarness } from '../support/drill-harness.ts';
import { jsonLines } from '../support/service-process.ts';
import { waitFor } from '../support/stack.ts';

// Fault drills: real processes, real Redis, bounded in time. Each ends in a defined state.
const drill = drillHarness({
  tokenLatencyMs: 3,
  env: { NIGHTSHIFT_JOB_LOCK_MS: '1500', NIGHTSHIFT_NUM_CTX: '1024', NIGHTSHIFT_MAX_TOKENS: '64' },
});
const boot = (env: Record<string, string> = {}) => drill.boot(undefined, env);

const eventFor = (batchId: string) =>
  waitFor(
    async () =>
      drill.receiver.deliveries.find(
        (d) => (d.body as { data?: { id?: string } }).data?.id === batchId,
      ),
    40_000,
    `webhook for ${batchId}`,
  );

const chunkCalls = () =>
  drill.ollama.requests.filter(
    (r) => r.path === '/api/chat' && (r.messages?.at(-1)?.content ?? '').length > 1500,
  );

describe('fault drills', () => {
  it('kill -9 of a worker mid-document: the document completes once, from its checkpoint', async () => {
    const s = await boot({ NIGHTSHIFT_COLD_CONCURRENCY: '1' });
    const created = await s.postJson({
      documents: [{ id: 'long', text: longText(3_000, { seed: 3 }) }],
      webhook: { url: drill.receiver.url },
    });
    await waitFor(async () => chunkCalls().length >= 2, 20_000, 'two chunks done');
    await s.service('worker').kill();
    const callsBeforeKill = chunkCalls().length;
    await s.start('worker');

    const event = await eventFor(created.body.id);
    expect((event.body as { data: { status: string } }).data.status).toBe('completed');
    const batch = await s.batch(created.body.id);
    expect(batch.counts).toMatchObject({ total: 1, succeeded: 1, running: 0, queued: 0 });
    const results = await s.results(created.body.id);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ documentId: 'long', status: 'succeeded' });
    // Chunks summarized before the kill were not redone (at most the one in flight repeats).
    const texts = chunkCalls().map((r) => r.messages?.at(-1)?.content);
    const repeated = texts.length - new Set(texts).size;
    expect(repeated).toBeLessThanOrEqual(1);
    expect(callsBeforeKill).toBeGreaterThanOrEqual(2);
    expect(drill.receiver.deliveries.filter((d) => d.id === event.id)).toHaveLength(1);
  });

  it('kill -9 of a worker mid-group: every document of the group ends once', async () => {
    // 48 short texts on one slot travel 6 to a cold job (48 / (1 slot × 8 jobs)).
    const s = await boot({ NIGHTSHIFT_COLD_CONCURRENCY: '1' });
    const documents = Array.from({ length: 48 }, (_, i) => ({
      id: `g${i}`,
      text: `Entry ${i}-marker. The night crew restocked shelf ${i} and logged it.`,
    }));
    const created = await s.postJson({ documents, webhook: { url: drill.receiver.url } });
    await waitFor(
      async () => ((await s.batch(created.body.id)).counts.succeeded ?? 0) >= 3,
      20_000,
      'a few done',
    );
    const killed = s.service('worker');
    await killed.kill(); // mid-group: the job's lock expires and it runs again elsewhere
    await s.start('worker');

    const event = await eventFor(created.body.id);
    expect((event.body as { data: { status: string } }).data.status).toBe('completed');
    const batch = await s.batch(created.body.id);
    expect(batch.counts).toMatchObject({ total: 48, succeeded: 48, running: 0, queued: 0 });
    const results = await s.results(created.body.id);
    expect(new Set(results.map((r) => r.documentId)).size).toBe(48);
    // Each document reached the model once; only the one in flight at the kill may repeat.
    const calls = documents.map(
      (_, i) =>
        drill.ollama.requests.filter((r) =>
          r.messages?.some((m) => m.content.includes(`Entry ${i}-marker.`)),
        ).length,
    );
    expect(calls.every((n) => n >= 1 && n <= 2)).toBe(true);
    expect(calls.filter((n) => n === 2).length).toBeLessThanOrEqual(1);
    // The documents did travel in groups: several finished under one BullMQ job id.
    const finished = [killed, s.service('worker')]
      .flatMap((w) => jsonLines(w.output()))
      .filter((l) => l.msg === 'document finished' && l.batchId === created.body.id);
    expect(new Set(finished.map((l) => l.jobId)).size).toBeLessThan(finished.length / 2);
  });

  it('Redis restarted from its AOF mid-batch: the batch completes, nothing lost', async () => {
    const s = await boot({ NIGHTSHIFT_COLD_CONCURRENCY: '2' });
    const texts = Object.values(sampleTexts);
    const documents = Array.from({ length: 30 }, (_, i) => ({
      id: `d${i}`,
      text: texts[i % texts.length],
    }));
    const created = await s.postJson({ documents, webhook: { url: drill.receiver.url } });
    await waitFor(
      async () => ((await s.batch(created.body.id)).counts.succeeded ?? 0) >= 3,
      20_000,
      'some done',
    );
    await drill.redis.restart(); // SIGKILL + start from the append-only file

    const event = await eventFor(created.body.id);
    expect((event.body as { data: { status: string } }).data.status).toBe('completed');
    const batch = await s.batch(created.body.id);
    expect(batch.counts).toMatchObject({
      total: 30,
      succeeded: 30,
      failed: 0,
      queued: 0,
      running: 0,
    });
    const results = await s.results(created.body.id);
    expect(new Set(results.map((r) => r.documentId)).size).toBe(30);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('the API restarted with batches in flight: work goes on and the API serves it again', async () => {
    const s = await boot();
    const created = await s.postJson({
      documents: Array.from({ length: 10 }, (_, i) => ({
        text: `${sampleTexts.meetingNotes} ${i}`,
      })),
      webhook: { url: drill.receiver.url },
    });
    expect(await s.service('api').stop()).toBe(0); // graceful drain exits 0
    await s.start('api');
    await eventFor(created.body.id);
    expect((await s.batch(created.body.id)).status).toBe('completed');
  });

  it('Redis unreachable for a while: the API answers 503 for writes, then recovers by itself', async () => {
    const s = await boot();
    await drill.redis.kill();
    const down = await fetch(`${s.base}/v1/batches`, {
      method: 'POST',
      headers: { authorization: 'Bearer e2e-key', 'content-type': 'application/json' },
      body: JSON.stringify({ documents: [{ text: 'while down' }] }),
    });
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toContain('application/problem+json');
    expect(down.headers.get('retry-after')).toBeTruthy();
    expect((await fetch(`${s.base}/readyz`)).status).toBe(503);
    expect((await fetch(`${s.base}/healthz`)).status).toBe(200);

    await drill.redis.start();
    const created = await waitFor(
      async () => {
        const r = await s.postJson({
          documents: [{ text: sampleTexts.customerEmail }],
          webhook: { url: drill.receiver.url },
        });
        return r.status === 202 ? r : undefined;
      },
      20_000,
      'API accepting again',
    );
    await eventFor(created.body.id);
    expect((await s.batch(created.body.id)).counts.succeeded).toBe(1);
  });
});
