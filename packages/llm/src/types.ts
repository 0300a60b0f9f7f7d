import type { SummaryOptions } from '@nightshift/core';

/** Token counts of one or more model calls. */
export interface Usage {
  /** Tokens the model read (prompt evaluation). */
  promptTokens: number;
  /** Tokens the model wrote. */
  completionTokens: number;
}

/** One model call. */
export interface CompletionRequest {
  /** Model name as the provider knows it, e.g. `qwen3:32b`. */
  model: string;
  /** System prompt (instructions). */
  system?: string;
  /** The user message: for summaries, the text itself. */
  prompt: string;
  /** Context window to run the model with (Ollama `num_ctx`); providers without it ignore it. */
  numCtx?: number;
  /** Cap on generated tokens (Ollama `num_predict`, OpenAI `max_tokens`). */
  maxTokens?: number;
  /** Cancels the call; the provider then throws an `aborted` {@link LlmError}. */
  signal?: AbortSignal;
  /**
   * What the system prompt asks for, in structured form, for providers that cannot read
   * instructions (the extractive one). LLM providers ignore it.
   */
  summary?: SummaryOptions;
  /**
   * Whom the call's GPU time and energy are charged to (the model-access layer's accounting);
   * default: tenant `nightshift`, lane `hot`.
   */
  account?: CallAccount;
}

/** Whom a model call's GPU time and energy are charged to. */
export interface CallAccount {
  tenant: string;
  /** `cold`: a batch's document; `hot`: interactive work. */
  lane: 'hot' | 'cold';
  batchId?: string;
  documentId?: string;
}

/** What a model call returns. */
export interface CompletionResult {
  /** Generated text, trimmed (reasoning blocks removed). */
  text: string;
  /** Model that answered. */
  model: string;
  usage: Usage;
  /**
   * True when a fallback of the model asked for answered (the model-access layer tried the
   * fallback chain itself).
   */
  degraded?: boolean;
}

/**
 * Something that completes prompts: Ollama, an OpenAI-compatible server, or the built-in
 * extractive summarizer. Failures are thrown as `LlmError` with a classified `kind`.
 *
 * @example
 * const echo: LlmProvider = {
 *   name: 'echo',
 *   complete: async (req) => ({ text: req.prompt, model: req.model, usage: { promptTokens: 0, completionTokens: 0 } }),
 * };
 */
export interface LlmProvider {
  /** Short name for logs and errors: `ollama`, `openai`, `extractive`. */
  readonly name: string;
  /**
   * True when the provider has no context limit (the extractive one), so a whole document can
   * go to it in one call instead of being chunked.
   */
  readonly unboundedContext?: boolean;
  complete(request: CompletionRequest): Promise<CompletionResult>;
}

/** Adds two usages. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
  };
}

/** A usage of zero tokens. */
export const zeroUsage: Readonly<Usage> = Object.freeze({ promptTokens: 0, completionTokens: 0 });
