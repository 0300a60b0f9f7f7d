import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type GpuStandIn, startGpuStandIn } from './gpu-stand-in.ts';
import { oomLoadMessage, oomRunMessage } from './ollama-stand-in-state.ts';
import { until } from './until.ts';

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
let gpu: GpuStandIn | undefined;

afterEach(async () => {
  await gpu?.close();
  gpu = undefined;
});

function openAiFor(server: GpuStandIn): OpenAI {
  return new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
}

/** The value of one /metrics sample line, e.g. `vllm:num_requests_running`. */
async function metric(server: GpuStandIn, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  return Number(line?.split(' ').at(-1));
}

describe('GPU stand-in, vLLM mode', () => {
  it('answers the real openai client, streamed and whole, token by token from the engine', async () => {
    gpu = await startGpuStandIn({ engine: { stepBaseMs: 1, stepPerSeqMs: 0 } });
    const openai = openAiFor(gpu);
    const messages = [{ role: 'user' as const, content: 'one two three four five' }];
    const whole = await openai.chat.completions.create({
      model: 'qwen2:7b',
      messages,
      max_tokens: 3,
    });
    expect(whole.choices[0]?.message.content).toBe('one two three');
    expect(whole.choices[0]?.finish_reason).toBe('length');
    const stream = await openai.chat.completions.create({
      model: 'qwen2:7b',
      messages,
      stream: true,
    });
    const pieces: string[] = [];
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta.content ?? '');
    expect(pieces.join('')).toBe('one two three four five');
    expect(pieces.filter((p) => p !== '')).toHaveLength(5);
    expect(gpu.stats()[0]?.stats.generatedTokens).toBe(8);
  });

  it('answers the real ollama client, streamed and whole', async () => {
    gpu = await startGpuStandIn({ engine: { stepBaseMs: 1, stepPerSeqMs: 0 } });
    const ollama = new Ollama({ host: gpu.url });
    const messages = [{ role: 'user', content: 'alpha beta gamma' }];
    const whole = await ollama.chat({ model: 'qwen2:7b', messages, stream: false });
    expect(whole.message.content).toBe('alpha beta gamma');
    expect(whole.eval_count).toBe(3);
    const parts: string[] = [];
    for await (const part of await ollama.chat({ model: 'qwen2:7b', messages, stream: true }))
      parts.push(part.message.content);
    expect(parts.join('')).toBe('alpha beta gamma');
  });

  it('answers an unknown model with 404 and a sequence larger than the KV cache with 400', async () => {
    gpu = await startGpuStandIn({ engine: { kvCapacityTokens: 8 } });
    const openai = openAiFor(gpu);
    await expect(
      openai.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      openai.chat.completions.create({
        model: 'qwen2:7b',
        messages: [{ role: 'user', content: words(20) }],
      }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('serves /metrics in vLLM Prometheus format: running, waiting and KV usage with model_name', async () => {
    // KV for two sequences of 4 + 4 tokens: the third waits.
    gpu = await startGpuStandIn({
      engine: { stepBaseMs: 50, stepPerSeqMs: 0, kvCapacityTokens: 16 },
    });
    const openai = openAiFor(gpu);
    const calls = [0, 1, 2].map(() =>
      openai.chat.completions.create({
        model: 'qwen2:7b',
        messages: [{ role: 'user', content: words(4) }],
      }),
    );
    const server = gpu;
    // A request arriving mid-step joins the batch at the next step: wait for that.
    await until(
      () => {
        const stats = server.stats()[0]?.stats;
        return stats?.running === 2 && stats.waiting === 1;
      },
      5_000,
      'two running, the third waiting',
    );
    const response = await fetch(`${gpu.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE vllm:num_requests_running gauge');
    expect(text).toContain('vllm:num_requests_running{engine="0",model_name="qwen2:7b"} 2.0');
    expect(text).toContain('vllm:num_requests_waiting{engine="0",model_name="qwen2:7b"} 1.0');
    const sampleOf = (name: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${name}{`))
          ?.split(' ')
          .at(-1),
      );
    const usage = sampleOf('vllm:kv_cache_usage_perc');
    expect(usage).toBeGreaterThan(0.5);
    expect(usage).toBeLessThanOrEqual(1);
    expect(sampleOf('vllm:gpu_cache_usage_perc')).toBe(usage);
    await Promise.all(calls);
    expect(await metric(gpu, 'vllm:num_requests_running')).toBe(0);
    expect(await metric(gpu, 'vllm:kv_cache_usage_perc')).toBe(0);
  });

  it('runs at most what the KV cache holds at once, the rest wait in the server (64 clients)', async () => {
    // 8 prompt + 8 output tokens each and a cache of 8 × 16 tokens: 8 sequences run, the rest
    // wait. How tokens/s follows concurrency is checked exactly on a virtual clock in
    // gpu-engine.test.ts; over HTTP only the invariants are asserted (no timing).
    gpu = await startGpuStandIn({
      engine: { stepBaseMs: 5, stepPerSeqMs: 0.1, kvCapacityTokens: 8 * 16, maxNumSeqs: 256 },
    });
    const openai = openAiFor(gpu);
    const server = gpu;
    let peakRunning = 0;
    let peakWaiting = 0;
    const sampler = setInterval(() => {
      const stats = server.stats()[0]?.stats;
      peakRunning = Math.max(peakRunning, stats?.running ?? 0);
      peakWaiting = Math.max(peakWaiting, stats?.waiting ?? 0);
    }, 1);
    const answers = await Promise.all(
      Array.from({ length: 64 }, () =>
        openai.chat.completions.create({
          model: 'qwen2:7b',
          messages: [{ role: 'user', content: words(8) }],
          max_tokens: 8,
        }),
      ),
    );
    clearInterval(sampler);
    expect(answers.map((a) => a.usage?.completion_tokens)).toEqual(Array(64).fill(8));
    expect(peakRunning).toBe(8);
    expect(peakWaiting).toBeGreaterThan(0);
  }, 30_000);
});

describe('GPU stand-in, Ollama mode', () => {
  const model = { name: 'qwen2:7b', sizeBytes: 5_000, sizeVramBytes: 4_000 };

  it('loads a model in loadMs, lists it in /api/ps with size and size_vram', async () => {
    gpu = await startGpuStandIn({
      mode: 'ollama',
      models: [model],
      ollama: { memoryBytes: 10_000, loadMs: 100, kvBytesPerToken: 1 },
    });
    const ollama = new Ollama({ host: gpu.url });
    const started = performance.now();
    await ollama.generate({ model: 'qwen2:7b', prompt: 'a b c', stream: false });
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    const ps = await ollama.ps();
    expect(ps.models).toHaveLength(1);
    expect(ps.models[0]).toMatchObject({ name: 'qwen2:7b', size: 5_000, size_vram: 4_000 });
  });

  it("counts a running request's KV memory in /api/ps until it ends, as Ollama counts its cache", async () => {
    gpu = await startGpuStandIn({
      mode: 'ollama',
      models: [model],
      engine: { stepBaseMs: 20, stepPerSeqMs: 0 },
      ollama: { memoryBytes: 100_000, kvBytesPerToken: 10 },
    });
    const ollama = new Ollama({ host: gpu.url });
    const running = ollama.generate({
      model: 'qwen2:7b',
      prompt: 'a b c d e f g h',
      stream: false,
      options: { num_ctx: 1_000 },
    });
    await until(async () => (await ollama.ps()).models[0]?.size_vram === 14_000, 5_000, 'KV held');
    await running;
    expect((await ollama.ps()).models[0]).toMatchObject({ size: 5_000, size_vram: 4_000 });
  });

  it('answers a model that does not fit in GPU memory with 500 CUDA out of memory', async () => {
    gpu = await startGpuStandIn({
      mode: 'ollama',
      models: [model],
      ollama: { memoryBytes: 3_000 },
    });
    const ollama = new Ollama({ host: gpu.url });
    const failure = ollama.chat({ model: 'qwen2:7b', messages: [{ role: 'user', content: 'x' }] });
    await expect(failure).rejects.toMatchObject({ status_code: 500, error: oomLoadMessage });
    expect((await ollama.ps()).models).toHaveLength(0);
  });

  it('shares the budget between models: a second model loads only once the first is unloaded', async () => {
    const big = { name: 'qwen3:32b', sizeBytes: 6_000 };
    gpu = await startGpuStandIn({
      mode: 'ollama',
      models: [model, big],
      ollama: { memoryBytes: 9_000, kvBytesPerToken: 1 },
    });
    const ollama = new Ollama({ host: gpu.url });
    const messages = [{ role: 'user', content: 'hi' }];
    await ollama.chat({ model: 'qwen2:7b', messages });
    await expect(ollama.chat({ model: 'qwen3:32b', messages })).rejects.toMatchObject({
      status_code: 500,
      error: oomLoadMessage,
    });
    // Ollama's unload idiom: no messages, keep_alive 0.
    await ollama.chat({ model: 'qwen2:7b', messages: [], keep_alive: 0 });
    expect((await ollama.ps()).models).toHaveLength(0);
    expect((await ollama.chat({ model: 'qwen3:32b', messages })).message.content).toBe('hi');
    expect((await ollama.ps()).models.map((m) => m.name)).toEqual(['qwen3:32b']);
  });

  it('answers a request whose KV memory does not fit next to the running ones with 500 out of memory', async () => {
    // Weights 4 000 + one request of num_ctx 4 000 × 1 byte fit in 9 000; a second does not.
    gpu = await startGpuStandIn({
      mode: 'ollama',
      models: [model],
      engine: { stepBaseMs: 50, stepPerSeqMs: 0 },
      ollama: { memoryBytes: 9_000, kvBytesPerToken: 1 },
    });
    const openai = openAiFor(gpu);
    const ollama = new Ollama({ host: gpu.url });
    const messages = [{ role: 'user', content: words(5) }];
    const first = ollama.chat({ model: 'qwen2:7b', messages, options: { num_ctx: 4_000 } });
    const server = gpu;
    await until(() => server.stats()[0]?.stats.running === 1, 5_000, 'first request running');
    await expect(
      ollama.chat({ model: 'qwen2:7b', messages, options: { num_ctx: 4_000 } }),
    ).rejects.toMatchObject({ status_code: 500, error: oomRunMessage });
    // The OpenAI endpoint says it in OpenAI's error shape.
    const viaOpenAi = openai.chat.completions.create({
      model: 'qwen2:7b',
      messages: [{ role: 'user', content: words(4_500) }],
    });
    await expect(viaOpenAi).rejects.toMatchObject({ status: 500 });
    await expect(viaOpenAi).rejects.toThrow(/CUDA error: out of memory/);
    expect((await first).message.content).toBe(words(5));
    // Once the first is done its KV is free again.
    const again = await ollama.chat({ model: 'qwen2:7b', messages, options: { num_ctx: 4_000 } });
    expect(again.done).toBe(true);
    expect(gpu.outOfMemoryAnswers()).toBe(2);
  });

  it('takes KV memory only when a request gets a slot: one waiting for a slot does not run out of memory', async () => {
    // Room for the weights and one request of num_ctx 4 000; one slot, so the second waits.
    gpu = await startGpuStandIn({
      mode: 'ollama',
      models: [model],
      engine: { stepBaseMs: 10, stepPerSeqMs: 0 },
      ollama: { memoryBytes: 8_000, parallel: 1, kvBytesPerToken: 1 },
    });
    const ollama = new Ollama({ host: gpu.url });
    const messages = [{ role: 'user', content: words(3) }];
    const both = [0, 1].map(() =>
      ollama.chat({ model: 'qwen2:7b', messages, options: { num_ctx: 4_000 } }),
    );
    const answers = await Promise.all(both);
    expect(answers.map((a) => a.message.content)).toEqual([words(3), words(3)]);
  });

  it('frees the slot and KV memory of a request whose client went away', async () => {
    gpu = await startGpuStandIn({
      mode: 'ollama',
      models: [model],
      engine: { stepBaseMs: 10, stepPerSeqMs: 0 },
      ollama: { memoryBytes: 8_000, parallel: 1, kvBytesPerToken: 1 },
    });
    const ollama = new Ollama({ host: gpu.url });
    const messages = [{ role: 'user', content: words(50) }];
    const stream = await ollama.chat({
      model: 'qwen2:7b',
      messages,
      stream: true,
      options: { num_ctx: 4_000 },
    });
    for await (const part of stream) {
      expect(part.message.content).toBe('w0');
      stream.abort();
      break;
    }
    const answer = await ollama.chat({
      model: 'qwen2:7b',
      messages: [{ role: 'user', content: 'short' }],
      options: { num_ctx: 4_000 },
    });
    expect(answer.message.content).toBe('short');
    expect(gpu.stats()[0]?.stats.generatedTokens).toBeLessThan(10);
  });

  it('runs `parallel` requests per model at once and queues the rest', async () => {
    gpu = await startGpuStandIn({
      mode: 'ollama',
      models: [model],
      engine: { stepBaseMs: 50, stepPerSeqMs: 0 },
      ollama: { memoryBytes: 1_000_000, parallel: 2, kvBytesPerToken: 1 },
    });
    const ollama = new Ollama({ host: gpu.url });
    const messages = [{ role: 'user', content: words(3) }];
    const calls = [0, 1, 2, 3, 4].map(() => ollama.chat({ model: 'qwen2:7b', messages }));
    const server = gpu;
    await until(
      () => {
        const stats = server.stats()[0]?.stats;
        return stats?.running === 2 && stats.waiting === 3;
      },
      5_000,
      'two running, three waiting',
    );
    expect(gpu.stats()[0]?.stats).toMatchObject({ running: 2, waiting: 3 });
    expect(await metric(gpu, 'vllm:num_requests_waiting')).toBe(3);
    const answers = await Promise.all(calls);
    expect(answers.map((a) => a.message.content)).toEqual(Array(5).fill(words(3)));
  });
});
