/**
 * A chat completion as a Responses API `response` object: the answer's text as a message item,
 * each tool call as a `function_call` item, the usage in Responses' names. Shared by whole
 * answers and the stream's snapshots (`responses-stream.ts`).
 */
import { randomBytes } from 'node:crypto';
import type OpenAI from 'openai';
import type { ResponsesBody } from './responses-request.ts';

type Json = Record<string, unknown>;
type Chat = OpenAI.Chat.Completions.ChatCompletion;

/** What every object of one response repeats: its id, time, model and the caller's settings. */
export interface ResponseContext {
  /** `resp_…`. */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** The model that answers (the one asked for, or a fallback). */
  model: string;
  body: ResponsesBody;
}

/** An id in OpenAI's style, `<prefix>_<hex>`: responses, message items, function call items. */
export const responsesId = (prefix: 'resp' | 'msg' | 'fc') =>
  `${prefix}_${randomBytes(16).toString('hex')}`;

/** A context for a response about to start. */
export function responseContext(body: ResponsesBody, model: string): ResponseContext {
  return { id: responsesId('resp'), createdAt: Math.floor(Date.now() / 1000), model, body };
}

/** Status of a finished response from the chat's finish reason. */
export function responseStatus(finish: string | null | undefined): {
  status: 'completed' | 'incomplete';
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
} {
  if (finish === 'length')
    return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter')
    return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** Chat usage in Responses' names. */
export function responseUsage(usage: OpenAI.CompletionUsage | null | undefined) {
  if (!usage) return null;
  const input = usage.prompt_tokens ?? 0;
  const output = usage.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: {
      reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
    },
    total_tokens: usage.total_tokens ?? input + output,
  };
}

/**
 * The response object around `output`, with the caller's settings echoed as OpenAI does.
 * `store` is always false: nothing is kept, whatever the body asked.
 */
export function responseShell(
  context: ResponseContext,
  fields: { status: string; output: Json[] } & Json,
): Json {
  const { body } = context;
  return {
    id: context.id,
    object: 'response',
    created_at: context.createdAt,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    metadata: body.metadata ?? {},
    model: context.model,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: body.temperature ?? null,
    text: { format: body.text?.format ?? { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? null,
    truncation: 'disabled',
    usage: null,
    user: null,
    ...fields,
  };
}

/** A message item holding `text` (undefined: no content part yet, as when it is added). */
export function messageItem(id: string, text: string | undefined, status: string): Json {
  return {
    id,
    type: 'message',
    role: 'assistant',
    status,
    content: text === undefined ? [] : [outputText(text)],
  };
}

/** An `output_text` content part. */
export const outputText = (text: string) => ({
  type: 'output_text',
  text,
  annotations: [],
  logprobs: [],
});

/** A function call item. */
export function functionCallItem(
  id: string,
  call: { callId: string; name: string; arguments: string },
  status: string,
): Json {
  return {
    id,
    type: 'function_call',
    status,
    call_id: call.callId,
    name: call.name,
    arguments: call.arguments,
  };
}

/**
 * A whole chat completion (its first choice) as a finished response.
 *
 * @example
 * const response = responseFromChat(completion, responseContext(body, answer.model));
 */
export function responseFromChat(completion: Chat, context: ResponseContext): Json {
  const choice = completion.choices[0];
  const ended = responseStatus(choice?.finish_reason);
  const itemStatus = ended.status === 'completed' ? 'completed' : 'incomplete';
  const text = choice?.message.content ?? '';
  const calls = choice?.message.tool_calls ?? [];
  const output: Json[] = [];
  if (text !== '' || calls.length === 0)
    output.push(messageItem(responsesId('msg'), text, itemStatus));
  for (const call of calls)
    if (call.type === 'function')
      output.push(
        functionCallItem(
          responsesId('fc'),
          { callId: call.id, name: call.function.name, arguments: call.function.arguments },
          'completed',
        ),
      );
  return responseShell(context, {
    ...ended,
    output,
    usage: responseUsage(completion.usage),
    ...(ended.status === 'completed' ? { completed_at: Math.floor(Date.now() / 1000) } : {}),
  });
}
