/**
 * Ollama's native dialect spoken to an OpenAI-compatible upstream (vLLM, SGLang, llama.cpp):
 * requests become chat completions, and answers come back as the objects Ollama would send.
 */
import type { ChatResponse, EmbedResponse, GenerateResponse } from 'ollama';
import type OpenAI from 'openai';

type Json = Record<string, unknown>;
type OpenAiMessage = { role: string; content: unknown; [field: string]: unknown };

/** Ollama messages (`images` as base64) as OpenAI messages (images as data URLs). */
export function toOpenAiMessages(messages: readonly Json[]): OpenAiMessage[] {
  return messages.map((m) => {
    const images = Array.isArray(m.images) ? m.images.map(String) : [];
    const content =
      images.length === 0
        ? (m.content ?? '')
        : [
            { type: 'text', text: String(m.content ?? '') },
            ...images.map((data) => ({
              type: 'image_url',
              image_url: { url: `data:image/png;base64,${data}` },
            })),
          ];
    return { role: String(m.role), content, ...(m.tool_calls ? { tool_calls: m.tool_calls } : {}) };
  });
}

/** Ollama's `options` and `format` as chat completion parameters. */
export function toOpenAiParams(body: Json): Json {
  const o = (body.options ?? {}) as Json;
  const params: Json = {};
  if (typeof o.num_predict === 'number' && o.num_predict >= 0) params.max_tokens = o.num_predict;
  for (const [from, to] of [
    ['temperature', 'temperature'],
    ['top_p', 'top_p'],
    ['seed', 'seed'],
    ['stop', 'stop'],
    ['frequency_penalty', 'frequency_penalty'],
    ['presence_penalty', 'presence_penalty'],
  ] as const) {
    if (o[from] !== undefined) params[to] = o[from];
  }
  if (body.format === 'json') params.response_format = { type: 'json_object' };
  else if (body.format && typeof body.format === 'object')
    params.response_format = {
      type: 'json_schema',
      json_schema: { name: 'format', schema: body.format },
    };
  if (Array.isArray(body.tools)) params.tools = body.tools;
  return params;
}

/** Counters of Ollama's final object, from OpenAI usage and the call's duration. */
function doneFields(
  usage: OpenAI.CompletionUsage | null | undefined,
  finish: string | null,
  startedAt: number,
) {
  const ns = Math.round((performance.now() - startedAt) * 1e6);
  return {
    done: true as const,
    done_reason: finish === 'length' ? 'length' : 'stop',
    total_duration: ns,
    load_duration: 0,
    prompt_eval_count: usage?.prompt_tokens ?? 0,
    prompt_eval_duration: 0,
    eval_count: usage?.completion_tokens ?? 0,
    eval_duration: ns,
  };
}

/** The shape of one Ollama answer piece: a chat message or a generate response. */
export type OllamaShape = 'chat' | 'generate';

function piece(shape: OllamaShape, model: string, text: string, toolCalls?: unknown) {
  const base = { model, created_at: new Date().toISOString() };
  return shape === 'chat'
    ? {
        ...base,
        message: {
          role: 'assistant',
          content: text,
          ...(toolCalls ? { tool_calls: toolCalls } : {}),
        },
      }
    : { ...base, response: text };
}

/** A whole chat completion as Ollama's non-streamed answer. */
export function fromOpenAiCompletion(
  shape: OllamaShape,
  completion: OpenAI.Chat.Completions.ChatCompletion,
  startedAt: number,
): ChatResponse | GenerateResponse {
  const choice = completion.choices[0];
  const toolCalls = choice?.message.tool_calls?.map((call) =>
    'function' in call
      ? { function: { name: call.function.name, arguments: safeJson(call.function.arguments) } }
      : call,
  );
  return {
    ...piece(
      shape,
      completion.model,
      choice?.message.content ?? '',
      toolCalls?.length ? toolCalls : undefined,
    ),
    ...doneFields(completion.usage, choice?.finish_reason ?? null, startedAt),
  } as unknown as ChatResponse | GenerateResponse;
}

/** A chat completion stream as Ollama's streamed pieces, ending in its `done: true` object. */
export async function* fromOpenAiStream(
  shape: OllamaShape,
  chunks: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
  startedAt: number,
): AsyncGenerator<ChatResponse | GenerateResponse> {
  let model = '';
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of chunks) {
    model = chunk.model || model;
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    finish = choice.finish_reason ?? finish;
    const text = choice.delta.content ?? '';
    if (text !== '') yield piece(shape, model, text) as unknown as ChatResponse;
  }
  yield {
    ...piece(shape, model, ''),
    ...doneFields(usage, finish, startedAt),
  } as unknown as ChatResponse;
}

/** OpenAI embeddings as Ollama's `/api/embed` answer. */
export function fromOpenAiEmbeddings(
  answer: OpenAI.Embeddings.CreateEmbeddingResponse,
  startedAt: number,
): EmbedResponse {
  return {
    model: answer.model,
    embeddings: answer.data.map((d) => d.embedding),
    total_duration: Math.round((performance.now() - startedAt) * 1e6),
    load_duration: 0,
    prompt_eval_count: answer.usage?.prompt_tokens ?? 0,
  } as EmbedResponse;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
