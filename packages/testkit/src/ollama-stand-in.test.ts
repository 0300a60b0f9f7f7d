import { Ollama } from 'ollama';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OllamaStandIn, startOllamaStandIn } from './ollama-stand-in.ts';

const model = 'qwen2:7b';
const text = 'The quick brown fox jumps over the lazy dog near the river bank today.';

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

function errorOf(promise: Promise<unknown>): Promise<{ status_code?: number; message: string }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: { status_code?: number; message: string }) => err,
  );
}

describe('ollama stand-in with the official ollama client', () => {
  let ollama: OllamaStandIn;
  let client: Ollama;

  beforeAll(async () => {
    ollama = await startOllamaStandIn({
      models: [
        { name: model, sizeBytes: 4_400_000_000, sizeVramBytes: 4_000_000_000 },
        { name: 'qwen3:32b', sizeBytes: 19_900_000_000 },
      ],
    });
    client = new Ollama({ host: ollama.url });
  });
  afterEach(() => ollama.reset());
  afterAll(() => ollama.close());

  it('streams a chat reply: the first num_predict words of the last user message', async () => {
    const stream = await client.chat({
      model,
      stream: true,
      messages: [
        { role: 'system', content: 'Summarize briefly.' },
        { role: 'user', content: text },
      ],
      options: { num_predict: 4, num_ctx: 2048 },
    });
    let content = '';
    let last:
      | { done: boolean; done_reason?: string; eval_count?: number; prompt_eval_count?: number }
      | undefined;
    for await (const part of stream) {
      content += part.message.content;
      last = part;
    }
    expect(content).toBe('The quick brown fox');
    expect(last).toMatchObject({
      done: true,
      done_reason: 'length',
      eval_count: 4,
      prompt_eval_count: 16,
    });
    expect(ollama.requests[0]).toMatchObject({
      path: '/api/chat',
      model,
      stream: true,
      options: { num_predict: 4, num_ctx: 2048 },
      messages: [{ role: 'system' }, { role: 'user', content: text }],
    });
    expect(ollama.requests[0]?.status).toBe(200);
  });

  it('answers non-streamed chat and generate requests whole', async () => {
    const chat = await client.chat({
      model,
      messages: [{ role: 'user', content: 'one two three' }],
    });
    expect(chat.message.content).toBe('one two three');
    expect(chat).toMatchObject({
      done: true,
      done_reason: 'stop',
      eval_count: 3,
      prompt_eval_count: 3,
    });
    const gen = await client.generate({
      model,
      prompt: text,
      system: 'be short',
      options: { num_predict: 2 },
    });
    expect(gen.response).toBe('The quick');
    expect(gen).toMatchObject({ done_reason: 'length', eval_count: 2, prompt_eval_count: 16 });
    expect(ollama.requests.map((r) => r.path)).toEqual(['/api/chat', '/api/generate']);
    expect(ollama.requests[1]).toMatchObject({ prompt: text, system: 'be short' });
  });

  it('lists tags, version and show like Ollama', async () => {
    const tags = await client.list();
    expect(tags.models.map((m) => [m.name, m.size])).toEqual([
      [model, 4_400_000_000],
      ['qwen3:32b', 19_900_000_000],
    ]);
    expect((await client.version()).version).toMatch(/^\d+\.\d+\.\d+$/);
    const show = await client.show({ model });
    expect(show.details.format).toBe('gguf');
    const missing = await errorOf(client.show({ model: 'nope:1b' }));
    expect(missing.status_code).toBe(404);
  });

  it('tracks loaded models in /api/ps and unloads on keep_alive 0', async () => {
    expect((await client.ps()).models).toEqual([]);
    await client.chat({ model, messages: [{ role: 'user', content: 'hi' }], keep_alive: '10m' });
    const ps = await client.ps();
    expect(ps.models).toHaveLength(1);
    expect(ps.models[0]).toMatchObject({
      name: model,
      size: 4_400_000_000,
      size_vram: 4_000_000_000,
    });
    const expiresIn = new Date(ps.models[0]?.expires_at ?? 0).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(9 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(10 * 60_000);

    const unloaded = await client.generate({ model, prompt: '', keep_alive: 0 });
    expect(unloaded.done_reason).toBe('unload');
    expect((await client.ps()).models).toEqual([]);
    expect(ollama.requests.at(-2)).toMatchObject({ path: '/api/generate', keep_alive: 0 });

    await client.chat({ model, messages: [{ role: 'user', content: 'hi' }], keep_alive: 0 });
    expect(ollama.loadedModels()).toEqual([]);
  });

  it('answers 404 for a model it does not serve', async () => {
    const err = await errorOf(
      client.chat({ model: 'llama9:70b', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(err.status_code).toBe(404);
    expect(err.message).toBe('model "llama9:70b" not found, try pulling it first');
  });

  it('injects oom, busy and missing faults, optionally per model and several times', async () => {
    const messages = [{ role: 'user', content: 'hello there' }];
    ollama.failNext({ kind: 'oom', model, times: 2 });
    ollama.failNext({ kind: 'busy' });
    // The busy fault has no model filter, so the 32b request takes it; the oom stays armed for 7b.
    const busy = await errorOf(client.chat({ model: 'qwen3:32b', messages }));
    expect([busy.status_code, busy.message]).toEqual([
      503,
      'server busy, please try again.  maximum pending requests exceeded',
    ]);
    for (let i = 0; i < 2; i++) {
      const oom = await errorOf(client.chat({ model, messages }));
      expect(oom.status_code).toBe(500);
      expect(oom.message).toMatch(/CUDA error: out of memory/);
    }
    expect((await client.chat({ model, messages })).message.content).toBe('hello there');

    ollama.failNext({ kind: 'missing' });
    const missing = await errorOf(client.chat({ model, messages }));
    expect([missing.status_code, missing.message]).toEqual([
      404,
      `model "${model}" not found, try pulling it first`,
    ]);
    expect(ollama.requests.map((r) => r.status)).toEqual([503, 500, 500, 200, 404]);
  });

  it('sends a streamed {"error"} line after the first token on stream_error', async () => {
    ollama.failNext({ kind: 'stream_error' });
    const stream = await client.chat({
      model,
      stream: true,
      messages: [{ role: 'user', content: text }],
    });
    const seen: string[] = [];
    const err = await errorOf(
      (async () => {
        for await (const part of stream) seen.push(part.message.content);
      })(),
    );
    expect(seen).toEqual(['The']);
    expect(err.message).toMatch(/an error was encountered while running the model/);

    ollama.failNext({ kind: 'stream_error', message: 'runner crashed' });
    const whole = await errorOf(
      client.chat({ model, messages: [{ role: 'user', content: text }] }),
    );
    expect([whole.status_code, whole.message]).toEqual([500, 'runner crashed']);
  });

  it('serves the OpenAI-compatible chat completions endpoint', async () => {
    const res = await fetch(`${ollama.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        max_tokens: 3,
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: text },
        ],
      }),
    });
    const body = (await res.json()) as {
      choices: unknown[];
      usage: unknown;
    };
    expect(body.choices[0]).toMatchObject({
      message: { content: 'The quick brown' },
      finish_reason: 'length',
    });
    expect(body.usage).toEqual({ prompt_tokens: 16, completion_tokens: 3, total_tokens: 19 });
    expect(ollama.requests[0]).toMatchObject({
      path: '/v1/chat/completions',
      options: { num_predict: 3 },
    });

    ollama.failNext({ kind: 'busy' });
    const busy = await fetch(`${ollama.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(busy.status).toBe(503);
    const busyBody = (await busy.json()) as { error: { message: string } };
    expect(busyBody.error.message).toMatch(/server busy/);
  });
});

describe('ollama stand-in slots and delays', () => {
  it('runs `parallel` requests, queues up to maxQueue and answers 503 beyond', async () => {
    const ollama = await startOllamaStandIn({ parallel: 1, maxQueue: 1, tokenLatencyMs: 3 });
    try {
      const client = new Ollama({ host: ollama.url });
      const long = Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ');
      const first = client.chat({
        model,
        messages: [{ role: 'user', content: long }],
        options: { num_predict: 100 },
      });
      await until(() => ollama.queue().active === 1);
      const second = client.chat({ model, messages: [{ role: 'user', content: 'second one' }] });
      await until(() => ollama.queue().waiting === 1);
      const third = await errorOf(
        client.chat({ model, messages: [{ role: 'user', content: 'third' }] }),
      );
      expect(third.status_code).toBe(503);
      expect((await first).eval_count).toBe(100);
      expect((await second).message.content).toBe('second one');
      expect(ollama.queue()).toEqual({ active: 0, waiting: 0 });
    } finally {
      await ollama.close();
    }
  });

  it('holds a slow request and frees its slot when the client gives up', async () => {
    const ollama = await startOllamaStandIn({ parallel: 1 });
    try {
      ollama.failNext({ kind: 'slow', delayMs: 60_000 });
      const controller = new AbortController();
      const slow = fetch(`${ollama.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }),
        signal: controller.signal,
      });
      await until(() => ollama.queue().active === 1);
      controller.abort();
      await expect(slow).rejects.toThrow();
      await until(() => ollama.queue().active === 0);
      const client = new Ollama({ host: ollama.url });
      expect(
        (await client.chat({ model, messages: [{ role: 'user', content: 'fast' }] })).message
          .content,
      ).toBe('fast');
    } finally {
      await ollama.close();
    }
  });

  it('drops a queued request from the queue when its client gives up', async () => {
    const ollama = await startOllamaStandIn({ parallel: 1 });
    try {
      ollama.failNext({ kind: 'slow', delayMs: 60_000 });
      const post = (content: string, signal?: AbortSignal) =>
        fetch(`${ollama.url}/api/chat`, {
          method: 'POST',
          body: JSON.stringify({ model, stream: false, messages: [{ role: 'user', content }] }),
          ...(signal ? { signal } : {}),
        });
      const holder = new AbortController();
      const slow = post('x', holder.signal);
      await until(() => ollama.queue().active === 1);
      const leaver = new AbortController();
      const queued = post('queued', leaver.signal);
      await until(() => ollama.queue().waiting === 1);
      leaver.abort();
      await expect(queued).rejects.toThrow();
      await until(() => ollama.queue().waiting === 0);
      holder.abort();
      await expect(slow).rejects.toThrow();
      await until(() => ollama.queue().active === 0);
    } finally {
      await ollama.close();
    }
  });

  it('close() ends requests still in flight', async () => {
    const ollama = await startOllamaStandIn({ tokenLatencyMs: 10_000 });
    const client = new Ollama({ host: ollama.url });
    const pending = errorOf(client.chat({ model, messages: [{ role: 'user', content: 'a b c' }] }));
    await until(() => ollama.queue().active === 1);
    await ollama.close();
    expect((await pending).message).toBeTruthy();
  });
});

describe('ollama stand-in bookkeeping', () => {
  it('keeps only the latest keepRequests requests, with when each finished', async () => {
    const ollama = await startOllamaStandIn({ keepRequests: 3 });
    try {
      const client = new Ollama({ host: ollama.url });
      for (let i = 0; i < 7; i++) {
        await client.chat({ model, stream: false, messages: [{ role: 'user', content: `n${i}` }] });
      }
      // Trimmed in steps: between keepRequests and twice as many, the newest last.
      expect(ollama.requests.length).toBeGreaterThanOrEqual(3);
      expect(ollama.requests.length).toBeLessThan(6);
      expect(ollama.requests.at(-1)?.messages).toEqual([{ role: 'user', content: 'n6' }]);
      await until(() => ollama.requests.every((r) => r.finishedAt !== undefined));
      for (const r of ollama.requests) expect(r.finishedAt).toBeGreaterThanOrEqual(r.receivedAt);
    } finally {
      await ollama.close();
    }
  });

  it('sends a whole answer with its length, not chunked, as Ollama does', async () => {
    const ollama = await startOllamaStandIn();
    try {
      const response = await fetch(`${ollama.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model, stream: false, messages: [{ role: 'user', content: text }] }),
      });
      const body = await response.text();
      expect(response.headers.get('transfer-encoding')).toBeNull();
      expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(body));
      expect(JSON.parse(body)).toMatchObject({ done: true, message: { content: text } });
    } finally {
      await ollama.close();
    }
  });

  it('counts words and cuts replies on any whitespace, as splitting on /\\s+/ would', async () => {
    const ollama = await startOllamaStandIn();
    try {
      const client = new Ollama({ host: ollama.url });
      const spaced = ' one\ttwo\u00a0three\n\nfour\u2003five\u3000six  ';
      const words = spaced.split(/\s+/).filter(Boolean);
      const answer = await client.chat({
        model,
        stream: false,
        messages: [{ role: 'user', content: spaced }],
        options: { num_predict: 4 },
      });
      expect(answer.message.content).toBe(words.slice(0, 4).join(' '));
      expect(answer.done_reason).toBe('length');
      expect(answer.prompt_eval_count).toBe(words.length);
      const whole = await client.chat({
        model,
        stream: false,
        messages: [{ role: 'user', content: spaced }],
        options: { num_predict: words.length },
      });
      expect(whole.message.content).toBe(words.join(' '));
      expect(whole.done_reason).toBe('stop');
    } finally {
      await ollama.close();
    }
  });
});
