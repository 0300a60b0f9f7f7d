import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { inflationBombPdf } from '@nightshift/testkit/pdf-bombs';
import { freePort, type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import {
  corruptPdf,
  encryptedPdf,
  notAPdf,
  sampleTexts,
  scannedPdf,
  textPdf,
} from '@nightshift/testkit/sample-documents';
import { startWebhookReceiver, type WebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { generateWebhookSecret } from '@nightshift/webhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceProcess } from '../support/service-process.ts';
import { startStack, waitFor } from '../support/stack.ts';

let redis: RedisHarness;
let receiver: WebhookReceiver;
const secret = generateWebhookSecret();
let services: ServiceProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  receiver = await startWebhookReceiver({ secret });
});
afterEach(async () => {
  await Promise.all(services.map((s) => s.stop()));
  services = [];
  await redis.restart(); // fresh state between stacks without a new port
  const { Redis } = await import('ioredis');
  const client = new Redis(redis.url);
  await client.flushall();
  client.disconnect();
  receiver.reset();
});
afterAll(async () => {
  await receiver.close();
  await redis.stop();
});

const stackFor = async (ollamaHost: string) => {
  const stack = await startStack({ redisUrl: redis.url, webhookSecret: secret, ollamaHost });
  services = [...stack.services.values()];
  return stack;
};

type BatchEventBody = {
  type: string;
  data: {
    id: string;
    status: string;
    counts: Record<string, number>;
    usage: Record<string, number>;
  };
};

