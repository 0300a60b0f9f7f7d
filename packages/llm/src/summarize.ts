import type { SummaryOptions } from '@nightshift/core';
import { chunkText } from './chunking.ts';
import type { ChainResult, ModelChain } from './model-chain.ts';
import { defaultMaxWords, type SummaryStage, summarySystemPrompt } from './prompts.ts';
import { estimateTokens } from './tokens.ts';
import { addUsage, type CallAccount, type Usage, zeroUsage } from './types.ts';

/**
 * Progress of a map-reduce summary that a caller persists so a preempted or crashed job can
 * resume without redoing the chunks already summarized.
 */
export interface SummaryCheckpoint {
  /** One entry per chunk: its partial summary, or null while not done. */
  mapped: (string | null)[];
  /** Tokens spent by the calls behind `mapped` (added to the final usage). */
  usage?: Usage;
  /** True when any of those calls was answered by a fallback target. */
  degraded?: boolean;
}

/** Thrown when `shouldYield` asked the job to step aside; carries the checkpoint to persist. */
export class YieldRequestedError extends Error {
  override readonly name = 'YieldRequestedError';
  /** State to pass back as `checkpoint` when the job runs again. */
  readonly checkpoint: SummaryCheckpoint;

  constructor(checkpoint: SummaryCheckpoint) {
    const done = checkpoint.mapped.filter((m) => m !== null).length;
    super(`yield requested after ${done} of ${checkpoint.mapped.length} chunks`);
    this.checkpoint = checkpoint;
  }
}

/** Input of {@link summarizeText}. */
export interface SummarizeOptions {
  /** The document. */
  text: string;
  /** Models to call, with fallbacks. */
  chain: ModelChain;
  /** Context window of each call (Ollama `num_ctx`), in tokens. */
  numCtx: number;
  /** Output cap of each call, in tokens; also reserved out of `numCtx`. */
  maxTokens: number;
  /** Length, style and language of the final summary. */
  summary?: SummaryOptions;
  /** Cancels the summary; the current call is aborted and an `aborted` LlmError thrown. */
  signal?: AbortSignal;
  /** Whom every model call of the summary is charged to (GPU time and energy). */
  account?: CallAccount;
  /** Progress of an earlier run of the same text and settings; its done chunks are not redone. Ignored when its length does not match the chunk count. */
  checkpoint?: SummaryCheckpoint;
  /** Awaited after each chunk is summarized, with the checkpoint to persist. */
  onChunkSummarized?: (
    index: number,
    summary: string,
    usageSoFar: Usage,
    checkpoint: SummaryCheckpoint,
  ) => void | Promise<void>;
  /**
   * Asked at each chunk boundary (before a map call, and before the reduce phase) except before
   * the first model call of this run, so every run makes progress. True: throws
   * {@link YieldRequestedError} with the checkpoint.
   */
  shouldYield?: () => boolean;
  /**
   * Also ask `shouldYield` before the first model call of this run (default false: every run
   * makes progress). The cold lane sets it, so a job that started just as hot work arrived
   * steps aside before touching the GPU; the lane's pause keeps it from coming straight back.
   */
  yieldBeforeFirstCall?: boolean;
  /** Tokens repeated between neighbouring chunks. Default: a tenth of the chunk budget, at most 200. */
  overlapTokens?: number;
}

/** Outcome of {@link summarizeText}. */
export interface SummarizeResult {
  summary: string;
  /** Model that wrote the final summary. */
  model: string;
  /** True when any call (this run or checkpointed ones) was answered by a fallback. */
  degraded: boolean;
  /** Tokens of every call, including checkpointed ones. */
  usage: Usage;
  /** Chunks the text was split into (1 when it fit one call). */
  chunks: number;
  /** Model calls made by this run. */
  calls: number;
}

/** Tokens of the longest system prompt these summary options can produce. */
function promptOverhead(summary: SummaryOptions): number {
  const key = `${summary.style ?? ''}|${summary.language ?? ''}`;
  let tokens = overheads.get(key);
  if (tokens === undefined) {
    tokens = longestPrompt(summary);
    if (overheads.size >= 256) overheads.clear();
    overheads.set(key, tokens);
  }
  return tokens;
}
const overheads = new Map<string, number>();

function longestPrompt(summary: SummaryOptions): number {
  return Math.max(
    ...(['whole', 'part', 'merge'] as const).map((stage) =>
      estimateTokens(
        summarySystemPrompt({
          stage,
          final: true,
          maxWords: 99999,
          summary,
          part: { index: 9999, total: 9999 },
        }),
      ),
    ),
  );
}

// Room for the chat template and role markers around the system prompt and the text.
const templateTokens = 64;

/**
 * Summarizes a document of any length with the chain's models. When the text fits the context
 * budget (`numCtx` minus prompt overhead minus `maxTokens`) it is one call. Otherwise the text
 * is chunked on paragraph and sentence boundaries, each chunk is summarized in order (map, one
 * call at a time: a job holds one GPU slot), and the partial summaries are merged (reduce),
 * recursively while they are still too long for one call. Usage is summed over every call.
 *
 * @example
 * const result = await summarizeText({ text, chain, numCtx: 8192, maxTokens: 2048, summary: { maxWords: 150 },
 *   checkpoint: saved, onChunkSummarized: (i, s, u, cp) => save(cp), shouldYield: () => hotLaneBusy() });
 */
