import net from 'node:net';
import { keyPrefix } from '@nightshift/core';
import { Gateway, type GatewayCall, GatewayError, UpstreamPool } from '@nightshift/gateway';
import { InteractiveTraffic } from '@nightshift/lanes';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { until } from '@nightshift/testkit/until';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

// How the gateway ends calls that fail or never end, in each dialect, with the official clients.
type Api = Awaited<ReturnType<typeof gatewayUnderTest>>;
const user = (content: string) => [{ role: 'user' as const, content }];
const openAi = (api: Api) =>
  new OpenAI({ baseURL: api.openAiBaseUrl, apiKey: 'acme-key', maxRetries: 0 });
const ollamaOf = (api: Api) =>
  new Ollama({ host: api.ollamaHost, headers: { Authorization: 'Bearer acme-key' } });
const leasesKey = `${keyPrefix}:interactive:leases`;
/** The leases in flight as the workers read them: members of `interactive:leases`. */
const leases = (api: Api) => api.client.zrangebyscore(leasesKey, `(${Date.now()}`, '+inf');

let ollama: OllamaStandIn;
const apis: Api[] = [];
const start = async (env: Record<string, string>) => {
  const api = await gatewayUnderTest({ OLLAMA_HOST: ollama.url, ...env });
  apis.push(api);
  return api;
};
beforeAll(async () => {
  ollama = await startOllamaStandIn({ tokenLatencyMs: 5 });
});
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()));
  ollama.reset();
});
afterAll(async () => {
  await ollama.close();
});

describe('a server silent past the read timeout', () => {
  it('answers 504 in the OpenAI dialect, and the timeouts count toward the model’s breaker', async () => {
    const api = await start({ NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S: '1' });
    // qwen2:7b has no fallback here: the caller hears the timeout itself.
    ollama.failNext({ kind: 'slow', model: 'qwen2:7b', delayMs: 20_000, times: 3 });
    for (let i = 0; i < 3; i++) {
      const late = await openAi(api)
        .chat.completions.create({ model: 'qwen2:7b', messages: user('hi') })
        .catch((e: unknown) => e);
      expect(late).toBeInstanceOf(OpenAI.APIError);
      expect(late).toMatchObject({ status: 504, code: 'timeout', type: 'server_error' });
    }
    // Three timeouts opened the breaker: the fourth call never reaches the silent server.
    const skipped = await openAi(api)
      .chat.completions.create({ model: 'qwen2:7b', messages: user('hi') })
      .catch((e: unknown) => e);
    expect(skipped).toMatchObject({ status: 503 });
    expect((skipped as Error).message).toMatch(/circuit open/);
    expect(ollama.requests.filter((r) => r.model === 'qwen2:7b')).toHaveLength(3);
  });

  it('answers 504 in the Ollama dialect', async () => {
    const api = await start({ NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S: '1' });
    ollama.failNext({ kind: 'slow', model: 'qwen2:7b', delayMs: 20_000 });
    const late = await ollamaOf(api)
      .chat({ model: 'qwen2:7b', messages: user('hi'), stream: false })
      .catch((e: unknown) => e);
    expect(late).toMatchObject({ status_code: 504 });
    expect((late as Error).message).toMatch(/read timeout/);
  });
});

