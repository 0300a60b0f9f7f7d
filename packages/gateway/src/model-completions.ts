import {
  type CompletionRequest,
  type CompletionResult,
  LlmError,
  type LlmErrorKind,
  type LlmProvider,
  stripReasoning,
  toLlmError,
} from '@nightshift/llm';
import type { Gateway } from './gateway.ts';
import { GatewayError, type GatewayErrorKind } from './gateway-error.ts';
import { upstreamFailureKind } from './gateway-failures.ts';
import type { UpstreamClients } from './upstream-clients.ts';
import type { Upstream } from './upstreams.ts';

/** Options of {@link gatewayProvider}. */
export interface GatewayProviderOptions {
  /** The layer: its upstreams, per-model breakers, fallback chains and deadlines. */
  gateway: Gateway;
  /** The clients of its upstreams (the same the gateway's other calls use). */
  clients: UpstreamClients;
  /**
   * A full GPU on the asked model: `fallback` (hot summaries) moves on to the fallback models
   * as chat does; `wait` (the cold lane) fails the call `oom`/`busy`, so the document waits for
   * room on its own model. See `GatewayCall.onCapacity`.
   */
  onCapacity: 'fallback' | 'wait';
  /** Names the calls in the gateway's records (`summary.hot`, `summary.cold`). */
  operation: string;
  /** Short name for logs and spans: the upstreams' kind (`ollama`, `openai`). Default `gateway`. */
  name?: string;
  /**
   * The cold lane's capacity per server: each call first takes a place on one of its model's
   * servers (waiting while all are full) and runs there. Default: none (hot summaries).
   */
  capacity?: ColdPlaces;
  /**
   * The `priority` sent to servers with `priorityScheduling` (vLLM: lower runs first): cold
   * calls send a large one, so chat is scheduled ahead of them. Default: none sent.
   */
  priority?: number;
}

/** Places for cold calls per server (`ServerColdCapacity` in packages/lanes). */
export interface ColdPlaces {
  acquire(
    candidates: readonly Upstream[],
    signal?: AbortSignal,
  ): Promise<{ server: Upstream; release(): void }>;
}

/** Failures the gateway names, as the failure kinds a summary's chain reads. */
const kindOf: Record<GatewayErrorKind, LlmErrorKind> = {
  invalid_request: 'bad_request',
  context_length_exceeded: 'bad_request',
  model_not_found: 'missing',
  unavailable: 'unavailable',
  timeout: 'timeout',
  upstream_error: 'unavailable',
  internal: 'unknown',
};

/**
 * Summaries' model calls through the one model-access layer: an {@link LlmProvider} whose every
 * call is a gateway call, so summaries share the upstreams, the per-model breakers, the fallback
 * chains and the deadlines of chat, embeddings and batch lines. Unstreamed: an Ollama upstream
 * gets one native `/api/chat` call gathered whole (`UpstreamClients.ollamaWhole`), an
 * OpenAI-compatible one a chat completion. A fallback answering marks the result `degraded`.
 * Failures are thrown as `LlmError`s.
 *
 * @example
 * const hot = gatewayProvider({ gateway, clients, onCapacity: 'fallback', operation: 'summary.hot' });
 * const { text, model, degraded } = await hot.complete({ model: 'qwen3:32b', system, prompt, numCtx: 8192 });
 */
export function gatewayProvider(options: GatewayProviderOptions): LlmProvider {
  const { gateway, clients, onCapacity, operation, capacity, priority } = options;
  return {
    name: options.name ?? 'gateway',
    async complete(request: CompletionRequest): Promise<CompletionResult> {
      const signal = request.signal ?? new AbortController().signal;
      let place: { server: Upstream; release(): void } | undefined;
      try {
        if (capacity) {
          const serving = await gateway.pool.serving(request.model);
          if (serving.length > 0) place = await capacity.acquire(serving, signal);
        }
        const answer = await gateway.open<CompletionResult>({
          operation,
          tenant: request.account?.tenant ?? 'nightshift',
          ...(request.account ? { account: request.account } : {}),
          model: request.model,
          promptText: request.system ? `${request.system}\n${request.prompt}` : request.prompt,
          signal,
          onCapacity,
          ...(place ? { pinned: place.server } : {}),
          start: (upstream, model, callSignal) =>
            completeOn(clients, upstream, { ...request, model }, callSignal, priority),
          usage: (piece) => piece.usage,
        });
        let result: CompletionResult | undefined;
        for await (const piece of answer.pieces) result = piece;
        if (!result) throw new LlmError('unknown', `${answer.model}: no answer`);
        return answer.degraded ? { ...result, degraded: true } : result;
      } catch (err) {
        throw asLlmError(err, request.model, signal);
      } finally {
        place?.release();
      }
    },
  };
}

/** One unstreamed completion on `upstream`, as the one piece of a gateway call. */
async function* completeOn(
  clients: UpstreamClients,
  upstream: Upstream,
  request: CompletionRequest,
  signal: AbortSignal,
  priority: number | undefined,
): AsyncGenerator<CompletionResult> {
  const messages = [
    ...(request.system ? [{ role: 'system' as const, content: request.system }] : []),
    { role: 'user' as const, content: request.prompt },
  ];
  if (upstream.kind === 'ollama') {
    const options: { num_ctx?: number; num_predict?: number } = {};
    if (request.numCtx !== undefined) options.num_ctx = request.numCtx;
    if (request.maxTokens !== undefined) options.num_predict = request.maxTokens;
    const answer = await clients
      .ollamaWhole(upstream, signal)
      .chat({ model: request.model, messages, stream: false, options });
    yield {
      text: stripReasoning(answer.message?.content ?? ''),
      model: answer.model ?? request.model,
      usage: {
        promptTokens: answer.prompt_eval_count ?? 0,
        completionTokens: answer.eval_count ?? 0,
      },
    };
    return;
  }
  // OpenAI-compatible servers fix the context length at start (vLLM `--max-model-len`).
  const response = await clients.openAi(upstream).chat.completions.create(
    {
      model: request.model,
      messages,
      ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
      // vLLM's extension field; the official client passes unknown fields on.
      ...(priority !== undefined && upstream.priorityScheduling ? { priority } : {}),
    },
    { signal },
  );
  yield {
    text: stripReasoning(response.choices[0]?.message?.content ?? ''),
    model: response.model || request.model,
    usage: {
      promptTokens: response.usage?.prompt_tokens ?? 0,
      completionTokens: response.usage?.completion_tokens ?? 0,
    },
  };
}

/** What a failed gateway call means to a summary's chain. */
function asLlmError(err: unknown, model: string, signal: AbortSignal): LlmError {
  if (err instanceof LlmError) return err;
  if (signal.aborted)
    return new LlmError('aborted', `${model}: call aborted`, { cause: err, model });
  if (!(err instanceof GatewayError)) return toLlmError(err, { provider: 'gateway', model });
  // The cold lane's "GPU full": the capacity failure is the cause; its kind is what it waits on.
  const causeKind = err.cause === undefined ? undefined : upstreamFailureKind(err.cause);
  const kind =
    err.kind === 'unavailable' && (causeKind === 'oom' || causeKind === 'busy')
      ? causeKind
      : kindOf[err.kind];
  return new LlmError(kind, `${model}: ${err.message}`, { cause: err, model });
}
