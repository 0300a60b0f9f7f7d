import { startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import {
  createServerLoadProbe,
  metricsUrlFor,
  metricsUrlOf,
  parseServerLoad,
} from './server-load.ts';

describe('parseServerLoad', () => {
  it('adds up running and waiting over models and takes the fullest KV cache (vLLM names)', () => {
    const text = [
      '# HELP vllm:num_requests_running Number of requests in model execution batches.',
      '# TYPE vllm:num_requests_running gauge',
      'vllm:num_requests_running{engine="0",model_name="a"} 3.0',
      'vllm:num_requests_running{engine="0",model_name="b {x}"} 2.0',
      'vllm:num_requests_waiting{engine="0",model_name="a"} 1.0',
      'vllm:gpu_cache_usage_perc{engine="0",model_name="a"} 0.25',
      'vllm:gpu_cache_usage_perc{engine="0",model_name="b {x}"} 0.5',
      'vllm:generation_tokens_total{engine="0",model_name="a"} 1200.0',
    ].join('\n');
    expect(parseServerLoad(text)).toEqual({
      running: 5,
      waiting: 1,
      kvUsage: 0.5,
      generatedTokens: 1200,
    });
  });

  it("reads SGLang's names", () => {
    const text =
      'sglang:num_running_reqs{model_name="m"} 7\nsglang:num_queue_reqs{model_name="m"} 0\nsglang:token_usage{model_name="m"} 0.81\n';
    expect(parseServerLoad(text)).toEqual({
      running: 7,
      waiting: 0,
      kvUsage: 0.81,
      generatedTokens: null,
    });
  });

  it('is null for metrics of something that is not a model server', () => {
    expect(parseServerLoad('process_cpu_seconds_total 12.5\n')).toBeNull();
    expect(parseServerLoad('')).toBeNull();
  });
});

describe('createServerLoadProbe against the GPU stand-in', () => {
  it('sees the requests the server runs and queues, and the tokens it made', async () => {
    const gpu = await startGpuStandIn({
      engine: { stepBaseMs: 5, stepPerSeqMs: 0, maxNumSeqs: 2, kvCapacityTokens: 10_000 },
    });
    try {
      const probe = createServerLoadProbe({ url: metricsUrlOf(`${gpu.url}/v1`) });
      expect(await probe.read()).toMatchObject({
        status: 'ok',
        load: { running: 0, waiting: 0, kvUsage: 0, generatedTokens: 0 },
      });
      const openai = new OpenAI({ baseURL: `${gpu.url}/v1`, apiKey: 'none', maxRetries: 0 });
      const prompt = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
      const calls = Array.from({ length: 3 }, () =>
        openai.chat.completions.create({
          model: 'qwen2:7b',
          messages: [{ role: 'user', content: prompt }],
          max_tokens: 30,
        }),
      );
      let busy = await probe.read();
      for (let i = 0; i < 100 && !(busy.status === 'ok' && busy.load.waiting === 1); i++) {
        busy = await probe.read();
      }
      expect(busy).toMatchObject({ status: 'ok', load: { running: 2, waiting: 1 } });
      await Promise.all(calls);
      expect(await probe.read()).toMatchObject({
        status: 'ok',
        load: { running: 0, waiting: 0, generatedTokens: 90 },
      });
    } finally {
      await gpu.close();
    }
  });

  it('is unknown, never a throw, when the server is away or is not a model server', async () => {
    const gone = await createServerLoadProbe({ url: 'http://127.0.0.1:9/metrics' }).read();
    expect(gone.status).toBe('unknown');
    const gpu = await startGpuStandIn();
    try {
      const wrong = await createServerLoadProbe({ url: `${gpu.url}/api/tags` }).read();
      expect(wrong).toMatchObject({ status: 'unknown' });
    } finally {
      await gpu.close();
    }
  });
});

describe('metricsUrlFor', () => {
  it("reads an upstream's metricsUrl, else the /metrics beside an OpenAI-compatible base URL", () => {
    const vllm = { kind: 'openai', url: 'http://gpu-1:8000/v1' } as const;
    expect(metricsUrlFor(vllm)).toBe('http://gpu-1:8000/metrics');
    expect(metricsUrlFor({ ...vllm, metricsUrl: 'http://gpu-1:9400/metrics' })).toBe(
      'http://gpu-1:9400/metrics',
    );
    expect(metricsUrlFor({ ...vllm, metricsUrl: 'none' })).toBeUndefined();
    expect(metricsUrlFor({ kind: 'ollama', url: 'http://gpu-1:11434' })).toBeUndefined();
  });
});

describe('metricsUrlOf', () => {
  it('puts /metrics beside /v1', () => {
    expect(metricsUrlOf('http://gpu-1:8000/v1')).toBe('http://gpu-1:8000/metrics');
    expect(metricsUrlOf('http://gpu-1:8000/v1/')).toBe('http://gpu-1:8000/metrics');
    expect(metricsUrlOf('https://h/vllm/v1?x=1')).toBe('https://h/vllm/metrics');
  });
});
