import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

// Wrong Bearer keys are throttled per client address on every surface: after
// NIGHTSHIFT_AUTH_FAILURES_PER_MIN (5 here) wrong keys, an address gets 429 + Retry-After for
// every key it sends, in the surface's dialect; other addresses go on as before. Each test
// guesses from its own loopback address (127.0.0.x), a real socket peer.

const perMin = 5;
/** The address the trusted proxy of these tests sends from. */
const proxy = '127.0.0.9';
let upstream: OllamaStandIn;
let api: Awaited<ReturnType<typeof gatewayUnderTest>>;
const agents: Agent[] = [];

beforeAll(async () => {
  upstream = await startOllamaStandIn({ tokenLatencyMs: 1 });
  api = await gatewayUnderTest({
    OLLAMA_HOST: upstream.url,
    NIGHTSHIFT_AUTH_FAILURES_PER_MIN: String(perMin),
    NIGHTSHIFT_TRUSTED_PROXIES: `${proxy}/32`,
  });
});
afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  await api?.close();
  await upstream?.close();
});

/** `fetch` whose connections leave from `localAddress`. */
function fetchFrom(localAddress: string): typeof fetch {
  const agent = new Agent({ localAddress });
  agents.push(agent);
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher: agent })) as typeof fetch;
}

const openAiFrom = (address: string, apiKey: string, headers: Record<string, string> = {}) =>
  new OpenAI({
    baseURL: api.openAiBaseUrl,
    apiKey,
    maxRetries: 0,
    fetch: fetchFrom(address),
    defaultHeaders: headers,
  });

/** Status and Retry-After of a call through the openai client (an APIError when refused). */
async function openAiOutcome(call: Promise<unknown>) {
  try {
    await call;
    return { status: 200, retryAfter: null, body: null };
  } catch (error) {
    const failure = error as InstanceType<typeof OpenAI.APIError>;
    return {
      status: failure.status ?? 0,
      retryAfter: failure.headers?.get('retry-after') ?? null,
      body: failure.error,
    };
  }
}

describe('wrong API keys from one address', () => {
  it('the openai client: 5 × 401, then 429 with Retry-After for every key, the right one too', async () => {
    const address = '127.0.0.3';
    const outcomes = [];
    for (let i = 0; i < 30; i++) {
      outcomes.push(await openAiOutcome(openAiFrom(address, `wrong-${i}`).models.list()));
    }
    expect(outcomes.map((o) => o.status)).toEqual([
      ...Array(perMin).fill(401),
      ...Array(30 - perMin).fill(429),
    ]);
    const refused = outcomes.at(-1);
    expect(Number(refused?.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused?.retryAfter)).toBeLessThanOrEqual(60);
    expect(refused?.body).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    // Locked, the right key is refused alike: a guess cannot be confirmed while locked.
    const right = await openAiOutcome(openAiFrom(address, 'acme-key').models.list());
    expect(right.status).toBe(429);

    // Another address is untouched: its right key works, its wrong key is an ordinary 401.
    expect((await openAiOutcome(openAiFrom('127.0.0.2', 'acme-key').models.list())).status).toBe(
      200,
    );
    expect((await openAiOutcome(openAiFrom('127.0.0.2', 'nope').models.list())).status).toBe(401);
  });

  it('the ollama client on /ollama: 401s, then 429 with Retry-After as {error}', async () => {
    const address = '127.0.0.4';
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const client = new Ollama({
        host: api.ollamaHost,
        fetch: fetchFrom(address),
        headers: { Authorization: `Bearer wrong-${i}` },
      });
      statuses.push(
        await client.list().then(
          () => 200,
          (error: { status_code?: number }) => error.status_code ?? 0,
        ),
      );
    }
    expect(statuses).toEqual([...Array(perMin).fill(401), ...Array(10 - perMin).fill(429)]);
    const raw = await fetchFrom(address)(`${api.ollamaHost}/api/tags`, {
      headers: { authorization: 'Bearer acme-key' },
    });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await raw.json()).toEqual({ error: expect.stringMatching(/too many wrong/i) });
  });

  it('native /v1: 401s, then 429 problem+json with Retry-After', async () => {
    const get = fetchFrom('127.0.0.5');
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 10; i++) {
      last = await get(`${api.url}/v1/batches`, { headers: { authorization: `Bearer w${i}` } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(perMin).fill(401), ...Array(10 - perMin).fill(429)]);
    expect(last?.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await last?.json()).toMatchObject({
      status: 429,
      type: '/problems/too-many-failed-authentications',
    });
  });

  it('counts across surfaces: wrong keys on /v1 lock the same address out of /openai/v1', async () => {
    const address = '127.0.0.6';
    const get = fetchFrom(address);
    for (let i = 0; i < perMin; i++) {
      expect(
        (await get(`${api.url}/v1/usage`, { headers: { authorization: 'Bearer x' } })).status,
      ).toBe(401);
    }
    const outcome = await openAiOutcome(
      openAiFrom(address, 'acme-key').chat.completions.create({
        model: 'qwen2:7b',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    expect(outcome.status).toBe(429);
  });
});

describe('the client address behind a proxy', () => {
  it('ignores X-Forwarded-For from a peer that is not a trusted proxy (no fresh bucket per guess)', async () => {
    const address = '127.0.0.7';
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const client = openAiFrom(address, `wrong-${i}`, { 'x-forwarded-for': `198.51.100.${i}` });
      statuses.push((await openAiOutcome(client.models.list())).status);
    }
    expect(statuses).toEqual([...Array(perMin).fill(401), ...Array(8 - perMin).fill(429)]);
  });

  it("counts the forwarded client behind a trusted proxy, so one guesser does not lock out the proxy's other clients", async () => {
    const guesser = { 'x-forwarded-for': '203.0.113.7' };
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const client = openAiFrom(proxy, `wrong-${i}`, guesser);
      statuses.push((await openAiOutcome(client.models.list())).status);
    }
    expect(statuses).toEqual([...Array(perMin).fill(401), ...Array(8 - perMin).fill(429)]);
    // A hop the guesser wrote on the left does not help it: the proxy appended its real address.
    const spoofed = { 'x-forwarded-for': '192.0.2.1, 203.0.113.7' };
    expect((await openAiOutcome(openAiFrom(proxy, 'acme-key', spoofed).models.list())).status).toBe(
      429,
    );
    const neighbour = { 'x-forwarded-for': '203.0.113.8' };
    expect(
      (await openAiOutcome(openAiFrom(proxy, 'acme-key', neighbour).models.list())).status,
    ).toBe(200);
  });
});
