/**
 * `POST /anthropic/v1/messages` as a gateway call: passed through to an upstream that speaks
 * Anthropic Messages natively (`dialects: ["anthropic"]`), translated to chat completions for
 * the others (an OpenAI-compatible server, or an Ollama server through its `/v1` layer).
 */
import type Anthropic from '@anthropic-ai/sdk';
import { estimateTokens } from '@nightshift/llm';
import type OpenAI from 'openai';
import {
  fromOpenAiCompletion,
  fromOpenAiStream,
  systemText,
  toOpenAiChat,
  toolResultText,
} from './anthropic-openai-translation.ts';
import type { AnthropicMessagesBody, AnthropicPiece } from './anthropic-types.ts';
import type { GatewayCall, TokenUsage } from './gateway.ts';
import type { UpstreamClients } from './upstream-clients.ts';
import type { Upstream } from './upstreams.ts';

type Context = { tenant: string; signal: AbortSignal };

/** Whether `upstream` serves Anthropic Messages itself (`dialects: ["anthropic"]`). */
export const speaksAnthropic = (upstream: Upstream) =>
  upstream.dialects?.includes('anthropic') === true;

/**
 * The text of everything a Messages body puts before the model: system, every turn's text,
 * tool calls and results, and the tool definitions. What the context check and the token
 * estimate of `count_tokens` read.
 */
export function anthropicPromptText(
  body: Pick<AnthropicMessagesBody, 'system' | 'messages' | 'tools'>,
): string {
  const parts = [systemText(body.system)];
  for (const message of body.messages) {
    if (typeof message.content === 'string') {
      parts.push(message.content);
      continue;
    }
    for (const block of message.content) {
      if (block.type === 'text') parts.push(block.text);
      else if (block.type === 'tool_use') parts.push(JSON.stringify(block.input ?? {}));
      else if (block.type === 'tool_result') parts.push(toolResultText(block.content));
    }
  }
  if (body.tools?.length) parts.push(JSON.stringify(body.tools));
  return parts.filter((p) => p !== '').join('\n');
}

/** The input tokens of a Messages body, as the gateway estimates them (no upstream asked). */
export function estimateAnthropicTokens(
  body: Pick<AnthropicMessagesBody, 'system' | 'messages' | 'tools'>,
): number {
  return estimateTokens(anthropicPromptText(body));
}

/** The usage an answer piece carries: the whole `Message`'s, `message_start`'s, `message_delta`'s. */
function usageReader(): (piece: AnthropicPiece) => TokenUsage | undefined {
  let input = 0;
  return (piece) => {
    if (piece.type === 'message') {
      input = piece.usage.input_tokens;
      return { promptTokens: input, completionTokens: piece.usage.output_tokens };
    }
    if (piece.type === 'message_start') {
      input = piece.message.usage.input_tokens;
      return { promptTokens: input, completionTokens: piece.message.usage.output_tokens };
    }
    if (piece.type === 'message_delta') {
      input = piece.usage.input_tokens ?? input;
      return { promptTokens: input, completionTokens: piece.usage.output_tokens };
    }
    return undefined;
  };
}

/** The call on an upstream that speaks Anthropic: the body as written, with the gateway's model. */
async function* native(
  clients: UpstreamClients,
  upstream: Upstream,
  body: AnthropicMessagesBody,
  model: string,
  signal: AbortSignal,
): AsyncGenerator<AnthropicPiece> {
  const messages = clients.anthropic(upstream).messages;
  if (body.stream !== true) {
    yield await messages.create({ ...body, model, stream: false } as never, { signal });
    return;
  }
  const events = await messages.create({ ...body, model, stream: true } as never, { signal });
  yield* events as unknown as AsyncIterable<Anthropic.Messages.RawMessageStreamEvent>;
}

/** The call translated into a chat completion (with its usage chunk when streamed). */
async function* translated(
  clients: UpstreamClients,
  upstream: Upstream,
  body: AnthropicMessagesBody,
  model: string,
  signal: AbortSignal,
): AsyncGenerator<AnthropicPiece> {
  const completions = clients.openAi(upstream).chat.completions;
  const params = toOpenAiChat(body, model);
  if (body.stream !== true) {
    const completion = await completions.create({ ...params, stream: false } as never, { signal });
    yield fromOpenAiCompletion(completion as OpenAI.Chat.Completions.ChatCompletion, model);
    return;
  }
  // Awaited before `message_start`: the upstream has taken the call, so a failure before it
  // still moves on to the next upstream or fallback.
  const chunks = await completions.create(
    { ...params, stream: true, stream_options: { include_usage: true } } as never,
    { signal },
  );
  yield* fromOpenAiStream(
    chunks as unknown as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
    { model, estimatedInputTokens: estimateAnthropicTokens(body) },
  );
}

/**
 * `POST /anthropic/v1/messages` as a gateway call. Unstreamed (`stream` not `true`), its one
 * piece is the whole Anthropic `Message`; streamed, each piece is one event, whose `type` is
 * its SSE event name. `body` must have passed `anthropicMessagesBodySchema`
 * (packages/core): base64 images only, the block types translation knows.
 *
 * @example
 * const answer = await gateway.open(anthropicMessagesCall(clients, body, { tenant, signal }));
 * for await (const piece of answer.pieces) message = piece; // stream: false
 */
export function anthropicMessagesCall(
  clients: UpstreamClients,
  body: AnthropicMessagesBody,
  context: Context,
): GatewayCall<AnthropicPiece> {
  return {
    operation: 'anthropic.messages',
    tenant: context.tenant,
    model: body.model,
    promptText: anthropicPromptText(body),
    outputAsk: { tokens: body.max_tokens, param: 'max_tokens' },
    signal: context.signal,
    start(upstream, model, signal) {
      return speaksAnthropic(upstream)
        ? native(clients, upstream, body, model, signal)
        : translated(clients, upstream, body, model, signal);
    },
    usage: usageReader(),
  };
}
