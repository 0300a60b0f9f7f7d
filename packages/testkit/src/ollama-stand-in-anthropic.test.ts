import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OllamaStandIn, startOllamaStandIn } from './ollama-stand-in.ts';

let ollama: OllamaStandIn;
let client: Anthropic;

beforeAll(async () => {
  ollama = await startOllamaStandIn();
  client = new Anthropic({ baseURL: ollama.url, apiKey: 'ollama', maxRetries: 0 });
});
afterAll(async () => {
  await ollama?.close();
});

describe('the stand-in’s Anthropic Messages endpoint (as Ollama ≥ 0.14 speaks it)', () => {
  it('answers the official client whole and streamed, and records the request', async () => {
    const message = await client.messages.create({
      model: 'qwen2:7b',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'alpha beta gamma' }],
    });
    expect(message).toMatchObject({
      content: [{ type: 'text', text: 'alpha beta' }],
      stop_reason: 'max_tokens',
      usage: { input_tokens: 3, output_tokens: 2 },
    });
    expect(ollama.requests.at(-1)).toMatchObject({ path: '/v1/messages', model: 'qwen2:7b' });
    const streamed = await client.messages
      .stream({ model: 'qwen2:7b', max_tokens: 9, messages: [{ role: 'user', content: 'a b' }] })
      .finalMessage();
    expect(streamed).toMatchObject({ content: [{ text: 'a b' }], stop_reason: 'end_turn' });
  });

  it('calls the offered tool, and answers from its result', async () => {
    const tools = [{ name: 'look', input_schema: { type: 'object' as const } }];
    const call = await client.messages
      .stream({
        model: 'qwen2:7b',
        max_tokens: 9,
        tools,
        messages: [{ role: 'user', content: 'x y' }],
      })
      .finalMessage();
    expect(call.content).toEqual([
      expect.objectContaining({ type: 'tool_use', name: 'look', input: { input: 'x y' } }),
    ]);
    const id = (call.content[0] as { id: string }).id;
    const answer = await client.messages.create({
      model: 'qwen2:7b',
      max_tokens: 9,
      tools,
      messages: [
        { role: 'user', content: 'x y' },
        { role: 'assistant', content: call.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'found it' }] },
      ],
    });
    expect(answer.content).toEqual([expect.objectContaining({ text: 'found it' })]);
  });

  it('answers a missing model 404 in Anthropic’s error shape', async () => {
    await expect(
      client.messages.create({
        model: 'nope',
        max_tokens: 2,
        messages: [{ role: 'user', content: 'a' }],
      }),
    ).rejects.toMatchObject({ status: 404, type: 'not_found_error' });
  });
});
