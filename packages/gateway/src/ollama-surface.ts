import type { ChatResponse, EmbedResponse, GenerateResponse } from 'ollama';
import type OpenAI from 'openai';
import type { GatewayCall, TokenUsage } from './gateway.ts';
import {
  fromOpenAiCompletion,
  fromOpenAiEmbeddings,
  fromOpenAiStream,
  type OllamaShape,
  toOpenAiMessages,
  toOpenAiParams,
} from './ollama-openai-translation.ts';
import { checkOllamaImages, ollamaUpstreamBody } from './ollama-request.ts';
import { ollamaOutputAsk } from './request-limits.ts';
import type { UpstreamClients } from './upstream-clients.ts';
import type { Upstream } from './upstreams.ts';

type Json = Record<string, unknown>;

/** An Ollama `/api/chat` or `/api/generate` body as the gateway reads it; the rest passes through. */
export interface OllamaBody extends Json {
  model: string;
  stream?: boolean;
}

type Piece = ChatResponse | GenerateResponse;
type Context = { tenant: string; signal: AbortSignal };

const usageOf = (piece: Piece | EmbedResponse): TokenUsage | undefined =>
  'done' in piece && piece.done
    ? { promptTokens: piece.prompt_eval_count ?? 0, completionTokens: piece.eval_count ?? 0 }
    : undefined;

function messagesOf(shape: OllamaShape, body: Json): Json[] {
  if (shape === 'chat') return Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  const images = Array.isArray(body.images) ? { images: body.images } : {};
  return [
    ...(typeof body.system === 'string' && body.system !== ''
      ? [{ role: 'system', content: body.system }]
      : []),
    { role: 'user', content: String(body.prompt ?? ''), ...images },
  ];
}

/** A call on an OpenAI-compatible upstream, answered in Ollama's shape. */
async function* translated(
  clients: UpstreamClients,
  upstream: Upstream,
  shape: OllamaShape,
  body: OllamaBody,
  model: string,
  signal: AbortSignal,
): AsyncGenerator<Piece> {
  const startedAt = performance.now();
  const params = {
    model,
    messages: toOpenAiMessages(messagesOf(shape, body)),
    ...toOpenAiParams(body),
  };
  const client = clients.openAi(upstream);
  if (body.stream === false) {
    const completion = await client.chat.completions.create({ ...params, stream: false } as never, {
      signal,
    });
    yield fromOpenAiCompletion(
      shape,
      completion as OpenAI.Chat.Completions.ChatCompletion,
      startedAt,
    );
    return;
  }
  const stream = await client.chat.completions.create(
    { ...params, stream: true, stream_options: { include_usage: true } } as never,
    { signal },
  );
  yield* fromOpenAiStream(
    shape,
    stream as unknown as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
    startedAt,
  );
}

/**
 * `POST /ollama/api/chat` or `/api/generate` as a gateway call: passed through to an Ollama
 * upstream as written (only the model chosen by the gateway), translated for an
 * OpenAI-compatible one. Ollama streams unless the body says `stream: false`.
 */
export function ollamaGenerationCall(
  clients: UpstreamClients,
  shape: OllamaShape,
  body: OllamaBody,
  context: Context,
): GatewayCall<Piece> {
  checkOllamaImages(shape, body);
  return {
    operation: `ollama.${shape}`,
    tenant: context.tenant,
    model: body.model,
    promptText: messagesOf(shape, body)
      .map((m) => (typeof m.content === 'string' ? m.content : ''))
      .join('\n'),
    outputAsk: ollamaOutputAsk(body),
    signal: context.signal,
    async *start(upstream, model, signal) {
      if (upstream.kind === 'openai') {
        yield* translated(clients, upstream, shape, body, model, signal);
        return;
      }
      const client = clients.ollama(upstream, signal);
      const request = ollamaUpstreamBody(shape, body, model, upstream) as never;
      if (body.stream === false) {
        yield (shape === 'chat'
          ? await client.chat({ ...(request as object), stream: false } as never)
          : await client.generate({
              ...(request as object),
              stream: false,
            } as never)) as unknown as Piece;
        return;
      }
      const stream =
        shape === 'chat'
          ? await client.chat({ ...(request as object), stream: true } as never)
          : await client.generate({ ...(request as object), stream: true } as never);
      yield* stream as unknown as AsyncIterable<Piece>;
    },
    usage: usageOf,
  };
}

/** `POST /ollama/api/embed` as a gateway call. */
export function ollamaEmbedCall(
  clients: UpstreamClients,
  body: OllamaBody,
  context: Context,
): GatewayCall<EmbedResponse> {
  const inputs: unknown[] = Array.isArray(body.input) ? body.input : [body.input];
  const longest = inputs.reduce<string>(
    (a, i) => (typeof i === 'string' && i.length > a.length ? i : a),
    '',
  );
  return {
    operation: 'ollama.embed',
    tenant: context.tenant,
    model: body.model,
    promptText: longest,
    signal: context.signal,
    async *start(upstream, model, signal) {
      const startedAt = performance.now();
      if (upstream.kind === 'openai') {
        const answer = await clients
          .openAi(upstream)
          .embeddings.create({ model, input: body.input, encoding_format: 'float' } as never, {
            signal,
          });
        yield fromOpenAiEmbeddings(answer, startedAt);
        return;
      }
      yield await clients
        .ollama(upstream, signal)
        .embed(ollamaUpstreamBody('embed', body, model, upstream) as never);
    },
    usage: (piece) => ({ promptTokens: piece.prompt_eval_count ?? 0, completionTokens: 0 }),
  };
}
