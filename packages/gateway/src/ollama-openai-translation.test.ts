import { describe, expect, it } from 'vitest';
import { toOpenAiMessages, toOpenAiParams } from './ollama-openai-translation.ts';

describe('Ollama requests as chat completions', () => {
  it('maps options, format and tools to their OpenAI fields', () => {
    const tools = [{ type: 'function', function: { name: 'now', parameters: {} } }];
    expect(
      toOpenAiParams({
        options: {
          num_predict: 64,
          temperature: 0.2,
          top_p: 0.9,
          seed: 7,
          stop: ['\n'],
          num_ctx: 4096,
        },
        format: 'json',
        tools,
      }),
    ).toEqual({
      max_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      stop: ['\n'],
      response_format: { type: 'json_object' },
      tools,
    });
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(toOpenAiParams({ format: schema, options: { num_predict: -1 } })).toEqual({
      response_format: { type: 'json_schema', json_schema: { name: 'format', schema } },
    });
  });

  it('sends images as data URLs beside the text', () => {
    expect(
      toOpenAiMessages([{ role: 'user', content: 'what is this?', images: ['aGk='] }]),
    ).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,aGk=' } },
        ],
      },
    ]);
  });
});
