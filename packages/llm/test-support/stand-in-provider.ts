import { toLlmError } from '../src/errors.ts';
import { stripReasoning } from '../src/reasoning.ts';
import type { CompletionRequest, CompletionResult, LlmProvider } from '../src/types.ts';

/**
 * Test-only: an `LlmProvider` that asks an Ollama server (the stand-in) for one unstreamed chat
 * answer over plain HTTP, failures classified as the model layer classifies them. Production
 * summaries go through the gateway (`gatewayProvider` in packages/gateway), which this package
 * cannot import.
 *
 * @example
 * const provider = standInProvider(ollama.url);
 */
export function standInProvider(host: string): LlmProvider {
  return {
    name: 'ollama',
    async complete(request: CompletionRequest): Promise<CompletionResult> {
      try {
        const response = await fetch(`${host}/api/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          ...(request.signal ? { signal: request.signal } : {}),
          body: JSON.stringify({
            model: request.model,
            stream: false,
            messages: [
              ...(request.system ? [{ role: 'system', content: request.system }] : []),
              { role: 'user', content: request.prompt },
            ],
            options: {
              ...(request.numCtx !== undefined ? { num_ctx: request.numCtx } : {}),
              ...(request.maxTokens !== undefined ? { num_predict: request.maxTokens } : {}),
            },
          }),
        });
        const body = (await response.json()) as {
          error?: string;
          model?: string;
          message?: { content?: string };
          prompt_eval_count?: number;
          eval_count?: number;
        };
        if (!response.ok) {
          throw Object.assign(new Error(body.error ?? `HTTP ${response.status}`), {
            status_code: response.status,
          });
        }
        return {
          text: stripReasoning(body.message?.content ?? ''),
          model: body.model ?? request.model,
          usage: {
            promptTokens: body.prompt_eval_count ?? 0,
            completionTokens: body.eval_count ?? 0,
          },
        };
      } catch (err) {
        throw toLlmError(err, { provider: 'ollama', model: request.model });
      }
    },
  };
}
