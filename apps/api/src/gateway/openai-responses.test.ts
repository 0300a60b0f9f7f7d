import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { until } from '@nightshift/testkit/until';
import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { metricsAuth } from '../../test-support/api-under-test.ts';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

// `/openai/v1/responses`: OpenAI's Responses API, stateless, translated to chat completions
// for the model server (the Ollama stand-in's `/v1/chat/completions` here).

let ollama: OllamaStandIn;
let api: Awaited<ReturnType<typeof gatewayUnderTest>>;
let client: OpenAI;

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { input: { type: 'string' } } },
  strict: false,
};

/** The OpenAI error a refused call threw (fails the test when the call went through). */
async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

async function eventsOf(stream: AsyncIterable<ResponseStreamEvent>) {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

beforeAll(async () => {
  ollama = await startOllamaStandIn({ tokenLatencyMs: 2 });
  api = await gatewayUnderTest({ OLLAMA_HOST: ollama.url, NIGHTSHIFT_NUM_CTX: '512' });
  client = new OpenAI({ baseURL: api.openAiBaseUrl, apiKey: 'acme-key', maxRetries: 0 });
});
afterAll(async () => {
  await api?.close();
  await ollama?.close();
});
afterEach(() => ollama.reset());

describe('client.responses.create', () => {
  it('answers a whole response, with instructions as the system message and its usage', async () => {
    const response = await client.responses.create({
      model: 'qwen2:7b',
      instructions: 'be brief',
      input: 'the quick brown fox jumps',
      temperature: 0.2,
    });
    expect(response.object).toBe('response');
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe('completed');
    expect(response.model).toBe('qwen2:7b');
    expect(response.output_text).toBe('the quick brown fox jumps');
    expect(response.output[0]).toMatchObject({ type: 'message', role: 'assistant' });
    expect(response.usage).toMatchObject({ input_tokens: 7, output_tokens: 5, total_tokens: 12 });
    expect(response.instructions).toBe('be brief');
    const sent = ollama.requests.at(-1);
    expect(sent).toMatchObject({ path: '/v1/chat/completions', model: 'qwen2:7b' });
    expect(sent?.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'the quick brown fox jumps' },
    ]);
    expect(sent?.body).toMatchObject({ temperature: 0.2 });
  });

  it('says a response cut at max_output_tokens is incomplete, and sends the cap upstream', async () => {
    const response = await client.responses.create({
      model: 'qwen2:7b',
      input: [
        {
          role: 'user',
          content: [{ type: 'input_text', text: 'one two three four five' }],
        },
      ],
      max_output_tokens: 3,
    });
    expect(response.output_text).toBe('one two three');
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(ollama.requests.at(-1)?.body).toMatchObject({ max_tokens: 3 });
  });

  it('streams Responses events in order, each with its sequence number, ending with usage', async () => {
    const stream = await client.responses.create({
      model: 'qwen2:7b',
      input: 'one two three four',
      stream: true,
    });
    const events = await eventsOf(stream);
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(types.filter((t) => t === 'response.output_text.delta')).toHaveLength(4);
    expect(types.slice(-5)).toEqual([
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.flatMap((e) =>
      e.type === 'response.output_text.delta' ? [e.delta] : [],
    );
    expect(deltas.join('')).toBe('one two three four');
    const done = events.find((e) => e.type === 'response.output_text.done');
    expect(done).toMatchObject({ text: 'one two three four', output_index: 0, content_index: 0 });
    const completed = events.at(-1);
    expect(completed?.type).toBe('response.completed');
    if (completed?.type !== 'response.completed') return;
    expect(completed.response.status).toBe('completed');
    expect(completed.response.usage).toMatchObject({ input_tokens: 4, output_tokens: 4 });
    expect(completed.response.output[0]).toMatchObject({
      type: 'message',
      status: 'completed',
      content: [{ type: 'output_text', text: 'one two three four' }],
    });
    // The same ids throughout: the item the deltas name is the item added and done.
    const added = events.find((e) => e.type === 'response.output_item.added');
    const itemId = added?.type === 'response.output_item.added' ? added.item.id : undefined;
    expect(itemId).toMatch(/^msg_/);
    for (const e of events)
      if (e.type === 'response.output_text.delta') expect(e.item_id).toBe(itemId);
  });

  it('gives the accumulated final response, output_text included, through responses.stream', async () => {
    const stream = client.responses.stream({ model: 'qwen2:7b', input: 'alpha beta gamma' });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('alpha beta gamma');
    expect(final.status).toBe('completed');
    expect(final.usage?.output_tokens).toBe(3);
  });
});

describe('function calls', () => {
  it('round-trips a tool call: function_call item, function_call_output, then the answer', async () => {
    const first = await client.responses.create({
      model: 'qwen2:7b',
      input: 'weather in Paris',
      tools: [weatherTool],
      tool_choice: 'auto',
    });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
    if (call?.type !== 'function_call') return;
    expect(JSON.parse(call.arguments)).toEqual({ input: 'weather in Paris' });
    expect(call.call_id).toBeTruthy();
    expect(ollama.requests.at(-1)?.body).toMatchObject({
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', parameters: weatherTool.parameters },
        },
      ],
      tool_choice: 'auto',
    });

    const second = await client.responses.create({
      model: 'qwen2:7b',
      tools: [weatherTool],
      input: [
        { role: 'user', content: 'weather in Paris' },
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny and mild' },
      ],
    });
    expect(second.output_text).toBe('sunny and mild');
    const sent = ollama.requests.at(-1)?.body as { messages: unknown[] };
    expect(sent.messages).toEqual([
      { role: 'user', content: 'weather in Paris' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: call.call_id,
            type: 'function',
            function: { name: 'get_weather', arguments: call.arguments },
          },
        ],
      },
      { role: 'tool', tool_call_id: call.call_id, content: 'sunny and mild' },
    ]);
  });

  it('streams a function call as its item and argument deltas', async () => {
    const stream = await client.responses.create({
      model: 'qwen2:7b',
      input: 'weather in Oslo today',
      tools: [weatherTool],
      tool_choice: { type: 'function', name: 'get_weather' },
      stream: true,
    });
    const events = await eventsOf(stream);
    const types = events.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
    ]);
    expect(types).toContain('response.function_call_arguments.delta');
    expect(types.slice(-3)).toEqual([
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const deltas = events.flatMap((e) =>
      e.type === 'response.function_call_arguments.delta' ? [e.delta] : [],
    );
    const argsDone = events.find((e) => e.type === 'response.function_call_arguments.done');
    expect(argsDone).toMatchObject({ name: 'get_weather', arguments: deltas.join('') });
    expect(JSON.parse(deltas.join(''))).toEqual({ input: 'weather in Oslo today' });
    expect(ollama.requests.at(-1)?.body).toMatchObject({
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const completed = events.at(-1);
    if (completed?.type !== 'response.completed') throw new Error('no response.completed');
    expect(completed.response.output).toEqual([
      expect.objectContaining({ type: 'function_call', name: 'get_weather', status: 'completed' }),
    ]);
  });
});

