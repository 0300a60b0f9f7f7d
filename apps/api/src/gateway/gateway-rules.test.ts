import type { WorkerStatus } from '@nightshift/fleet';
import { InteractiveTraffic } from '@nightshift/lanes';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { until } from '@nightshift/testkit/until';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { h200WorkerStatus } from '../../test-support/dashboard-seed.ts';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

type Api = Awaited<ReturnType<typeof gatewayUnderTest>>;
const user = (content: string) => [{ role: 'user' as const, content }];
const openAi = (api: Api, apiKey = 'acme-key') =>
  new OpenAI({ baseURL: api.openAiBaseUrl, apiKey, maxRetries: 0 });
const upstreams = (...list: object[]) => ({ NIGHTSHIFT_UPSTREAMS: JSON.stringify(list) });

let a: OllamaStandIn;
let b: OllamaStandIn;
const apis: Api[] = [];
const start = async (env: Record<string, string>) => {
  const api = await gatewayUnderTest(env);
  apis.push(api);
  return api;
};
beforeAll(async () => {
  [a, b] = await Promise.all([
    startOllamaStandIn({ tokenLatencyMs: 5 }),
    startOllamaStandIn({ tokenLatencyMs: 5 }),
  ]);
});
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()));
  a.reset();
  b.reset();
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

