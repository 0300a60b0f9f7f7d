import { keyPrefix, loadConfig } from '@nightshift/core';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { until } from '@nightshift/testkit/until';
import { startWebhookReceiver, type WebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { generateWebhookSecret } from '@nightshift/webhooks';
import OpenAI, { toFile } from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../apps/api/test-support/gateway-under-test.ts';
import { type RunningNotifier, startNotifier } from '../../apps/notifier/src/notifier-process.ts';
import { workerUnderTest } from '../../apps/worker/test-support/worker-under-test.ts';

// The official `openai` client against the real API on a real port, with a real worker on the
// same Redis draining the cold lane into the Ollama stand-in.
let ollama: OllamaStandIn;
let api: Awaited<ReturnType<typeof gatewayUnderTest>>;
let worker: Awaited<ReturnType<typeof workerUnderTest>>;
let client: OpenAI;
let receiver: WebhookReceiver;
let notifier: RunningNotifier;
const secret = generateWebhookSecret();

const env = () => ({
  NIGHTSHIFT_WEBHOOK_SECRET: secret,
  NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE: 'true',
  OLLAMA_HOST: ollama.url,
  NIGHTSHIFT_PROVIDER: 'ollama',
  NIGHTSHIFT_NUM_CTX: '512',
  NIGHTSHIFT_COLD_CONCURRENCY: '1',
  NIGHTSHIFT_OPENAI_FILE_MAX_BYTES: '1000000',
});

beforeAll(async () => {
  ollama = await startOllamaStandIn({ tokenLatencyMs: 1 });
  api = await gatewayUnderTest(env());
  worker = await workerUnderTest(api.redis, env());
  receiver = await startWebhookReceiver({ secret });
  notifier = await startNotifier(
    loadConfig({ ...env(), REDIS_URL: api.redis.url, NIGHTSHIFT_LOG_LEVEL: 'silent' }),
    pino({ level: 'silent' }),
  );
  client = new OpenAI({ baseURL: api.openAiBaseUrl, apiKey: 'acme-key', maxRetries: 0 });
});
afterAll(async () => {
  await notifier?.stop();
  await receiver?.close();
  await worker?.close();
  await api?.close();
  await ollama?.close();
});

const jsonl = (lines: unknown[]) => `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
const chatLine = (customId: string, content: string, extra: Record<string, unknown> = {}) => ({
  custom_id: customId,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model: 'qwen2:7b', messages: [{ role: 'user', content }], max_tokens: 8, ...extra },
});
async function uploaded(text: string) {
  return client.files.create({
    file: await toFile(Buffer.from(text), 'input.jsonl'),
    purpose: 'batch',
  });
}
async function finished(id: string) {
  let batch = await client.batches.retrieve(id);
  await until(
    async () => {
      batch = await client.batches.retrieve(id);
      return ['completed', 'failed', 'expired', 'cancelled'].includes(batch.status);
    },
    20_000,
    `batch ${id} final`,
  );
  return batch;
}
const lines = async (fileId: string) =>
  (await (await client.files.content(fileId)).text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('files', () => {
  it('uploads, lists, retrieves, streams back and deletes a JSONL file', async () => {
    const text = jsonl([chatLine('a', 'one two three'), chatLine('b', 'four five')]);
    const file = await uploaded(text);
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'batch',
      bytes: Buffer.byteLength(text),
    });
    expect(file.id).toMatch(/^file-/);
    expect(await client.files.retrieve(file.id)).toMatchObject({
      id: file.id,
      filename: 'input.jsonl',
    });
    expect(await (await client.files.content(file.id)).text()).toBe(text);
    const listed = await client.files.list();
    expect(listed.data.map((f) => f.id)).toContain(file.id);
    expect(await client.files.delete(file.id)).toMatchObject({ id: file.id, deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a file over the limit as it streams in, keeping nothing of it', async () => {
    const before = (await client.files.list()).data.length;
    const big = jsonl(Array.from({ length: 20_000 }, (_, i) => chatLine(`l${i}`, 'padding text')));
    await expect(
      client.files.create({ file: await toFile(Buffer.from(big), 'big.jsonl'), purpose: 'batch' }),
    ).rejects.toMatchObject({ status: 413, param: 'file' });
    expect((await client.files.list()).data.length).toBe(before);
  });

  it('answers bad requests in OpenAI error shape, never 5xx', async () => {
    const headers = { authorization: 'Bearer acme-key' };
    const base = api.openAiBaseUrl;
    const answers = await Promise.all([
      fetch(`${base}/files`, { method: 'POST', headers, body: 'not multipart' }),
      fetch(`${base}/files`, { method: 'POST', headers, body: new FormData() }),
      fetch(`${base}/files?limit=zero`, { headers }),
      fetch(`${base}/files/file-..%2Fx`, { headers }),
      fetch(`${base}/files/not-a-file/content`, { headers }),
      fetch(`${base}/batches`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{"input_file_id":',
      }),
      fetch(`${base}/batches`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          input_file_id: 'x',
          endpoint: '/v1/images',
          completion_window: '24h',
        }),
      }),
      fetch(`${base}/batches?after=nope`, { headers }),
      fetch(`${base}/batches/batch_nope/cancel`, { method: 'POST', headers }),
      fetch(`${base}/files`, { headers: { authorization: 'Bearer wrong' } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([
      400, 400, 400, 404, 404, 400, 400, 400, 404, 401,
    ]);
    for (const answer of answers)
      expect(await answer.json()).toMatchObject({ error: { message: expect.any(String) } });
  });

  it('refuses another purpose and another tenant, in OpenAI error shape', async () => {
    await expect(
      client.files.create({
        file: await toFile(Buffer.from('{}\n'), 'x.jsonl'),
        purpose: 'fine-tune',
      }),
    ).rejects.toMatchObject({ status: 400, param: 'purpose' });
    const file = await uploaded(jsonl([chatLine('a', 'hello')]));
    const other = new OpenAI({ baseURL: api.openAiBaseUrl, apiKey: 'globex-key', maxRetries: 0 });
    await expect(other.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe('batches', () => {
  it('runs chat lines on the cold lane into output and error files', async () => {
    const schema = {
      type: 'json_schema',
      json_schema: {
        name: 'fields',
        schema: { type: 'object', properties: { name: { type: 'string' } } },
      },
    };
    const file = await uploaded(
      jsonl([
        chatLine('first', 'alpha beta gamma delta'),
        chatLine('second', 'extract the name', { response_format: schema }),
        chatLine('too-long', 'word '.repeat(2_000)),
      ]),
    );
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { team: 'search' },
    });
    expect(created).toMatchObject({
      object: 'batch',
      status: 'in_progress',
      input_file_id: file.id,
    });
    expect(created.request_counts).toEqual({ total: 3, completed: 0, failed: 0 });

    const batch = await finished(created.id);
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    expect(batch.metadata).toEqual({ team: 'search' });
    expect(batch.completed_at).toBeGreaterThanOrEqual(batch.created_at);

    const output = await lines(batch.output_file_id as string);
    expect(output.map((l) => l.custom_id).sort()).toEqual(['first', 'second']);
    const first = output.find((l) => l.custom_id === 'first');
    expect(first).toMatchObject({ error: null, response: { status_code: 200 } });
    expect(first.id).toMatch(/^batch_req_/);
    expect(first.response.body.choices[0].message.content).toBe('alpha beta gamma delta');
    // The schema went to the upstream as the line wrote it.
    const sent = ollama.requests.find((r) =>
      JSON.stringify(r.body ?? null).includes('extract the name'),
    );
    expect((sent?.body as { response_format?: unknown } | undefined)?.response_format).toEqual(
      schema,
    );

    const errors = await lines(batch.error_file_id as string);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      custom_id: 'too-long',
      response: { status_code: 400, body: { error: { code: 'context_length_exceeded' } } },
    });
  });

  it('runs embeddings lines, and signs batch.completed to the webhook once the files exist', async () => {
    const file = await uploaded(
      jsonl(
        ['alpha', 'beta gamma'].map((input, i) => ({
          custom_id: `e${i}`,
          method: 'POST',
          url: '/v1/embeddings',
          body: { model: 'qwen2:7b', input },
        })),
      ),
    );
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/embeddings',
      completion_window: '24h',
      webhook: { url: receiver.url }, // an extension: OpenAI has no webhook per batch
    } as OpenAI.Batches.BatchCreateParams);
    const [delivery] = await receiver.waitForDeliveries(1, 20_000);
    expect(delivery).toMatchObject({
      verified: true,
      body: { type: 'batch.completed', data: { id: created.id } },
    });
    // Written by the step that ended the batch, before its event went out: no read needed.
    const written = await api.client.hget(`${keyPrefix}:oai-batch:${created.id}`, 'outputFileId');
    expect(written).toMatch(/^file-/);
    const batch = await client.batches.retrieve(created.id);
    expect(batch).toMatchObject({
      status: 'completed',
      error_file_id: null,
      output_file_id: written,
    });
    const output = await lines(batch.output_file_id as string);
    expect(output).toHaveLength(2);
    for (const line of output)
      expect(line.response.body.data[0].embedding.length).toBeGreaterThan(0);
  });

  it('runs 24 lines that travel several to a cold job, each answered once, in order', async () => {
    // One cold slot: 24 lines make groups of 2 (NIGHTSHIFT_COLD_GROUP_MAX, see cold-groups.ts).
    const ids = Array.from({ length: 24 }, (_, i) => `g${String(i).padStart(2, '0')}`);
    const file = await uploaded(
      jsonl(
        ids.map((id) => ({
          custom_id: id,
          method: 'POST',
          url: '/v1/embeddings',
          body: { model: 'qwen2:7b', input: `text ${id}` },
        })),
      ),
    );
    const before = ollama.requests.filter((r) => r.path === '/v1/embeddings').length;
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/embeddings',
      completion_window: '24h',
    });
    const batch = await finished(created.id);
    expect(batch.request_counts).toEqual({ total: 24, completed: 24, failed: 0 });
    expect((await lines(batch.output_file_id as string)).map((l) => l.custom_id)).toEqual(ids);
    expect(ollama.requests.filter((r) => r.path === '/v1/embeddings').length - before).toBe(24);
  });

  it('runs legacy text completions lines', async () => {
    const file = await uploaded(
      jsonl([
        {
          custom_id: 't1',
          method: 'POST',
          url: '/v1/completions',
          body: { model: 'qwen2:7b', prompt: 'once upon a time', max_tokens: 3 },
        },
      ]),
    );
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/completions',
      completion_window: '24h',
    });
    const batch = await finished(created.id);
    const [line] = await lines(batch.output_file_id as string);
    expect(line).toMatchObject({
      custom_id: 't1',
      response: {
        status_code: 200,
        body: { object: 'text_completion', choices: [{ text: 'once upon a' }] },
      },
    });
    expect(ollama.requests.some((r) => r.path === '/v1/completions')).toBe(true);
  });

  it('fails a malformed file, naming each bad line', async () => {
    const text = [
      JSON.stringify(chatLine('a', 'fine')),
      '{"custom_id": "b", "method": "POST"', // cut short
      JSON.stringify(chatLine('a', 'again')), // duplicate custom_id
      JSON.stringify({ ...chatLine('c', 'x'), url: '/v1/embeddings' }),
    ].join('\n');
    const file = await uploaded(text);
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data?.map((e) => [e.line, e.code])).toEqual([
      [2, 'invalid_json_line'],
      [3, 'duplicate_custom_id'],
      [4, 'invalid_url'],
    ]);
    expect(batch.failed_at).toBeGreaterThan(0);
  });

  it('answers a missing input file and a bad window in OpenAI error shape', async () => {
    await expect(
      client.batches.create({
        input_file_id: 'file-0000000000aaaaaaaaaaaaaaaa',
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      }),
    ).rejects.toMatchObject({ status: 404, code: 'file_not_found' });
    const file = await uploaded(jsonl([chatLine('a', 'x')]));
    await expect(
      client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '1h' as '24h',
      }),
    ).rejects.toMatchObject({ status: 400, param: 'completion_window' });
  });

  it('cancels: waiting lines go to the error file as batch_cancelled', async () => {
    ollama.failNext({ kind: 'slow', delayMs: 1_500, model: 'qwen2:7b' });
    const file = await uploaded(
      jsonl(Array.from({ length: 6 }, (_, i) => chatLine(`c${i}`, 'slow one'))),
    );
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '48h' as '24h', // longer windows are an extension
    });
    const cancelling = await client.batches.cancel(created.id);
    expect(['cancelling', 'cancelled']).toContain(cancelling.status);
    const batch = await finished(created.id);
    expect(batch.status).toBe('cancelled');
    expect(batch.cancelled_at).toBeGreaterThan(0);
    const errors = await lines(batch.error_file_id as string);
    expect(errors.filter((l) => l.error?.code === 'batch_cancelled').length).toBeGreaterThan(0);
    expect(errors.length + (batch.request_counts?.completed ?? 0)).toBe(6);
  });

  it('lists batches newest first, page by page', async () => {
    const page = await client.batches.list({ limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    const ids: string[] = [];
    for await (const batch of client.batches.list({ limit: 2 })) ids.push(batch.id);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('night schedules from a stored file', () => {
  const createSchedule = (fileId: string) =>
    fetch(`${api.url}/v1/schedules`, {
      method: 'POST',
      headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'nightly extraction',
        cron: '0 2 * * *',
        source: { kind: 'openai_file', fileId, endpoint: '/v1/chat/completions' },
      }),
    });

  it('takes a batch file of the tenant and keeps it from expiring; refuses any other', async () => {
    const missing = await createSchedule('file-0000000000aaaaaaaaaaaaaaaa');
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({ errors: [{ field: 'source.fileId' }] });

    const file = await uploaded(jsonl([chatLine('a', 'extract this')]));
    expect(file.expires_at).toBeGreaterThan(0);
    const created = await createSchedule(file.id);
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      source: { kind: 'openai_file', fileId: file.id },
    });
    expect((await client.files.retrieve(file.id)).expires_at).toBeNull();
  });
});
