import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import OpenAI, { toFile } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

// The model server behind the gateway (vLLM, SGLang) fetches media URLs itself: whatever URL a
// caller names there, the server's network reaches. These tests are the attack of issue #24.6.

let ollama: OllamaStandIn;
let api: Awaited<ReturnType<typeof gatewayUnderTest>>;
let client: OpenAI;

const withImage = (url: string) => [
  {
    role: 'user' as const,
    content: [
      { type: 'text' as const, text: 'what is in this picture' },
      { type: 'image_url' as const, image_url: { url } },
    ],
  },
];

/** The OpenAI error a refused call threw (fails the test when the call went through). */
async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

beforeAll(async () => {
  ollama = await startOllamaStandIn({ tokenLatencyMs: 1 });
  api = await gatewayUnderTest({
    OLLAMA_HOST: ollama.url,
    NIGHTSHIFT_NUM_CTX: '512',
    // Webhooks may reach loopback here; media URLs keep their own, stricter, default.
    NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE: 'true',
  });
  client = new OpenAI({ baseURL: api.openAiBaseUrl, apiKey: 'acme-key', maxRetries: 0 });
});
afterAll(async () => {
  await api?.close();
  await ollama?.close();
});
afterEach(() => ollama.reset());

describe('media URLs in chat content parts', () => {
  it('refuses the cloud metadata address with 400 naming the part, and never calls upstream', async () => {
    const error = await refusal(
      client.chat.completions.create({
        model: 'qwen2:7b',
        messages: withImage('http://169.254.169.254/latest/meta-data/iam/security-credentials/'),
      }),
    );
    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe('messages.0.content.1.image_url.url');
    expect(error.code).toBe('media_url_not_allowed');
    expect(error.message).not.toContain('169.254');
    expect(ollama.requests).toHaveLength(0);
  });

  it('refuses loopback, and a name that resolves to loopback, whatever the part type', async () => {
    const loopback = await refusal(
      client.chat.completions.create({
        model: 'qwen2:7b',
        messages: withImage(`${ollama.url}/api/tags`),
      }),
    );
    expect(loopback.status).toBe(400);
    const byName = await refusal(
      client.chat.completions.create({
        model: 'qwen2:7b',
        messages: withImage('http://localhost:6379/'),
      }),
    );
    expect(byName.status).toBe(400);
    expect(byName.param).toBe('messages.0.content.1.image_url.url');
    // vLLM's own part types and its short form, in any message: the same policy.
    const video = await refusal(
      client.chat.completions.create({
        model: 'qwen2:7b',
        messages: [
          { role: 'system', content: 'be brief' },
          {
            role: 'user',
            content: [{ type: 'video_url', video_url: { url: 'http://10.0.0.7/v.mp4' } }],
          },
        ] as never,
      }),
    );
    expect(video.param).toBe('messages.1.content.0.video_url.url');
    const short = await refusal(
      client.chat.completions.create({
        model: 'qwen2:7b',
        messages: [
          { role: 'user', content: [{ type: 'audio_url', audio_url: 'http://[::1]/a.wav' }] },
        ] as never,
      }),
    );
    expect(short.param).toBe('messages.0.content.0.audio_url');
    // A URL that parsers read differently (backslash before the userinfo) is refused outright.
    const confusing = await refusal(
      client.chat.completions.create({
        model: 'qwen2:7b',
        messages: withImage('http://example.com\\@169.254.169.254/'),
      }),
    );
    expect(confusing.status).toBe(400);
    // file:// would read the model server's own disk where it allows local media.
    const file = await refusal(
      client.chat.completions.create({
        model: 'qwen2:7b',
        messages: withImage('file:///etc/passwd'),
      }),
    );
    expect(file.status).toBe(400);
    expect(ollama.requests).toHaveLength(0);
  });

  it('refuses the same URL in an embeddings body (vLLM embeds chat messages too)', async () => {
    const error = await refusal(
      client.embeddings.create({
        model: 'qwen2:7b',
        input: 'unused',
        messages: withImage('http://127.0.0.1/'),
      } as never),
    );
    expect(error.status).toBe(400);
    expect(error.param).toBe('messages.0.content.1.image_url.url');
    expect(ollama.requests).toHaveLength(0);
  });

  it('passes data: URLs through to the model server as written', async () => {
    const url = 'data:image/png;base64,iVBORw0KGgo=';
    const completion = await client.chat.completions.create({
      model: 'qwen2:7b',
      messages: withImage(url),
      max_tokens: 4,
    });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    const sent = ollama.requests.at(-1)?.body as { messages: { content: unknown }[] };
    expect(sent.messages[0]?.content).toEqual(withImage(url)[0]?.content);
  });
});

describe('media URLs in OpenAI batch input lines', () => {
  it('makes a line with a private media URL an input error of a failed batch', async () => {
    const line = (id: string, url: string) => ({
      custom_id: id,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'qwen2:7b', messages: withImage(url), max_tokens: 4 },
    });
    const text = [
      line('fine', 'data:image/png;base64,iVBORw0KGgo='),
      line('metadata', 'http://169.254.169.254/latest/meta-data/'),
      line('by-name', 'http://localhost/x.png'),
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const file = await client.files.create({
      file: await toFile(Buffer.from(`${text}\n`), 'input.jsonl'),
      purpose: 'batch',
    });
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data?.map((e) => [e.line, e.code, e.param])).toEqual([
      [2, 'media_url_not_allowed', 'body.messages.0.content.1.image_url.url'],
      [3, 'media_url_not_allowed', 'body.messages.0.content.1.image_url.url'],
    ]);
    expect(ollama.requests).toHaveLength(0);
  });
});