export async function summarizeText(options: SummarizeOptions): Promise<SummarizeResult> {
  const { chain, numCtx, maxTokens } = options;
  const summary = options.summary ?? {};
  const finalWords = summary.maxWords ?? defaultMaxWords(summary.style);
  const overhead = promptOverhead(summary) + templateTokens;
  const budget = numCtx - overhead - maxTokens;
  if (budget < 64) {
    throw new RangeError(
      `summarizeText: numCtx ${numCtx} leaves ${budget} tokens for text after ${overhead} of prompt and ${maxTokens} of output`,
    );
  }

  const run = new SummaryRun(options, summary);

  if (options.text.trim() === '') {
    const { degraded, usage, calls } = run;
    return { summary: '', model: chain.targets[0]?.model ?? '', degraded, usage, chunks: 0, calls };
  }
  if (chain.unboundedContext || estimateTokens(options.text) <= budget) {
    if (run.mayYield()) throw new YieldRequestedError(options.checkpoint ?? { mapped: [] });
    return run.done(await run.call('whole', options.text, maxTokens, finalWords, true), 1);
  }

  const overlapTokens = options.overlapTokens ?? Math.min(200, Math.floor(budget / 10));
  const chunks = chunkText(options.text, { maxTokens: budget, overlapTokens });
  // Partial answers must stay well under the budget so that merging always shrinks the input.
  const partialCap = Math.max(16, Math.min(maxTokens, Math.floor(budget / 4)));
  const partialWords = Math.max(
    20,
    Math.min(
      Math.floor(partialCap * 0.6),
      Math.max(80, Math.floor((budget * 0.6) / chunks.length)),
    ),
  );
  const saved = options.checkpoint?.mapped;
  const mapped: (string | null)[] =
    saved && saved.length === chunks.length ? [...saved] : chunks.map(() => null);
  const snapshot = (): SummaryCheckpoint => ({
    mapped: [...mapped],
    usage: { ...run.usage },
    degraded: run.degraded,
  });

  for (const [index, chunk] of chunks.entries()) {
    if (mapped[index] != null) continue;
    if (run.mayYield()) throw new YieldRequestedError(snapshot());
    const result = await run.call('part', chunk, partialCap, partialWords, false, {
      index: index + 1,
      total: chunks.length,
    });
    mapped[index] = result.text;
    await options.onChunkSummarized?.(index, result.text, { ...run.usage }, snapshot());
  }
  if (run.mayYield()) throw new YieldRequestedError(snapshot());

  let partials = mapped.filter((m): m is string => m !== null && m.trim() !== '');
  for (let depth = 0; ; depth++) {
    // Merges are model calls too: a yield here keeps every chunk summary and redoes only merges.
    if (depth > 0 && run.mayYield()) throw new YieldRequestedError(snapshot());
    const joined = partials.join('\n\n');
    if (estimateTokens(joined) <= budget) {
      return run.done(await run.call('merge', joined, maxTokens, finalWords, true), chunks.length);
    }
    const groups = chunkText(joined, { maxTokens: budget });
    if (depth >= 8 || groups.length >= partials.length) {
      throw new Error(
        `summarizeText: partial summaries stopped shrinking (${partials.length} left)`,
      );
    }
    const merged: string[] = [];
    for (const group of groups) {
      if (merged.length > 0 && run.mayYield()) throw new YieldRequestedError(snapshot());
      merged.push((await run.call('merge', group, partialCap, partialWords, false)).text);
    }
    partials = merged.filter((m) => m.trim() !== '');
  }
}

/**
 * One summary's model calls and what they add up to: usage, whether a fallback answered, how
 * many calls. Methods rather than closures made per summary: one summary runs per document,
 * thousands a second on a busy worker.
 */
class SummaryRun {
  usage: Usage;
  degraded: boolean;
  calls = 0;
  readonly #options: SummarizeOptions;
  readonly #summary: SummaryOptions;

  constructor(options: SummarizeOptions, summary: SummaryOptions) {
    this.#options = options;
    this.#summary = summary;
    this.usage = { ...(options.checkpoint?.usage ?? zeroUsage) };
    this.degraded = options.checkpoint?.degraded ?? false;
  }

  async call(
    stage: SummaryStage,
    text: string,
    cap: number,
    words: number,
    final: boolean,
    part?: { index: number; total: number },
  ): Promise<ChainResult> {
    const { chain, numCtx, signal, account } = this.#options;
    const summary = this.#summary;
    const result = await chain.complete({
      system: summarySystemPrompt({
        stage,
        final,
        maxWords: words,
        summary,
        ...(part ? { part } : {}),
      }),
      prompt: text,
      numCtx,
      maxTokens: cap,
      ...(signal ? { signal } : {}),
      ...(account ? { account } : {}),
      summary: final ? { ...summary, maxWords: words } : { maxWords: words },
    });
    this.calls++;
    this.usage = addUsage(this.usage, result.usage);
    this.degraded ||= result.degraded;
    return result;
  }

  done(result: ChainResult, chunks: number): SummarizeResult {
    const { degraded, usage, calls } = this;
    return { summary: result.text, model: result.model, degraded, usage, chunks, calls };
  }

  /** Whether to step aside now: never before this run's first call unless asked to. */
  mayYield(): boolean {
    const { yieldBeforeFirstCall, shouldYield } = this.#options;
    return (this.calls > 0 || yieldBeforeFirstCall === true) && shouldYield?.() === true;
  }
}