describe('what the surface takes and refuses', () => {
  it('sends text.format json_schema as response_format', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    await client.responses.create({
      model: 'qwen2:7b',
      input: 'a city',
      text: { format: { type: 'json_schema', name: 'city', schema, strict: true } },
    });
    expect(ollama.requests.at(-1)?.body).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema, strict: true } },
    });
  });

  it('sends a data: image as an image_url part, and refuses an internal address naming the field', async () => {
    const image = 'data:image/png;base64,iVBORw0KGgo=';
    await client.responses.create({
      model: 'qwen2:7b',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'what is this' },
            { type: 'input_image', image_url: image, detail: 'auto' },
          ],
        },
      ],
    });
    expect(ollama.requests.at(-1)?.body).toMatchObject({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this' },
            { type: 'image_url', image_url: { url: image, detail: 'auto' } },
          ],
        },
      ],
    });
    const before = ollama.requests.length;
    const error = await refusal(
      client.responses.create({
        model: 'qwen2:7b',
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'what is this' },
              { type: 'input_image', image_url: 'http://169.254.169.254/latest/', detail: 'auto' },
            ],
          },
        ],
      }),
    );
    expect(error.status).toBe(400);
    expect(error.code).toBe('media_url_not_allowed');
    expect(error.param).toBe('input.0.content.1.image_url');
    expect(ollama.requests.length).toBe(before);
  });

  it('refuses previous_response_id and store-backed calls with 400 naming the field', async () => {
    const error = await refusal(
      client.responses.create({
        model: 'qwen2:7b',
        input: 'again',
        previous_response_id: 'resp_123',
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe('previous_response_id');
    expect(error.message).toMatch(/not stored/);

    const background = await refusal(
      client.responses.create({ model: 'qwen2:7b', input: 'x', background: true }),
    );
    expect(background.param).toBe('background');
    const reference = await refusal(
      client.responses.create({
        model: 'qwen2:7b',
        input: [{ type: 'item_reference', id: 'msg_1' }],
      }),
    );
    expect(reference.param).toBe('input.0.type');
    expect(ollama.requests).toHaveLength(0);
  });

  it('takes store: true but keeps nothing: a response cannot be read back (404)', async () => {
    const response = await client.responses.create({
      model: 'qwen2:7b',
      input: 'keep me',
      store: true,
    });
    const missing = await refusal(client.responses.retrieve(response.id));
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.type).toBe('invalid_request_error');
    expect(missing.message).toMatch(/not stored/);
    expect(missing.param).toBe('response_id');
  });

  it('refuses tools other than functions with 400 naming the tool', async () => {
    const error = await refusal(
      client.responses.create({
        model: 'qwen2:7b',
        input: 'search the web',
        tools: [weatherTool, { type: 'web_search' }],
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe('tools.1.type');
    expect(error.message).toMatch(/function/);
    expect(ollama.requests).toHaveLength(0);
  });

  it('refuses max_output_tokens past the context window (512 here), naming it', async () => {
    const error = await refusal(
      client.responses.create({ model: 'qwen2:7b', input: 'hi', max_output_tokens: 4096 }),
    );
    expect(error.status).toBe(400);
    expect(error.code).toBe('context_length_exceeded');
    expect(error.param).toBe('max_output_tokens');
  });

  it('answers an unknown model 404 and a malformed body 400, in OpenAI’s shape', async () => {
    const missing = await refusal(client.responses.create({ model: 'gpt-9', input: 'hi' }));
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.code).toBe('model_not_found');
    const bad = await refusal(
      client.responses.create({ model: 'qwen2:7b', input: 42 as unknown as string }),
    );
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad.param).toBe('input');
  });

  it('ends a stream the model server broke with response.failed, in OpenAI’s shape', async () => {
    ollama.failNext({ kind: 'stream_error' });
    const stream = await client.responses.create({
      model: 'qwen2:7b',
      input: 'one two three',
      stream: true,
    });
    const events = await eventsOf(stream);
    const last = events.at(-1);
    expect(last?.type).toBe('response.failed');
    if (last?.type !== 'response.failed') return;
    expect(last.response.status).toBe('failed');
    expect(last.response.error?.message).toMatch(/out of memory/);
    expect(last.response.error?.message).not.toMatch(/127\.0\.0\.1/);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  });

  it('counts each call under openai.responses in the metrics', async () => {
    await client.responses.create({ model: 'qwen2:7b', input: 'count me' });
    await until(
      async () => {
        const text = await (await api.app.request('/metrics', { headers: metricsAuth })).text();
        return /nightshift_gateway_requests_total\{operation="openai.responses",model="qwen2:7b",outcome="ok"\} [1-9]/.test(
          text,
        );
      },
      5_000,
      'openai.responses in the metrics',
    );
  });
});
