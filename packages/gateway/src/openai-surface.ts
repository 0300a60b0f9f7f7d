import type OpenAI from 'openai';
import type { GatewayCall, TokenUsage } from './gateway.ts';
import { openAiOutputAsk } from './request-limits.ts';
import type { UpstreamClients } from './upstream-clients.ts';

/** An OpenAI chat completions body as the gateway reads it; other fields pass through untouched. */
export interface OpenAiChatBody {
  model: string;
  messages: { role: string; content?: unknown }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } & Record<string, unknown>;
  [field: string]: unknown;
}

/** An OpenAI embeddings body as the gateway reads it. */
export interface OpenAiEmbeddingsBody {
  model: string;
  input: string | string[] | number[] | number[][];
  [field: string]: unknown;
}

type Chat = OpenAI.Chat.Completions.ChatCompletion | OpenAI.Chat.Completions.ChatCompletionChunk;

/** The text of OpenAI message content: a string, or the text parts of an array. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (part && typeof part === 'object' && 'text' in part ? String(part.text) : ''))
    .join('\n');
}

const usageOf = (usage: OpenAI.CompletionUsage | null | undefined): TokenUsage | undefined =>
  usage
    ? { promptTokens: usage.prompt_tokens ?? 0, completionTokens: usage.completion_tokens ?? 0 }
    : undefined;

/**
 * `POST /openai/v1/chat/completions` as a gateway call: the body goes to the upstream as the
 * caller wrote it, with only the model chosen by the gateway. A stream always asks the upstream
 * for its usage chunk (the gateway counts tokens); the caller sees it only if it asked too.
 */
export function openAiChatCall(
  clients: UpstreamClients,
  body: OpenAiChatBody,
  context: { tenant: string; signal: AbortSignal },
): GatewayCall<Chat> {
  return {
    operation: 'openai.chat',
    tenant: context.tenant,
    model: body.model,
    promptText: body.messages.map((m) => contentText(m.content)).join('\n'),
    outputAsk: openAiOutputAsk(body),
    signal: context.signal,
    async *start(upstream, model, signal) {
      const client = clients.openAi(upstream);
      if (body.stream !== true) {
        yield await client.chat.completions.create({ ...body, model, stream: false } as never, {
          signal,
        });
        return;
      }
      const stream = await client.chat.completions.create(
        {
          ...body,
          model,
          stream: true,
          stream_options: { ...body.stream_options, include_usage: true },
        } as never,
        { signal },
      );
      yield* stream as unknown as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
    },
    usage: (piece) => usageOf(piece.usage),
  };
}

/**
 * Whether a streamed chunk (chat or legacy text completion) is the usage-only chunk the caller
 * did not ask for.
 */
export function isUnrequestedUsageChunk(
  body: Record<string, unknown>,
  piece: Chat | OpenAI.Completions.Completion,
): boolean {
  const options = body.stream_options as { include_usage?: unknown } | null | undefined;
  return (
    options?.include_usage !== true &&
    (piece.object === 'chat.completion.chunk' || piece.object === 'text_completion') &&
    piece.choices.length === 0 &&
    piece.usage != null
  );
}

/** `POST /openai/v1/embeddings` as a gateway call. */
export function openAiEmbeddingsCall(
  clients: UpstreamClients,
  body: OpenAiEmbeddingsBody,
  context: { tenant: string; signal: AbortSignal },
): GatewayCall<OpenAI.Embeddings.CreateEmbeddingResponse> {
  const inputs: unknown[] = Array.isArray(body.input) ? body.input : [body.input];
  // Each input must fit the window on its own: the longest one is the one to check.
  const longest = inputs.reduce<string>(
    (a, i) => (typeof i === 'string' && i.length > a.length ? i : a),
    '',
  );
  const { encoding_format: encoding, ...rest } = body;
  return {
    operation: 'openai.embeddings',
    tenant: context.tenant,
    model: body.model,
    promptText: longest,
    signal: context.signal,
    async *start(upstream, model, signal) {
      // Floats from every upstream (not all of them encode base64); encoded here when asked.
      const answer = await clients
        .openAi(upstream)
        .embeddings.create({ ...rest, model, encoding_format: 'float' } as never, { signal });
      if (encoding === 'base64')
        for (const item of answer.data) item.embedding = toBase64(item.embedding) as never;
      yield answer;
    },
    usage: (piece) => ({ promptTokens: piece.usage?.prompt_tokens ?? 0, completionTokens: 0 }),
  };
}

/** An OpenAI legacy text completions body as the gateway reads it. */
export interface OpenAiCompletionsBody {
  model: string;
  prompt: string | string[] | number[] | number[][];
  [field: string]: unknown;
}

/**
 * `POST /v1/completions` (legacy text completions) as a gateway call: whole (what the lines of
 * an OpenAI-compatible batch ask for, `packages/openai-batches`), or streamed when the body
 * says `stream: true` (`/openai/v1/completions`), always asking the upstream for its usage
 * chunk as chat streams do.
 */
export function openAiCompletionsCall(
  clients: UpstreamClients,
  body: OpenAiCompletionsBody,
  context: { tenant: string; signal: AbortSignal },
): GatewayCall<OpenAI.Completions.Completion> {
  const prompts: unknown[] = Array.isArray(body.prompt) ? body.prompt : [body.prompt];
  return {
    operation: 'openai.completions',
    tenant: context.tenant,
    model: body.model,
    promptText: prompts.map((p) => (typeof p === 'string' ? p : '')).join('\n'),
    outputAsk: openAiOutputAsk(body),
    signal: context.signal,
    async *start(upstream, model, signal) {
      const client = clients.openAi(upstream);
      if (body.stream !== true) {
        yield await client.completions.create({ ...body, model, stream: false } as never, {
          signal,
        });
        return;
      }
      const options = body.stream_options as Record<string, unknown> | null | undefined;
      const stream = await client.completions.create(
        {
          ...body,
          model,
          stream: true,
          stream_options: { ...options, include_usage: true },
        } as never,
        { signal },
      );
      yield* stream as unknown as AsyncIterable<OpenAI.Completions.Completion>;
    },
    usage: (piece) => usageOf(piece.usage),
  };
}

/** An embedding as OpenAI's `encoding_format: "base64"` sends it: little-endian float32s. */
function toBase64(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}
