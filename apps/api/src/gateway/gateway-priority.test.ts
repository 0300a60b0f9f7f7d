import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

// A server that schedules by priority (vLLM `--scheduling-policy priority`) runs the lowest
// value first: a tenant's own `priority` would put its calls ahead of everyone's, and of the
// cold lane's reserve. The gateway never passes one on.
let ollama: OllamaStandIn;
let api: Awaited<ReturnType<typeof gatewayUnderTest>>;
let client: OpenAI;

beforeAll(async () => {
  ollama = await startOllamaStandIn();
  api = await gatewayUnderTest({ OLLAMA_HOST: ollama.url });
  client = new OpenAI({ baseURL: api.openAiBaseUrl, apiKey: 'acme-key', maxRetries: 0 });
});
afterAll(async () => {
  await api?.close();
  await ollama?.close();
});
afterEach(() => ollama.reset());

const sentBody = () => ollama.requests.at(-1)?.body as Record<string, unknown> | undefined;

describe('a caller-supplied priority', () => {
  it('is dropped from chat completions, legacy completions and embeddings', async () => {
    await client.chat.completions.create({
      model: 'qwen2:7b',
      messages: [{ role: 'user', content: 'one two three' }],
      max_tokens: 2,
      priority: -1000,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(sentBody()).toMatchObject({ model: 'qwen2:7b' });
    expect(sentBody()).not.toHaveProperty('priority');

    await client.completions.create({
      model: 'qwen2:7b',
      prompt: 'one two three',
      max_tokens: 2,
      priority: -1000,
    } as OpenAI.CompletionCreateParamsNonStreaming);
    expect(sentBody()).toMatchObject({ model: 'qwen2:7b' });
    expect(sentBody()).not.toHaveProperty('priority');

    await client.embeddings.create({
      model: 'qwen2:7b',
      input: 'one two three',
      priority: -1000,
    } as OpenAI.EmbeddingCreateParams);
    expect(sentBody()).toMatchObject({ model: 'qwen2:7b' });
    expect(sentBody()).not.toHaveProperty('priority');
  });
});
