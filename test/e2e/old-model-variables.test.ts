import { sampleTexts } from '@nightshift/testkit/sample-documents';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { drillHarness } from '../support/drill-harness.ts';
import { jsonLines } from '../support/service-process.ts';
import { stackKey, waitFor } from '../support/stack.ts';

// A setup written before the one model-access layer: an OpenAI-compatible server named by the
// replaced variables. It keeps working (summaries and chat on that one server, through one
// layer), and each process names each replaced variable once, with its replacement.
const drill = drillHarness({
  tokenLatencyMs: 1,
  env: { NIGHTSHIFT_HOT_RATE_PER_MIN: '600' },
});

describe('the variables the model layer replaced', () => {
  it('still configure summaries and chat, with one deprecation line each per process', async () => {
    const old = {
      NIGHTSHIFT_PROVIDER: 'openai',
      NIGHTSHIFT_OPENAI_BASE_URL: `${drill.ollama.url}/v1`,
      NIGHTSHIFT_OPENAI_API_KEY: 'sk-local',
      NIGHTSHIFT_FALLBACK_MODELS: 'qwen2:7b',
      NIGHTSHIFT_TIMEOUT_S: '30',
    };
    const s = await drill.boot(['api', 'worker'], old);
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

    // A hot summary: on the server the old variables name, through its OpenAI-compatible API.
    const summary = await fetch(`${s.base}/v1/summaries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stackKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: sampleTexts.customerEmail, summary: { maxWords: 30 } }),
    });
    expect(summary.status).toBe(200);
    expect(await summary.json()).toMatchObject({ model: 'qwen3:32b', degraded: false });
    // Chat: the same server, the main model failing once, NIGHTSHIFT_FALLBACK_MODELS answering.
    drill.ollama.failNext({ kind: 'oom', model: 'qwen3:32b' });
    const openAi = new OpenAI({ baseURL: `${s.base}/openai/v1`, apiKey: stackKey, maxRetries: 0 });
    const chat = await openAi.chat.completions.create({
      model: 'qwen3:32b',
      messages: [{ role: 'user', content: 'old variables still work' }],
    });
    expect(chat.model).toBe('qwen2:7b');
    const calls = drill.ollama.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(drill.ollama.requests.filter((r) => r.path === '/api/chat')).toEqual([]);

    for (const app of ['api', 'worker']) {
      const lines = jsonLines(s.service(app).output()).filter(
        (l) => typeof l.msg === 'string' && l.msg.startsWith('deprecated variable'),
      );
      // NIGHTSHIFT_FALLBACK_MODELS is set too, but it is contract, not replaced: no line for it.
      expect(lines.map((l) => [l.variable, l.replacement])).toEqual([
        ['NIGHTSHIFT_OPENAI_BASE_URL', expect.stringContaining('NIGHTSHIFT_UPSTREAMS')],
        ['NIGHTSHIFT_OPENAI_API_KEY', expect.stringContaining('NIGHTSHIFT_UPSTREAMS')],
        ['NIGHTSHIFT_TIMEOUT_S', 'NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S'],
      ]);
    }
  });
});
