import OpenAI from 'openai';
import { startCallDeadline, stripReasoning } from './call-deadline.ts';
import type { CompletionRequest, CompletionResult, LlmProvider } from './types.ts';

/** Options of {@link createOpenAiProvider}. */
export interface OpenAiProviderOptions {
  /** Base URL of the OpenAI-compatible API, including `/v1` (vLLM: `http://host:8000/v1`). */
  baseUrl: string;
  /** API key; local servers usually accept anything. Default `nightshift`. */
  apiKey?: string;
  /** Per-call limit in ms. Default 120 000. */
  timeoutMs?: number;
  /** Retries inside the client. Default 0: the model chain decides what happens after a failure. */
  maxRetries?: number;
}

/**
 * A provider for any OpenAI-compatible chat completions server (vLLM, Ollama's /v1, LiteLLM),
 * built on the official `openai` client. `numCtx` is ignored: those servers fix the context
 * length at start (vLLM `--max-model-len`).
 *
 * @example
 * const provider = createOpenAiProvider({ baseUrl: 'http://127.0.0.1:8000/v1', timeoutMs: 120_000 });
 * const { text } = await provider.complete({ model: 'Qwen/Qwen2.5-7B-Instruct', prompt, maxTokens: 512 });
 */
export function createOpenAiProvider(options: OpenAiProviderOptions): LlmProvider {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const client = new OpenAI({
    baseURL: options.baseUrl,
    apiKey: options.apiKey ?? 'nightshift',
    maxRetries: options.maxRetries ?? 0,
    // Our deadline fires first; this only backs it up.
    timeout: timeoutMs + 1000,
  });
  return {
    name: 'openai',
    async complete(request: CompletionRequest): Promise<CompletionResult> {
      const deadline = startCallDeadline(request.signal, timeoutMs);
      try {
        const response = await client.chat.completions.create(
          {
            model: request.model,
            messages: [
              ...(request.system ? [{ role: 'system' as const, content: request.system }] : []),
              { role: 'user' as const, content: request.prompt },
            ],
            ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
          },
          { signal: deadline.signal },
        );
        return {
          text: stripReasoning(response.choices[0]?.message?.content ?? ''),
          model: response.model || request.model,
          usage: {
            promptTokens: response.usage?.prompt_tokens ?? 0,
            completionTokens: response.usage?.completion_tokens ?? 0,
          },
        };
      } catch (err) {
        throw deadline.fail(err, { provider: 'openai', model: request.model });
      } finally {
        deadline.dispose();
      }
    },
  };
}
