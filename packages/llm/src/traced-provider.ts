import { inSpan, traceRecording } from '@nightshift/telemetry';
import { SpanKind } from '@opentelemetry/api';
import { LlmError } from './errors.ts';
import type { CompletionRequest, LlmProvider } from './types.ts';

// The GenAI semantic conventions' names (incubating there, so spelled out here rather than
// imported from the unstable entry point).
const genAi = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  maxTokens: 'gen_ai.request.max_tokens',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
} as const;

/**
 * The provider with one client span per model call, `chat <model>`, carrying the GenAI
 * attributes (provider, requested and answering model, token usage) and, on failure, the
 * `LlmError` kind as `error.type`. Calls outside a recorded trace make no span.
 *
 * @example
 * const ollama = tracedProvider(gatewayProvider({ gateway, clients, operation: "summary.hot" }));
 */
export function tracedProvider(provider: LlmProvider): LlmProvider {
  // Outside a recorded trace the call goes straight through: nothing is built for a span.
  const complete = (request: CompletionRequest) =>
    traceRecording() ? tracedCall(provider, request) : provider.complete(request);
  return provider.unboundedContext
    ? { name: provider.name, unboundedContext: true, complete }
    : { name: provider.name, complete };
}

function tracedCall(provider: LlmProvider, request: CompletionRequest) {
  const attributes = {
    [genAi.operation]: 'chat',
    [genAi.provider]: provider.name,
    [genAi.requestModel]: request.model,
    ...(request.maxTokens ? { [genAi.maxTokens]: request.maxTokens } : {}),
  };
  return inSpan(`chat ${request.model}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      const result = await provider.complete(request);
      span.setAttributes({
        [genAi.responseModel]: result.model,
        [genAi.inputTokens]: result.usage.promptTokens,
        [genAi.outputTokens]: result.usage.completionTokens,
      });
      return result;
    } catch (error) {
      if (error instanceof LlmError) span.setAttribute('error.type', error.kind);
      throw error;
    }
  });
}