describe('the total deadline of a call', () => {
  it('ends a call that never answers at the deadline with 504, and frees its slot and lease', async () => {
    const api = await start({
      NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S: '60',
      NIGHTSHIFT_GATEWAY_TOTAL_TIMEOUT_S: '1',
    });
    ollama.failNext({ kind: 'slow', model: 'qwen2:7b', delayMs: 30_000 });
    const started = performance.now();
    const hung = await openAi(api)
      .chat.completions.create({ model: 'qwen2:7b', messages: user('hi') })
      .catch((e: unknown) => e);
    const tookMs = performance.now() - started;
    expect(hung).toMatchObject({ status: 504, code: 'timeout' });
    expect((hung as Error).message).toMatch(/total deadline of 1 s/);
    expect(tookMs).toBeGreaterThanOrEqual(900);
    expect(tookMs).toBeLessThan(3_000);
    await until(() => ollama.queue().active === 0, 2_000, 'the upstream call stopped');
    expect(await leases(api)).toEqual([]);
  });

  it('cuts a stream that keeps trickling at the deadline with the dialect’s error line', async () => {
    const api = await start({
      NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S: '60',
      NIGHTSHIFT_GATEWAY_TOTAL_TIMEOUT_S: '1',
    });
    // 5 ms a word, 2,000 words: 10 s of answer, never silent long enough for the read timeout.
    const stream = await ollamaOf(api).chat({
      model: 'qwen2:7b',
      messages: user('word '.repeat(2_000)),
      stream: true,
    });
    const started = performance.now();
    const pieces: string[] = [];
    const ended = await (async () => {
      for await (const part of stream) pieces.push(part.message.content);
    })().catch((e: unknown) => e);
    expect(pieces.length).toBeGreaterThan(0);
    expect(ended).toBeInstanceOf(Error);
    expect((ended as Error).message).toMatch(/total deadline of 1 s/);
    expect(performance.now() - started).toBeLessThan(3_000);
    await until(() => ollama.queue().active === 0, 2_000, 'the upstream call stopped');
    expect(await leases(api)).toEqual([]);
  });
});

describe('the interactive lease', () => {
  it('names the server the call runs on, and ends the moment the client goes', async () => {
    const api = await start({ NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S: '60' });
    ollama.failNext({ kind: 'slow', model: 'qwen2:7b', delayMs: 30_000 });
    const controller = new AbortController();
    const call = openAi(api)
      .chat.completions.create(
        { model: 'qwen2:7b', messages: user('hi') },
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    await until(async () => (await leases(api)).length === 1, 2_000, 'lease taken');
    const [lease] = await leases(api);
    expect(lease?.startsWith(`${new URL(ollama.url).host}|`)).toBe(true);
    const traffic = new InteractiveTraffic({ redis: api.client });
    expect(await traffic.inFlight({ servers: [ollama.url] })).toBe(1);
    expect(await traffic.inFlight({ servers: ['http://127.0.0.1:1'] })).toBe(0);
    controller.abort();
    await call;
    await until(async () => (await leases(api)).length === 0, 500, 'lease ended at once');
    await until(() => ollama.queue().active === 0, 2_000, 'the upstream call stopped');
  });
});

describe('a generic 500 from one model', () => {
  it('falls back to the next model on the same server, which stays up for every other model', async () => {
    const api = await start({});
    ollama.failNext({
      kind: 'oom',
      model: 'qwen3:32b',
      message: 'error loading model /root/.ollama/models/blobs/sha256-6e4c38e1172f',
    });
    const answer = await openAi(api).chat.completions.create({
      model: 'qwen3:32b',
      messages: user('still answered'),
    });
    expect(answer.model).toBe('qwen2:7b');
    expect(answer.choices[0]?.message.content).toBe('still answered');
    // Right after: a direct call to a healthy model on that server is served, in both dialects.
    const direct = await openAi(api).chat.completions.create({
      model: 'qwen2:7b',
      messages: user('served'),
    });
    expect(direct.choices[0]?.message.content).toBe('served');
    const native = await ollamaOf(api).chat({
      model: 'qwen2:7b',
      messages: user('also served'),
      stream: false,
    });
    expect(native.message.content).toBe('also served');
    // And the model that failed once is asked again (its breaker counts, it is not skipped).
    const again = await openAi(api).chat.completions.create({
      model: 'qwen3:32b',
      messages: user('back'),
    });
    expect(again.model).toBe('qwen3:32b');
  });
});

describe('a server that never takes the connection', () => {
  it('is marked down after the connect timeout, through the openai client too: the next call is refused at once', async () => {
    // Accepts TCP and never answers the TLS handshake: only the connect timeout ends it.
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const api = await start({
        NIGHTSHIFT_UPSTREAMS: JSON.stringify([
          { kind: 'openai', url: `https://127.0.0.1:${port}/v1`, models: ['qwen2:7b'] },
        ]),
        NIGHTSHIFT_GATEWAY_CONNECT_TIMEOUT_S: '1',
      });
      const first = await openAi(api)
        .chat.completions.create({ model: 'qwen2:7b', messages: user('hi') })
        .catch((e: unknown) => e);
      expect(first).toMatchObject({ status: 503 });
      const started = performance.now();
      const next = await openAi(api)
        .chat.completions.create({ model: 'qwen2:7b', messages: user('hi') })
        .catch((e: unknown) => e);
      expect(next).toMatchObject({ status: 503 });
      expect((next as Error).message).toMatch(/No model server for 'qwen2:7b' is up/);
      expect(performance.now() - started).toBeLessThan(500);
    } finally {
      silent.close();
    }
  });
});