describe('the hot lane’s rules on gateway calls', () => {
  it('rate-limits per tenant with 429 and Retry-After, in each dialect', async () => {
    const api = await start({
      OLLAMA_HOST: a.url,
      NIGHTSHIFT_HOT_RATE_PER_MIN: '1',
      NIGHTSHIFT_HOT_BURST: '2',
    });
    const client = openAi(api);
    for (let i = 0; i < 2; i++)
      await client.chat.completions.create({ model: 'qwen2:7b', messages: user('hi') });
    const limited = await client.chat.completions
      .create({ model: 'qwen2:7b', messages: user('hi') })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    const error = limited as InstanceType<typeof OpenAI.RateLimitError>;
    expect(Number(error.headers?.get('retry-after'))).toBeGreaterThan(0);
    expect(error.code).toBe('rate_limit_exceeded');
    const ollama = new Ollama({
      host: api.ollamaHost,
      headers: { Authorization: 'Bearer acme-key' },
    });
    await expect(
      ollama.chat({ model: 'qwen2:7b', messages: user('hi'), stream: false }),
    ).rejects.toMatchObject({ status_code: 429 });
    // Another tenant has a budget of its own.
    await openAi(api, 'globex-key').chat.completions.create({
      model: 'qwen2:7b',
      messages: user('hi'),
    });
  });

  it('answers 503 with Retry-After when no upstream for the model is up', async () => {
    const api = await start(
      upstreams({ kind: 'ollama', url: 'http://127.0.0.1:9', models: ['qwen2:7b'] }),
    );
    const down = await openAi(api)
      .chat.completions.create({ model: 'qwen2:7b', messages: user('hi') })
      .catch((e: unknown) => e);
    expect(down).toBeInstanceOf(OpenAI.APIError);
    expect((down as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((down as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBeTruthy();
    // The first call found it down; the next is refused without trying it.
    const again = await openAi(api)
      .chat.completions.create({ model: 'qwen2:7b', messages: user('hi') })
      .catch((e: unknown) => e);
    expect((again as InstanceType<typeof OpenAI.APIError>).message).toMatch(/No model server/);
  });

  it('answers 503 when GPU memory is over the threshold and every slot is busy', async () => {
    const api = await start(
      upstreams({ kind: 'ollama', url: a.url, models: ['qwen2:7b'], slots: 1 }),
    );
    const base = h200WorkerStatus();
    const gpu = base.gpu.gpus[0] as WorkerStatus['gpu']['gpus'][number];
    await api.fleet.publish({
      ...base,
      gpu: {
        ...base.gpu,
        gpus: [{ ...gpu, usedPct: 97, freeMiB: Math.round(gpu.totalMiB * 0.03) }],
      },
    });
    const client = openAi(api);
    const controller = new AbortController();
    const busy = await client.chat.completions.create(
      { model: 'qwen2:7b', messages: user('word '.repeat(300)), stream: true },
      { signal: controller.signal },
    );
    const refused = await client.chat.completions
      .create({ model: 'qwen2:7b', messages: user('hi') })
      .catch((e: unknown) => e);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((refused as Error).message).toMatch(/GPU memory/);
    controller.abort();
    for await (const _ of busy) break;
  });
});

describe('timeouts', () => {
  it('gives up on a server silent past the read timeout, moves to the fallback, and frees the slot', async () => {
    const api = await start({ OLLAMA_HOST: a.url, NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S: '1' });
    a.failNext({ kind: 'slow', model: 'qwen3:32b', delayMs: 20_000 });
    const answer = await openAi(api).chat.completions.create({
      model: 'qwen3:32b',
      messages: user('late but answered'),
    });
    expect(answer.model).toBe('qwen2:7b');
    expect(answer.choices[0]?.message.content).toBe('late but answered');
    await until(() => a.queue().active === 0, 5_000, 'the silent call stopped');
    const chats = a.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(chats.map((r) => [r.model, r.finishedAt === undefined])).toEqual([
      ['qwen3:32b', true],
      ['qwen2:7b', false],
    ]);
  });
});

describe('what the workers see', () => {
  it('holds an interactive lease for the length of a stream, and names the model for hygiene', async () => {
    const api = await start({ OLLAMA_HOST: a.url });
    const traffic = new InteractiveTraffic({ redis: api.client });
    const controller = new AbortController();
    const stream = await openAi(api).chat.completions.create(
      { model: 'qwen2:7b', messages: user('word '.repeat(300)), stream: true },
      { signal: controller.signal },
    );
    await until(async () => (await traffic.inFlight()) === 1, 2_000, 'lease taken');
    expect(await traffic.recentModels(60_000)).toEqual(['qwen2:7b']);
    controller.abort();
    for await (const _ of stream) break;
    await until(async () => (await traffic.inFlight()) === 0, 2_000, 'lease ended');
  });
});

describe('upstreams', () => {
  it('balances one model over two servers by free slots', async () => {
    const api = await start(
      upstreams(
        { kind: 'ollama', url: a.url, models: ['qwen2:7b'], slots: 1 },
        { kind: 'ollama', url: b.url, models: ['qwen2:7b'], slots: 1 },
      ),
    );
    const client = openAi(api);
    await Promise.all(
      ['one two three', 'four five six'].map((text) =>
        client.chat.completions.create({ model: 'qwen2:7b', messages: user(text) }),
      ),
    );
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(1);
  });

  it('speaks Ollama’s dialect to a caller while the model runs on an OpenAI-compatible server', async () => {
    const api = await start(
      upstreams({ kind: 'openai', url: `${a.url}/v1`, models: ['qwen2:7b'] }),
    );
    const ollama = new Ollama({
      host: api.ollamaHost,
      headers: { Authorization: 'Bearer acme-key' },
    });
    const pieces: string[] = [];
    let done: { done: boolean; done_reason?: string } | undefined;
    for await (const part of await ollama.chat({
      model: 'qwen2:7b',
      messages: [{ role: 'user', content: 'north east south west' }],
      stream: true,
    })) {
      pieces.push(part.message.content);
      done = part;
    }
    expect(pieces.join('')).toBe('north east south west');
    expect(done).toMatchObject({ done: true, done_reason: 'stop' });
    const whole = await ollama.generate({
      model: 'qwen2:7b',
      prompt: 'up down left right',
      stream: false,
      options: { num_predict: 2 },
    });
    expect(whole).toMatchObject({ response: 'up down', done: true, done_reason: 'length' });
    expect(a.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
    expect(a.requests.at(-1)).toMatchObject({ model: 'qwen2:7b' });
    await until(() => a.queue().active === 0, 2_000, 'slots free');
  });
});
