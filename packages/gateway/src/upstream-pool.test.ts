import { configVariables, deprecationsIn, loadConfig } from '@nightshift/core';
import { describe, expect, it } from 'vitest';
import { UpstreamPool } from './upstream-pool.ts';
import { fallbacksFrom, type Upstream, upstreamsFrom } from './upstreams.ts';

const upstream = (id: string, slots: number, models = ['m']): Upstream => ({
  id,
  kind: 'ollama',
  url: `http://${id}:11434`,
  models,
  slots,
});

describe('upstreamsFrom', () => {
  it('keeps a single-OLLAMA_HOST setup working: one Ollama upstream serving every model', () => {
    const config = loadConfig({ OLLAMA_HOST: 'http://gpu1:11434' });
    expect(upstreamsFrom(config)).toEqual([
      {
        id: 'ollama@gpu1:11434',
        kind: 'ollama',
        url: 'http://gpu1:11434',
        models: ['*'],
        slots: 4,
        contextTokens: 8192,
      },
    ]);
    expect(upstreamsFrom(loadConfig({ NIGHTSHIFT_PROVIDER: 'extractive' }))).toEqual([]);
    expect(upstreamsFrom(loadConfig({ NIGHTSHIFT_PROVIDER: 'openai' }))[0]).toMatchObject({
      kind: 'openai',
      url: 'http://127.0.0.1:8000/v1',
      slots: 64,
    });
  });

  it('gives the one upstream the deprecated NIGHTSHIFT_SERVER_METRICS_URL as its metricsUrl, and names its replacement', () => {
    const env = {
      NIGHTSHIFT_PROVIDER: 'openai',
      NIGHTSHIFT_SERVER_METRICS_URL: 'http://gpu2:8001/metrics',
    };
    expect(upstreamsFrom(loadConfig(env))[0]?.metricsUrl).toBe('http://gpu2:8001/metrics');
    expect(deprecationsIn(env)).toEqual([
      {
        variable: 'NIGHTSHIFT_SERVER_METRICS_URL',
        replacement: 'the "metricsUrl" of the upstream in NIGHTSHIFT_UPSTREAMS',
      },
    ]);
    expect(configVariables).not.toContain('NIGHTSHIFT_SERVER_METRICS_URL');
    // An upstream's own metricsUrl wins; with several upstreams the old variable names none.
    const one = (metricsUrl?: string) => ({
      kind: 'openai',
      url: 'http://vllm:8000/v1',
      models: ['*'],
      ...(metricsUrl ? { metricsUrl } : {}),
    });
    const own = loadConfig({ ...env, NIGHTSHIFT_UPSTREAMS: JSON.stringify([one('none')]) });
    expect(upstreamsFrom(own)[0]?.metricsUrl).toBe('none');
    const two = loadConfig({ ...env, NIGHTSHIFT_UPSTREAMS: JSON.stringify([one(), one()]) });
    expect(upstreamsFrom(two).map((u) => u.metricsUrl)).toEqual([undefined, undefined]);
  });

  it('reads NIGHTSHIFT_UPSTREAMS and names a bad entry', () => {
    const config = loadConfig({
      NIGHTSHIFT_UPSTREAMS: JSON.stringify([
        {
          kind: 'openai',
          url: 'http://vllm:8000/v1',
          models: ['llama3.1:8b'],
          slots: 128,
          contextTokens: 32768,
        },
      ]),
    });
    expect(upstreamsFrom(config)).toEqual([
      {
        id: 'openai@vllm:8000',
        kind: 'openai',
        url: 'http://vllm:8000/v1',
        models: ['llama3.1:8b'],
        slots: 128,
        contextTokens: 32768,
      },
    ]);
    expect(() => loadConfig({ NIGHTSHIFT_UPSTREAMS: '[{"kind":"tgi","url":"http://x"}]' })).toThrow(
      /NIGHTSHIFT_UPSTREAMS: 0\.kind/,
    );
    expect(() => loadConfig({ NIGHTSHIFT_UPSTREAMS: 'not json' })).toThrow(/is not JSON/);
  });

  it('takes the fallbacks of the summaries unless the gateway has its own', () => {
    expect([...fallbacksFrom(loadConfig({}))]).toEqual([['qwen3:32b', ['qwen2:7b']]]);
    const own = loadConfig({ NIGHTSHIFT_GATEWAY_FALLBACKS: '{"big":["mid","small"]}' });
    expect(fallbacksFrom(own).get('big')).toEqual(['mid', 'small']);
  });
});

describe('UpstreamPool', () => {
  it('ranks up servers by their share of free slots and skips a down one for a while', async () => {
    let now = 1_000;
    const big = upstream('big', 8);
    const small = upstream('small', 2);
    const pool = new UpstreamPool({
      upstreams: [big, small],
      discover: async () => [],
      now: () => now,
    });
    expect(pool.ranked([big, small])).toEqual([big, small]);
    const releaseSmall = pool.acquire(small);
    expect(pool.ranked([big, small])).toEqual([big, small]); // 0/8 before 1/2
    const releases = [1, 2, 3, 4, 5].map(() => pool.acquire(big));
    expect(pool.ranked([big, small])).toEqual([small, big]); // 1/2 before 5/8
    expect(pool.full([big, small])).toBe(false);
    pool.acquire(small);
    releases.push(pool.acquire(big), pool.acquire(big), pool.acquire(big));
    expect(pool.full([big, small])).toBe(true);
    releaseSmall();
    releaseSmall(); // twice is once
    expect(pool.load().find((l) => l.id === 'small')?.inFlight).toBe(1);

    pool.markDown(big);
    expect(pool.ranked([big, small])).toEqual([small]);
    now += 5_001;
    expect(pool.ranked([big, small])).toContain(big);
  });

  it('asks a * server for its models once per TTL, and is partly blind while it is down', async () => {
    let now = 0;
    let calls = 0;
    let answer: () => Promise<string[]> = async () => ['qwen2:7b'];
    const wild = upstream('wild', 4, ['*']);
    const named = upstream('named', 4, ['fixed']);
    const pool = new UpstreamPool({
      upstreams: [wild, named],
      discover: () => {
        calls++;
        return answer();
      },
      now: () => now,
    });
    await Promise.all([pool.serving('qwen2:7b'), pool.serving('qwen2:7b')]);
    expect(await pool.serving('qwen2:7b')).toEqual([wild]);
    expect(await pool.serving('fixed')).toEqual([named]);
    expect(calls).toBe(1);
    now += 15_001;
    answer = async () => {
      throw new Error('ECONNREFUSED');
    };
    expect(await pool.serving('qwen2:7b')).toEqual([wild]); // the last list stands meanwhile
    expect(pool.ranked([wild])).toEqual([]);
    expect(pool.partlyBlind()).toBe(false);

    const fresh = new UpstreamPool({ upstreams: [wild], discover: answer, now: () => now });
    expect(await fresh.serving('qwen2:7b')).toEqual([]);
    expect(fresh.partlyBlind()).toBe(true);
  });
});