describe('a call stuck past its abort (a client library that ignores it)', () => {
  /** A gateway on the stand-in whose calls run `start` (the stuck part), with real leases. */
  const stuckGateway = async () => {
    const api = await start({});
    const upstream = {
      id: 'ollama@stand-in',
      kind: 'ollama' as const,
      url: ollama.url,
      models: ['qwen2:7b'],
      slots: 1,
    };
    const pool = new UpstreamPool({ upstreams: [upstream], discover: async () => [] });
    const leases = new InteractiveTraffic({ redis: api.client });
    const gateway = new Gateway({ pool, fallbacks: new Map(), leases, totalTimeoutMs: 1_000 });
    const call = (
      signal: AbortSignal,
      start: GatewayCall<string>['start'],
    ): GatewayCall<string> => ({
      operation: 'test.stuck',
      tenant: 'acme',
      model: 'qwen2:7b',
      promptText: 'hi',
      signal,
      start,
      usage: () => undefined,
    });
    return { api, pool, gateway, call };
  };
  const never = () => new Promise<never>(() => {});

  it('ends its lease and slot the moment the caller goes, before or after the first piece', async () => {
    const { api, pool, gateway, call } = await stuckGateway();
    const before = new AbortController();
    const opening = gateway
      .open(
        call(before.signal, async function* () {
          yield await never();
        }),
      )
      .catch((e: unknown) => e);
    await until(async () => (await leases(api)).length === 1, 1_000, 'lease taken');
    before.abort();
    expect(await opening).toBeInstanceOf(Error);
    await until(async () => (await leases(api)).length === 0, 200, 'lease ended at once');
    expect(pool.load()[0]?.inFlight).toBe(0);

    const midway = new AbortController();
    const answer = await gateway.open(
      call(midway.signal, async function* () {
        yield 'first';
        yield await never();
      }),
    );
    const pieces = answer.pieces[Symbol.asyncIterator]();
    expect(await pieces.next()).toEqual({ done: false, value: 'first' });
    const waiting = pieces.next().catch((e: unknown) => e);
    midway.abort();
    expect(await waiting).toBeInstanceOf(Error);
    await until(async () => (await leases(api)).length === 0, 200, 'lease ended at once');
    expect(pool.load()[0]?.inFlight).toBe(0);
  });

  it('ends it at the total deadline when the caller stays', async () => {
    const { api, pool, gateway, call } = await stuckGateway();
    const started = performance.now();
    const hung = await gateway
      .open(
        call(new AbortController().signal, async function* () {
          yield await never();
        }),
      )
      .catch((e: unknown) => e);
    expect(hung).toBeInstanceOf(GatewayError);
    expect(hung).toMatchObject({ kind: 'timeout', status: 504 });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await leases(api)).toEqual([]);
    expect(pool.load()[0]?.inFlight).toBe(0);
  });
});
