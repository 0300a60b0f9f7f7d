import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { fromOpenAiStream, toOpenAiChat } from './anthropic-openai-translation.ts';
import type { AnthropicMessagesBody } from './anthropic-types.ts';

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;
const chunk = (delta: object, finish: string | null = null, extra: object = {}): Chunk =>
  ({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish, ...extra }],
  }) as unknown as Chunk;

async function* chunks(list: Chunk[]) {
  yield* list;
}

async function collect(list: Chunk[]) {
  const events = [];
  for await (const e of fromOpenAiStream(chunks(list), { model: 'm', estimatedInputTokens: 7 }))
    events.push(e);
  return events;
}

describe('Anthropic Messages as chat completions', () => {
  it('puts tool results before the rest of a user turn, and tool uses into tool_calls', () => {
    const body: AnthropicMessagesBody = {
      model: 'm',
      max_tokens: 9,
      system: 'sys',
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      tools: [{ name: 't', input_schema: { type: 'object' } }],
      messages: [
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 's' },
            { type: 'tool_use', id: 'tu1', name: 't', input: { a: 1 } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'and now?' },
            {
              type: 'tool_result',
              tool_use_id: 'tu1',
              content: [{ type: 'text', text: 'boom' }],
              is_error: true,
            },
          ],
        },
      ],
    };
    expect(toOpenAiChat(body, 'served')).toMatchObject({
      model: 'served',
      max_tokens: 9,
      tool_choice: 'required',
      parallel_tool_calls: false,
      tools: [{ type: 'function', function: { name: 't', parameters: { type: 'object' } } }],
      messages: [
        { role: 'system', content: 'sys' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'tu1', function: { name: 't', arguments: '{"a":1}' } }],
        },
        { role: 'tool', tool_call_id: 'tu1', content: 'Error: boom' },
        { role: 'user', content: 'and now?' },
      ],
    });
  });
});

describe('a chat completion stream as Anthropic events', () => {
  it('opens one block per text run and per tool call, and ends with the usage chunk’s figures', async () => {
    const events = await collect([
      chunk({ role: 'assistant', content: 'Let me look.' }),
      chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"x":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
      {
        ...chunk({}),
        choices: [],
        usage: { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 },
      } as Chunk,
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]).toMatchObject({ message: { usage: { input_tokens: 7 } } });
    expect(events[4]).toMatchObject({
      index: 1,
      content_block: { type: 'tool_use', id: 'a', name: 'f' },
    });
    expect(events[6]).toMatchObject({
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '1}' },
    });
    expect(events[8]).toMatchObject({ index: 2, content_block: { id: 'b', name: 'g' } });
    expect(events.at(-2)).toMatchObject({
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 11, output_tokens: 5 },
    });
  });

  it('names the stop sequence vLLM says it met, and a cut answer max_tokens', async () => {
    const stopped = await collect([
      chunk({ content: 'hi' }),
      chunk({}, 'stop', { stop_reason: '###' }),
    ]);
    expect(stopped.at(-2)).toMatchObject({
      delta: { stop_reason: 'stop_sequence', stop_sequence: '###' },
    });
    const cut = await collect([chunk({ content: 'hi' }), chunk({}, 'length')]);
    expect(cut.at(-2)).toMatchObject({ delta: { stop_reason: 'max_tokens' } });
  });
});
