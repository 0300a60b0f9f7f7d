import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LlmError } from './errors.ts';
import { createOpenAiProvider } from './openai-provider.ts';

const model = 'qwen2:7b';
const prompt = 'Workers summarize documents inside off-peak windows only.';

async function kindOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(LlmError);
    return (err as LlmError).kind;
  }
  throw new Error('expected the call to fail');
}

describe('openai-compatible provider against the stand-in /v1 endpoint', () => {
  let server: OllamaStandIn;

  beforeAll(async () => {
    server = await startOllamaStandIn();
  });
  afterEach(() => server.reset());
  afterAll(() => server.close());

  it('completes with max_tokens and reports usage', async () => {
    const provider = createOpenAiProvider({ baseUrl: `${server.url}/v1`, timeoutMs: 5000 });
    const result = await provider.complete({ model, system: 'Be brief.', prompt, maxTokens: 4 });
    expect(result).toEqual({
      text: 'Workers summarize documents inside',
      model,
      usage: { promptTokens: 9, completionTokens: 4 },
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      path: '/v1/chat/completions',
      options: { num_predict: 4 },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: prompt },
      ],
    });
  });

  it('classifies errors and does not retry inside the client', async () => {
    const provider = createOpenAiProvider({ baseUrl: `${server.url}/v1`, timeoutMs: 5000 });
    const call = () => provider.complete({ model, prompt });
    server.failNext({ kind: 'busy' });
    expect(await kindOf(call())).toBe('busy');
    server.failNext({ kind: 'oom' });
    expect(await kindOf(call())).toBe('oom');
    server.failNext({ kind: 'missing' });
    expect(await kindOf(call())).toBe('missing');
    expect(await kindOf(provider.complete({ model: 'absent:1b', prompt }))).toBe('missing');
    expect(server.requests).toHaveLength(4);
  });

  it('times out a slow server and honours the caller signal', async () => {
    const provider = createOpenAiProvider({ baseUrl: `${server.url}/v1`, timeoutMs: 100 });
    server.failNext({ kind: 'slow', delayMs: 30_000 });
    expect(await kindOf(provider.complete({ model, prompt }))).toBe('timeout');

    const patient = createOpenAiProvider({ baseUrl: `${server.url}/v1`, timeoutMs: 30_000 });
    server.failNext({ kind: 'slow', delayMs: 30_000 });
    const controller = new AbortController();
    const pending = patient.complete({ model, prompt, signal: controller.signal });
    await expect.poll(() => server.queue().active).toBe(1);
    controller.abort();
    expect(await kindOf(pending)).toBe('aborted');
  });
});
