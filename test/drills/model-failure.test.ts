import { sampleTexts } from '@nightshift/testkit/sample-documents';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { drillHarness } from '../support/drill-harness.ts';
import { stackKey, waitFor } from '../support/stack.ts';

// One model failing on a shared server: real processes (api, worker), the default single Ollama
// upstream (the stand-in) serving the main model and its fallback, the official clients.
const drill = drillHarness({
  tokenLatencyMs: 2,
  // The drill's calls come faster than the hot lane's default 12 a minute.
  env: {
    NIGHTSHIFT_JOB_LOCK_MS: '1500',
    NIGHTSHIFT_HOT_RATE_PER_MIN: '600',
    NIGHTSHIFT_HOT_BURST: '50',
  },
});

/** What Ollama answers when a model's weights cannot be loaded: a plain 500, no OOM in it. */
const loadFailure = 'error loading model /root/.ollama/models/blobs/sha256-6e4c38e1172f';
const failMain = () =>
  drill.ollama.failNext({ kind: 'oom', model: 'qwen3:32b', message: loadFailure });

describe('a generic 500 from one model', () => {
  it('the fallback answers (gateway and hot summary) and the server’s other models stay served', async () => {
    const s = await drill.boot(['api', 'worker']);
    const openAi = new OpenAI({ baseURL: `${s.base}/openai/v1`, apiKey: stackKey, maxRetries: 0 });
    const ollama = new Ollama({
      host: `${s.base}/ollama`,
      headers: { Authorization: `Bearer ${stackKey}` },
    });
    const user = (content: string) => [{ role: 'user' as const, content }];

    // Gateway: the main model fails with a 500; its fallback on the same server answers.
    failMain();
    const answer = await openAi.chat.completions.create({
      model: 'qwen3:32b',
      messages: user('fallback answers'),
    });
    expect(answer.model).toBe('qwen2:7b');
    expect(answer.choices[0]?.message.content).toBe('fallback answers');

    // Right after, direct calls to a healthy model on that server are served, in both dialects.
    const startedAt = performance.now();
    const direct = await openAi.chat.completions.create({
      model: 'qwen2:7b',
      messages: user('healthy model served'),
    });
    expect(direct.choices[0]?.message.content).toBe('healthy model served');
    const native = await ollama.chat({
      model: 'qwen2:7b',
      messages: user('served natively'),
      stream: false,
    });
    expect(native.message.content).toBe('served natively');
    expect(performance.now() - startedAt).toBeLessThan(2_000);

    // Hot summary: the worker's chain falls back to the model, not past the whole server.
    await waitFor(
      async () => {
        const workers = await fetch(`${s.base}/v1/workers`, {
          headers: { authorization: `Bearer ${stackKey}` },
        });
        return ((await workers.json()) as { data: unknown[] }).data.length > 0;
      },
      20_000,
      'a worker online',
    );
    failMain();
    const summary = await fetch(`${s.base}/v1/summaries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stackKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: sampleTexts.customerEmail, summary: { maxWords: 30 } }),
    });
    expect(summary.status).toBe(200);
    expect(await summary.json()).toMatchObject({ model: 'qwen2:7b', degraded: true });
    const summaryCalls = drill.ollama.requests.filter((r) => r.path === '/api/chat');
    expect(summaryCalls.map((r) => r.model).slice(-2)).toEqual(['qwen3:32b', 'qwen2:7b']);

    // The failed model is not shut out either: its next call is served by itself.
    const again = await openAi.chat.completions.create({
      model: 'qwen3:32b',
      messages: user('main model back'),
    });
    expect(again.model).toBe('qwen3:32b');
  });
});
