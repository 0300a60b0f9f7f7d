import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { Ollama } from 'ollama';
import OpenAI, { toFile } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

type Api = Awaited<ReturnType<typeof gatewayUnderTest>>;
let upstream: OllamaStandIn;
const apis: Api[] = [];
const start = async (env: Record<string, string>) => {
  const api = await gatewayUnderTest(env);
  apis.push(api);
  return api;
};
const openAi = (api: Api) =>
  new OpenAI({ baseURL: api.openAiBaseUrl, apiKey: 'acme-key', maxRetries: 0 });
const ollama = (api: Api) =>
  new Ollama({ host: api.ollamaHost, headers: { Authorization: 'Bearer acme-key' } });
const user = (content: string) => [{ role: 'user' as const, content }];
/** An address a caller must never read: `host:port`, or the upstream ids built from them. */
const address = /\d{1,3}(\.\d{1,3}){3}|:\d{2,5}\b|localhost|(ollama|openai)@/;

/** A value nested `depth` arrays deep, as JSON text (built without recursion). */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

beforeAll(async () => {
  upstream = await startOllamaStandIn({ tokenLatencyMs: 1 });
});
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()));
  upstream.reset();
});
afterAll(async () => {
  await upstream?.close();
});

describe('callers see model names, never the addresses of model servers', () => {
  it('lists models without their servers', async () => {
    const api = await start({ OLLAMA_HOST: upstream.url });
    const models = await openAi(api).models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(['qwen2:7b', 'qwen3:32b']);
    for (const model of models.data) expect(model.owned_by).not.toMatch(address);
    const one = await openAi(api).models.retrieve('qwen2:7b');
    expect(one.owned_by).not.toMatch(address);
  });

  it('names no server in the error of a call no upstream could answer, in either dialect', async () => {
    const api = await start({
      NIGHTSHIFT_UPSTREAMS: JSON.stringify([
        { kind: 'ollama', url: upstream.url, models: ['qwen2:7b'] },
        { kind: 'openai', url: 'http://127.0.0.1:9/v1', models: ['qwen2:7b'] },
      ]),
    });
    upstream.failNext({ kind: 'oom', times: 4 });
    const failed = (await openAi(api)
      .chat.completions.create({ model: 'qwen2:7b', messages: user('hi') })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(failed.status).toBe(503);
    expect(failed.message).toMatch(/qwen2:7b/);
    expect(failed.message).not.toMatch(address);
    const viaOllama = await ollama(api)
      .chat({ model: 'qwen2:7b', messages: user('hi'), stream: false })
      .catch((e: unknown) => e as { status_code: number; error: string });
    expect(viaOllama).toMatchObject({ status_code: 503 });
    expect((viaOllama as { error: string }).error).not.toMatch(address);
  });
});

describe('a body nested past 64 levels is refused at the boundary', () => {
  const deep = nested(200_000);

  it('answers 400 in OpenAI’s shape on chat completions and embeddings, calling no upstream', async () => {
    const api = await start({ OLLAMA_HOST: upstream.url });
    for (const path of ['/chat/completions', '/embeddings']) {
      const response = await fetch(`${api.openAiBaseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
        body: `{"model":"qwen2:7b","input":"a","messages":[{"role":"user","content":"hi","x":${deep}}]}`,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: {
          message: expect.stringMatching(/nest/),
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      });
    }
    expect(upstream.requests.filter((r) => r.path !== '/api/tags')).toEqual([]);
  });

  it('answers 400 {error} on the Ollama surface', async () => {
    const api = await start({ OLLAMA_HOST: upstream.url });
    for (const path of ['/api/chat', '/api/generate']) {
      const response = await fetch(`${api.ollamaHost}${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
        body: `{"model":"qwen2:7b","prompt":"hi","messages":[{"role":"user","content":"hi"}],"format":${deep}}`,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: expect.stringMatching(/nest/) });
    }
    expect(upstream.requests.filter((r) => r.path !== '/api/tags')).toEqual([]);
  });

  it('takes a body nested 64 levels deep', async () => {
    const api = await start({ OLLAMA_HOST: upstream.url });
    // The body object and `metadata` are two levels; 62 more make 64.
    const response = await fetch(`${api.openAiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer acme-key', 'content-type': 'application/json' },
      body: `{"model":"qwen2:7b","messages":[{"role":"user","content":"hi"}],"metadata":{"x":${nested(62)}}}`,
    });
    expect(response.status).toBe(200);
  });

  it('fails an OpenAI batch whose line nests too deep at validation, naming the line', async () => {
    const api = await start({ OLLAMA_HOST: upstream.url });
    const client = openAi(api);
    const line = (id: string, extra: string) =>
      `{"custom_id":"${id}","method":"POST","url":"/v1/chat/completions","body":{"model":"qwen2:7b","messages":[{"role":"user","content":"hi"}]${extra}}}`;
    const file = await client.files.create({
      file: await toFile(
        Buffer.from(`${line('fine', '')}\n${line('deep', `,"x":${nested(100_000)}`)}\n`),
        'input.jsonl',
      ),
      purpose: 'batch',
    });
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data?.map((e) => [e.line, e.code])).toEqual([[2, 'too_deeply_nested']]);
  });
});
