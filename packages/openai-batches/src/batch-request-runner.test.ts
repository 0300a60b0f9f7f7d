import { Gateway, type Upstream, UpstreamClients, UpstreamPool } from '@nightshift/gateway';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatchRequest } from './batch-request-runner.ts';

let standIn: OllamaStandIn;
let clients: UpstreamClients;
let gateway: Gateway;
const movedPast: string[] = [];

/** A value nested `depth` arrays deep, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown[] = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

beforeAll(async () => {
  standIn = await startOllamaStandIn({ tokenLatencyMs: 1 });
  clients = new UpstreamClients({ connectTimeoutMs: 1_000, readTimeoutMs: 5_000 });
  const upstream: Upstream = {
    id: `ollama@${new URL(standIn.url).host}`,
    kind: 'ollama',
    url: standIn.url,
    models: ['qwen2:7b'],
    slots: 4,
  };
  const pool = new UpstreamPool({ upstreams: [upstream], discover: async () => [] });
  gateway = new Gateway({
    pool,
    fallbacks: new Map(),
    breaker: { failureThreshold: 2 },
    onFallback: (attempt) => movedPast.push(attempt.reason),
  });
});
afterAll(async () => {
  await clients?.close();
  await standIn?.close();
});

describe('a local failure on a batch line', () => {
  it('is answered once as the gateway’s own 500, not retried and not blamed on the model server', async () => {
    // A line the input check would refuse (too deep), run anyway: the client's JSON.stringify
    // overflows the stack before any request leaves.
    const body = {
      model: 'qwen2:7b',
      messages: [{ role: 'user', content: 'hi', x: nested(200_000) }],
    };
    const context = { gateway, clients, tenant: 'acme', signal: new AbortController().signal };
    for (let i = 0; i < 3; i++) {
      const answer = await runBatchRequest('/v1/chat/completions', body, context);
      expect(answer).toMatchObject({
        statusCode: 500,
        model: null,
        body: {
          error: {
            type: 'server_error',
            code: 'internal',
            message: expect.stringMatching(/gateway failed on this request itself/),
          },
        },
      });
    }
    expect(standIn.requests).toEqual([]);
    expect(movedPast).toEqual([]);
    // Three local failures opened no breaker: the model still answers.
    const fine = await runBatchRequest(
      '/v1/chat/completions',
      { model: 'qwen2:7b', messages: [{ role: 'user', content: 'still here' }] },
      context,
    );
    expect(fine).toMatchObject({ statusCode: 200, model: 'qwen2:7b' });
  });
});
