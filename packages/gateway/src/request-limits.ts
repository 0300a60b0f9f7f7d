/**
 * How much one request may ask a model server to produce. Each bound is checked at the boundary
 * (the surfaces' zod schemas, the batch input check), so an oversized ask never reaches a GPU,
 * a queue or Redis; the output-token bound needs the model's context and is checked by the
 * gateway ({@link outputTokensProblem}).
 */
import { estimateTokens } from '@nightshift/llm';
import { GatewayError } from './gateway-error.ts';
import type { Upstream } from './upstreams.ts';

/** Inputs of one embeddings request: OpenAI's own cap (`/v1/embeddings`, Ollama `/api/embed`). */
export const maxEmbeddingInputs = 2048;

/**
 * Choices (`n`) of one chat or text completion. OpenAI takes up to 128; each choice is a whole
 * generation on a shared, self-hosted GPU, so eight is where a caller asking for more is asking
 * for a batch, not a sample.
 */
export const maxChoices = 8;

/** Embedding inputs of one OpenAI batch, all lines together: OpenAI's cap on embeddings batches. */
export const maxBatchEmbeddingInputs = 50_000;

/**
 * How many inputs an embeddings `input` holds: a string or one token array is one input; an
 * array of strings or of token arrays is one per element.
 */
export function embeddingInputCount(input: unknown): number {
  if (!Array.isArray(input)) return 1;
  if (input.length > 0 && input.every((item) => typeof item === 'number')) return 1;
  return input.length;
}

/**
 * Prompts of one legacy text completion (`prompt`), counted as embedding inputs are: a string
 * or one token array is one prompt. Each prompt is `n` (or `best_of`) generations, so the
 * choices bound applies to prompts × choices.
 */
export function promptCount(prompt: unknown): number {
  return embeddingInputCount(prompt);
}

/** The output a call asks for at most, and the field of the caller's body that asks it. */
export interface OutputAsk {
  tokens: number;
  /** `max_tokens`, `max_completion_tokens`, `options.num_predict`. */
  param: string;
}

/**
 * Why a call's output ask cannot fit the context window `limit`: more output tokens than the
 * window holds, or the prompt (estimated) and the output together past it. Null when it fits.
 * The server would cut the answer at the window, or (Ollama, shifting its context) keep
 * generating past it; vLLM refuses the same ask with its own 400.
 */
export function outputTokensProblem(
  ask: OutputAsk | undefined,
  promptTokens: number,
  limit: number,
): GatewayError | null {
  if (!ask || ask.tokens <= 0) return null;
  if (ask.tokens > limit)
    return new GatewayError(
      'context_length_exceeded',
      `This model's maximum context length is ${limit} tokens; ${ask.param} asks for ${ask.tokens}. Ask for at most ${limit}.`,
      { param: ask.param },
    );
  if (promptTokens + ask.tokens > limit)
    return new GatewayError(
      'context_length_exceeded',
      `This model's maximum context length is ${limit} tokens; the prompt (about ${promptTokens}) and ${ask.param} (${ask.tokens}) together ask for ${promptTokens + ask.tokens}. Shorten the messages or lower ${ask.param}.`,
      { param: ask.param },
    );
  return null;
}

/** The output ask of an OpenAI chat or text completion body (`max_completion_tokens` first). */
export function openAiOutputAsk(body: Record<string, unknown>): OutputAsk | undefined {
  for (const param of ['max_completion_tokens', 'max_tokens'])
    if (typeof body[param] === 'number') return { tokens: body[param] as number, param };
  return undefined;
}

/** The output ask of an Ollama body (`options.num_predict`; negative means "no cap": none). */
export function ollamaOutputAsk(body: Record<string, unknown>): OutputAsk | undefined {
  const options = body.options;
  if (typeof options !== 'object' || options === null) return undefined;
  const tokens = (options as Record<string, unknown>).num_predict;
  return typeof tokens === 'number' && tokens > 0
    ? { tokens, param: 'options.num_predict' }
    : undefined;
}

/**
 * Refuses a prompt (or an output ask) past the context window of every upstream serving the
 * model, before it is sent: Ollama would cut it silently. Unknown windows check nothing.
 */
export function checkContext(
  call: { promptText: string; outputAsk?: OutputAsk | undefined },
  servers: readonly Upstream[],
): void {
  const limits = servers.flatMap((u) => (u.contextTokens === undefined ? [] : [u.contextTokens]));
  if (limits.length < servers.length || limits.length === 0) return;
  const limit = Math.max(...limits);
  const estimate = estimateTokens(call.promptText);
  if (estimate > limit)
    throw new GatewayError(
      'context_length_exceeded',
      `This model's maximum context length is ${limit} tokens; the prompt is about ${estimate} tokens. Shorten the messages.`,
      { param: 'messages' },
    );
  const tooMuchOutput = outputTokensProblem(call.outputAsk, estimate, limit);
  if (tooMuchOutput) throw tooMuchOutput;
}
