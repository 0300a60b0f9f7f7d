import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { longText } from '@nightshift/testkit/sample-documents';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { standInProvider } from '../test-support/stand-in-provider.ts';
import { createExtractiveProvider } from './extractive.ts';
import { createModelChain, type ModelChain } from './model-chain.ts';
import { type SummaryCheckpoint, summarizeText, YieldRequestedError } from './summarize.ts';

const main = 'qwen3:32b';
const fallback = 'qwen2:7b';
const numCtx = 1024;
const maxTokens = 128;
const words = (text: string) => text.split(/\s+/).filter((w) => w.length > 0);

describe('summarizeText over the stand-in', () => {
  let ollama: OllamaStandIn;
  let chain: ModelChain;
  const long = longText(3000, { seed: 11 });

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
    const provider = standInProvider(ollama.url);
    chain = createModelChain({
      targets: [
        { provider, model: main },
        { provider, model: fallback },
      ],
    });
  });
  afterEach(() => ollama.reset());
  afterAll(() => ollama.close());

  const chats = () => ollama.requests.filter((r) => r.path === '/api/chat');
  const systemOf = (i: number) => chats()[i]?.messages?.[0]?.content ?? '';
  const userOf = (i: number) => chats()[i]?.messages?.[1]?.content ?? '';
  const partIndices = () =>
    chats()
      .map((r) => /part (\d+) of (\d+)/.exec(r.messages?.[0]?.content ?? '')?.[1])
      .filter((p) => p !== undefined)
      .map(Number);

  it('makes one call when the text fits, with the summary options in the system prompt', async () => {
    const text = 'Short document. It fits in one call easily.';
    const result = await summarizeText({
      text,
      chain,
      numCtx,
      maxTokens,
      summary: { maxWords: 50, style: 'bullets', language: 'German' },
    });
    expect(result).toMatchObject({ model: main, degraded: false, chunks: 1, calls: 1 });
    expect(result.summary).toBe(text);
    expect(chats()).toHaveLength(1);
    expect(userOf(0)).toBe(text);
    expect(systemOf(0)).toMatch(/at most 50 words/);
    expect(systemOf(0)).toMatch(/bullet list/);
    expect(systemOf(0)).toMatch(/German/);
    expect(chats()[0]?.options).toMatchObject({ num_ctx: numCtx, num_predict: maxTokens });
  });

  it('maps every chunk, reduces recursively and sums usage over all calls', async () => {
    const result = await summarizeText({
      text: long,
      chain,
      numCtx,
      maxTokens,
      summary: { maxWords: 80 },
    });
    expect(result.chunks).toBeGreaterThan(4);
    expect(partIndices()).toEqual(Array.from({ length: result.chunks }, (_, i) => i + 1));
    // More partials than fit one call: at least one intermediate merge before the final one.
    expect(result.calls).toBeGreaterThan(result.chunks + 1);
    expect(chats()).toHaveLength(result.calls);
    expect(systemOf(result.calls - 1)).toMatch(/whole document of at most 80 words/);

    // The stand-in counts words: usage must be the sum over every call it served.
    let prompt = 0;
    let completion = 0;
    for (const r of chats()) {
      const messages = r.messages ?? [];
      prompt += words(messages.map((m) => m.content).join(' ')).length;
      const cap = Number(r.options?.num_predict);
      completion += Math.min(cap, words(messages.at(-1)?.content ?? '').length);
      expect(words(messages.map((m) => m.content).join(' ')).length + cap).toBeLessThanOrEqual(
        numCtx,
      );
    }
    expect(result.usage).toEqual({ promptTokens: prompt, completionTokens: completion });
    // The stand-in answers with the first words of its input, so the summary opens the text.
    expect(long.startsWith(result.summary.slice(0, 40))).toBe(true);
  });

  it('resumes from a checkpoint without redoing summarized chunks', async () => {
    const uninterrupted = await summarizeText({ text: long, chain, numCtx, maxTokens });
    ollama.reset();

    const saved: SummaryCheckpoint[] = [];
    let done = 0;
    const first = await summarizeText({
      text: long,
      chain,
      numCtx,
      maxTokens,
      onChunkSummarized: async (index, summary, usage, checkpoint) => {
        expect(checkpoint.mapped[index]).toBe(summary);
        expect(usage).toEqual(checkpoint.usage);
        saved.push(checkpoint);
        done++;
      },
      shouldYield: () => done >= 3,
    }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(YieldRequestedError);
    const checkpoint = (first as YieldRequestedError).checkpoint;
    expect(checkpoint.mapped.slice(0, 3).every((m) => typeof m === 'string')).toBe(true);
    expect(checkpoint.mapped.slice(3).every((m) => m === null)).toBe(true);
    expect(saved.at(-1)).toEqual(checkpoint);
    expect(partIndices()).toEqual([1, 2, 3]);

    ollama.reset();
    const resumed = await summarizeText({ text: long, chain, numCtx, maxTokens, checkpoint });
    expect(partIndices()).toEqual(
      Array.from({ length: uninterrupted.chunks - 3 }, (_, i) => i + 4),
    );
    expect(resumed.summary).toBe(uninterrupted.summary);
    expect(resumed.usage).toEqual(uninterrupted.usage);
    expect(resumed.calls).toBe(uninterrupted.calls - 3);
  });

  it('always makes progress: shouldYield is not asked before the first call of a run', async () => {
    let checkpoint: SummaryCheckpoint | undefined;
    for (let run = 1; run <= 2; run++) {
      const err = await summarizeText({
        text: long,
        chain,
        numCtx,
        maxTokens,
        ...(checkpoint ? { checkpoint } : {}),
        shouldYield: () => true,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(YieldRequestedError);
      checkpoint = (err as YieldRequestedError).checkpoint;
      expect(checkpoint.mapped.filter((m) => m !== null)).toHaveLength(run);
    }
    expect(partIndices()).toEqual([1, 2]);
  });

  it('with yieldBeforeFirstCall, steps aside before touching the model at all', async () => {
    for (const text of [long, 'One short paragraph that fits in a single call.']) {
      const err = await summarizeText({
        text,
        chain,
        numCtx,
        maxTokens,
        shouldYield: () => true,
        yieldBeforeFirstCall: true,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(YieldRequestedError);
    }
    expect(ollama.requests.filter((r) => r.path === '/api/chat')).toHaveLength(0);
  });

  it('marks the result degraded when a fallback answered a map call', async () => {
    ollama.failNext({ kind: 'oom', model: main });
    const result = await summarizeText({ text: long, chain, numCtx, maxTokens });
    expect(result.degraded).toBe(true);
    expect(result.model).toBe(main);
    expect(chats()[1]?.model).toBe(fallback);
  });

  it('sends the whole text in one call to an extractive-only chain', async () => {
    const extractive = createModelChain({
      targets: [{ provider: createExtractiveProvider(), model: 'extractive' }],
    });
    const result = await summarizeText({
      text: long,
      chain: extractive,
      numCtx,
      maxTokens,
      summary: { maxWords: 60 },
    });
    expect(result).toMatchObject({ model: 'extractive', chunks: 1, calls: 1, degraded: false });
    expect(words(result.summary).length).toBeLessThanOrEqual(60);
    expect(words(result.summary).length).toBeGreaterThan(30);
  });

  it('rejects a context too small for prompt and output', async () => {
    await expect(summarizeText({ text: long, chain, numCtx: 256, maxTokens: 128 })).rejects.toThrow(
      RangeError,
    );
  });
});