async function eventFor(batchId: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const delivery = receiver.deliveries.find(
      (d) => (d.body as BatchEventBody).data?.id === batchId,
    );
    if (delivery) return delivery;
    if (Date.now() > deadline) throw new Error(`no webhook for ${batchId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the whole stack as separate processes', () => {
  let ollama: OllamaStandIn;
  beforeAll(async () => {
    ollama = await startOllamaStandIn();
  });
  afterAll(async () => {
    await ollama.close();
  });

  it('summarizes a JSON batch and a multipart PDF batch with Ollama and signs the webhooks', async () => {
    const stack = await stackFor(ollama.url);
    const texts = await stack.postJson({
      documents: Object.entries(sampleTexts).map(([id, text]) => ({ id, text })),
      summary: { maxWords: 30 },
      webhook: { url: receiver.url },
    });
    expect(texts.status).toBe(202);

    const form = new FormData();
    const pdf = await textPdf([
      'Nightshift moves batch summaries to the night.',
      'Page two talks about VRAM.',
    ]);
    form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'good.pdf');
    form.append(
      'file',
      new Blob([await encryptedPdf()], { type: 'application/pdf' }),
      'locked.pdf',
    );
    form.append('file', new Blob([await scannedPdf()], { type: 'application/pdf' }), 'scan.pdf');
    form.append('file', new Blob([await corruptPdf()], { type: 'application/pdf' }), 'broken.pdf');
    // 3 KB that inflate to 1 GiB: refused by the worker's decode budget, the worker lives on.
    form.append('file', new Blob([inflationBombPdf()], { type: 'application/pdf' }), 'bomb.pdf');
    form.append('file', new Blob([notAPdf('png')], { type: 'application/pdf' }), 'fake.pdf');
    form.append('options', JSON.stringify({ webhook: { url: receiver.url } }));
    const pdfs = await stack.postForm(form);
    expect(pdfs.status).toBe(202);

    const textEvent = await eventFor(texts.body.id);
    expect(textEvent.verified).toBe(true);
    expect(textEvent.headers['webhook-id']).toMatch(/^msg_/);
    const textBody = textEvent.body as BatchEventBody;
    expect(textBody.type).toBe('batch.completed');
    expect(textBody.data.status).toBe('completed');
    expect(textBody.data.counts).toMatchObject({ total: 5, succeeded: 5, failed: 0, queued: 0 });
    expect(textBody.data.usage.promptTokens).toBeGreaterThan(0);

    const textResults = await stack.results(texts.body.id);
    expect(textResults.map((r) => r.documentId)).toEqual(Object.keys(sampleTexts));
    for (const result of textResults) {
      expect(result).toMatchObject({ status: 'succeeded', model: 'qwen3:32b', degraded: false });
      expect(String(result.summary).length).toBeGreaterThan(0);
    }
    const chats = ollama.requests.filter((r) => r.path === '/api/chat');
    expect(chats.length).toBeGreaterThanOrEqual(5);
    expect(chats.every((r) => r.options?.num_ctx === 2048)).toBe(true);

    const pdfEvent = await eventFor(pdfs.body.id);
    expect(pdfEvent.verified).toBe(true);
    const pdfBody = pdfEvent.body as BatchEventBody;
    expect(pdfBody.type).toBe('batch.completed');
    expect(pdfBody.data.status).toBe('completed_with_errors');
    expect(pdfBody.data.counts).toMatchObject({ total: 6, succeeded: 1, failed: 5 });
    const pdfResults = await stack.results(pdfs.body.id);
    expect(
      pdfResults.map((r) => [r.documentId, r.status, (r.error as { code?: string })?.code]),
    ).toEqual([
      ['good.pdf', 'succeeded', undefined],
      ['locked.pdf', 'failed', 'pdf_encrypted'],
      ['scan.pdf', 'failed', 'pdf_no_text'],
      ['broken.pdf', 'failed', 'pdf_corrupt'],
      ['bomb.pdf', 'failed', 'pdf_too_large'],
      ['fake.pdf', 'failed', 'not_a_pdf'],
    ]);
  });
});

describe('the hot lane through the whole stack', () => {
  let ollama: OllamaStandIn;
  beforeAll(async () => {
    ollama = await startOllamaStandIn();
  });
  afterAll(async () => {
    await ollama.close();
  });

  it('answers POST /v1/summaries while the client waits, and falls back when the main model is out of memory', async () => {
    const stack = await stackFor(ollama.url);
    const ask = () =>
      fetch(`${stack.base}/v1/summaries`, {
        method: 'POST',
        headers: { authorization: 'Bearer e2e-key', 'content-type': 'application/json' },
        body: JSON.stringify({ text: sampleTexts.customerEmail, summary: { maxWords: 30 } }),
      });
    // The API admits hot work once a worker has published its status (rate limit: burst 3).
    await waitFor(
      async () => {
        const workers = await fetch(`${stack.base}/v1/workers`, {
          headers: { authorization: 'Bearer e2e-key' },
        });
        return ((await workers.json()) as { data: unknown[] }).data.length > 0;
      },
      20_000,
      'a worker online',
    );
    const first = await ask();
    expect(first.status).toBe(200);
    const answer = (await first.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ model: 'qwen3:32b', degraded: false });
    expect(String(answer.summary).length).toBeGreaterThan(0);
    expect((answer.usage as { promptTokens: number }).promptTokens).toBeGreaterThan(0);
    expect(answer.durationMs).toEqual(expect.any(Number));

    ollama.failNext({ kind: 'oom', model: 'qwen3:32b' });
    const degraded = (await (await ask()).json()) as Record<string, unknown>;
    expect(degraded).toMatchObject({ model: 'qwen2:7b', degraded: true });
  });
});

describe('with no Ollama at all', () => {
  it('summarizes end to end with the built-in extractive provider', async () => {
    const closedPort = await freePort();
    const stack = await stackFor(`http://127.0.0.1:${closedPort}`);
    const created = await stack.postJson({
      documents: [{ id: 'incident', text: sampleTexts.gpuIncident }],
      summary: { maxWords: 40 },
      webhook: { url: receiver.url },
    });
    const event = await eventFor(created.body.id);
    expect(event.verified).toBe(true);
    expect((event.body as BatchEventBody).data.status).toBe('completed');
    const [result] = await stack.results(created.body.id);
    expect(result).toMatchObject({ status: 'succeeded', model: 'extractive' });
    const summary = String(result?.summary);
    expect(summary.split(/\s+/).length).toBeLessThanOrEqual(40);
    expect(sampleTexts.gpuIncident.startsWith(summary)).toBe(false);
  });
});
