/**
 * Anthropic Messages spoken to an OpenAI-compatible upstream (vLLM, SGLang, llama.cpp, an
 * Ollama server's `/v1`): a Messages body becomes a chat completion request, and the answer
 * comes back as the `Message` or the named stream events Anthropic would send.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import {
  type AnthropicContentBlock,
  type AnthropicMessagesBody,
  type AnthropicStreamEvent,
  anthropicUsage,
} from './anthropic-types.ts';

type Json = Record<string, unknown>;
type ChatMessage = Json & { role: string };
type Completion = OpenAI.Chat.Completions.ChatCompletion;
type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;
type StopReason = Anthropic.Messages.StopReason;

/** The text of `system` (a string or text blocks). */
export function systemText(system: AnthropicMessagesBody['system']): string {
  if (system === undefined) return '';
  return typeof system === 'string' ? system : system.map((b) => b.text).join('\n');
}

/** The text of a `tool_result`'s content (a string, or text blocks; images are dropped). */
export function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((b) => (b && typeof b === 'object' && (b as Json).type === 'text' ? (b as Json).text : ''))
    .filter((t) => t !== '')
    .join('\n');
}

const imagePart = (block: AnthropicContentBlock & { type: 'image' }) => ({
  type: 'image_url',
  image_url: { url: `data:${block.source.media_type};base64,${block.source.data}` },
});

/**
 * One Anthropic turn as chat messages. A user turn's `tool_result` blocks become `tool`
 * messages (they answer the assistant's calls just before, so they come first); an assistant
 * turn's `tool_use` blocks become its `tool_calls`. Thinking blocks are the model's own notes
 * and are not sent back.
 */
function turnMessages(message: AnthropicMessagesBody['messages'][number]): ChatMessage[] {
  if (typeof message.content === 'string')
    return [{ role: message.role, content: message.content }];
  const blocks = message.content;
  if (message.role === 'assistant') {
    const text = blocks.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
    const calls = blocks.flatMap((b) =>
      b.type === 'tool_use'
        ? [
            {
              id: b.id,
              type: 'function',
              function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) },
            },
          ]
        : [],
    );
    return [
      {
        role: 'assistant',
        content: text === '' && calls.length > 0 ? null : text,
        ...(calls.length > 0 ? { tool_calls: calls } : {}),
      },
    ];
  }
  const out: ChatMessage[] = [];
  const parts: Json[] = [];
  for (const block of blocks) {
    if (block.type === 'tool_result') {
      const text = toolResultText(block.content);
      out.push({
        role: 'tool',
        tool_call_id: block.tool_use_id,
        content: block.is_error === true ? `Error: ${text}` : text,
      });
    } else if (block.type === 'text') parts.push({ type: 'text', text: block.text });
    else if (block.type === 'image') parts.push(imagePart(block));
  }
  if (parts.length > 0) {
    const onlyText = parts.every((p) => p.type === 'text');
    out.push({
      role: 'user',
      content: onlyText ? parts.map((p) => p.text).join('\n') : parts,
    });
  }
  return out;
}

function toolChoice(choice: AnthropicMessagesBody['tool_choice']): Json {
  if (!choice) return {};
  const parallel =
    'disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true
      ? { parallel_tool_calls: false }
      : {};
  switch (choice.type) {
    case 'auto':
      return { tool_choice: 'auto', ...parallel };
    case 'any':
      return { tool_choice: 'required', ...parallel };
    case 'none':
      return { tool_choice: 'none' };
    case 'tool':
      return { tool_choice: { type: 'function', function: { name: choice.name } }, ...parallel };
  }
}

/** A Messages body as chat completion parameters for `model` (without `stream`). */
export function toOpenAiChat(body: AnthropicMessagesBody, model: string): Json {
  const system = systemText(body.system);
  const messages: ChatMessage[] = [
    ...(system === '' ? [] : [{ role: 'system', content: system }]),
    ...body.messages.flatMap(turnMessages),
  ];
  const params: Json = { model, messages, max_tokens: body.max_tokens };
  if (body.temperature !== undefined) params.temperature = body.temperature;
  if (body.top_p !== undefined) params.top_p = body.top_p;
  // Not OpenAI's, but vLLM, SGLang and llama.cpp read it.
  if (body.top_k !== undefined) params.top_k = body.top_k;
  if (body.stop_sequences?.length) params.stop = body.stop_sequences;
  if (typeof body.metadata?.user_id === 'string') params.user = body.metadata.user_id;
  if (body.tools?.length) {
    params.tools = body.tools.map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description !== undefined ? { description: t.description } : {}),
        parameters: t.input_schema,
      },
    }));
    Object.assign(params, toolChoice(body.tool_choice));
  } else if (body.tool_choice?.type === 'none') params.tool_choice = 'none';
  return params;
}

/**
 * Why the answer stopped, in Anthropic's words. vLLM names the stop string it met in the
 * choice's `stop_reason`; without it a plain stop is the end of the turn.
 */
function stopReason(
  finish: string | null | undefined,
  matched: unknown,
): { stop_reason: StopReason; stop_sequence: string | null } {
  if (finish === 'length') return { stop_reason: 'max_tokens', stop_sequence: null };
  if (finish === 'tool_calls' || finish === 'function_call')
    return { stop_reason: 'tool_use', stop_sequence: null };
  if (finish === 'content_filter') return { stop_reason: 'refusal', stop_sequence: null };
  if (typeof matched === 'string') return { stop_reason: 'stop_sequence', stop_sequence: matched };
  return { stop_reason: 'end_turn', stop_sequence: null };
}

/** A tool call's arguments as the `input` object of a `tool_use` block. */
function inputOf(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return { arguments: text };
  }
}

/** A fresh id for an answer, as Anthropic shapes them. */
export const messageId = () => `msg_${crypto.randomUUID().replaceAll('-', '')}`;

/** A whole chat completion as Anthropic's `Message`; `model` is the one that answered. */
export function fromOpenAiCompletion(
  completion: Completion,
  model: string,
): Anthropic.Messages.Message {
  const choice = completion.choices[0];
  const content: Json[] = [];
  const text = choice?.message.content ?? '';
  if (text !== '') content.push({ type: 'text', text, citations: null });
  for (const call of choice?.message.tool_calls ?? [])
    if ('function' in call)
      content.push({
        type: 'tool_use',
        id: call.id,
        name: call.function.name,
        input: inputOf(call.function.arguments),
      });
  return {
    id: messageId(),
    type: 'message',
    role: 'assistant',
    model,
    content,
    ...stopReason(choice?.finish_reason, (choice as Json | undefined)?.stop_reason),
    usage: anthropicUsage(
      completion.usage?.prompt_tokens ?? 0,
      completion.usage?.completion_tokens ?? 0,
    ),
  } as unknown as Anthropic.Messages.Message;
}

/** What {@link fromOpenAiStream} needs to know beside the chunks. */
export interface StreamStart {
  /** The model that answers. */
  model: string;
  /** The prompt's tokens as estimated: `message_start` says them before the upstream counts. */
  estimatedInputTokens: number;
}

/**
 * A chat completion stream as Anthropic's events: `message_start`; per content block a
 * `content_block_start`, its deltas (`text_delta`, or `input_json_delta` for a tool call's
 * arguments) and `content_block_stop`; then `message_delta` (stop reason, usage) and
 * `message_stop`. The usage chunk (`include_usage`) comes after the finish reason, so
 * `message_delta` waits for the stream's end.
 */
export async function* fromOpenAiStream(
  chunks: AsyncIterable<Chunk>,
  start: StreamStart,
): AsyncGenerator<AnthropicStreamEvent> {
  yield {
    type: 'message_start',
    message: {
      id: messageId(),
      type: 'message',
      role: 'assistant',
      model: start.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: anthropicUsage(start.estimatedInputTokens, 0),
    },
  } as unknown as AnthropicStreamEvent;
  let index = -1;
  let open: 'text' | 'tool' | null = null;
  // OpenAI numbers tool calls by their own index; each becomes one block here.
  let toolIndex: number | undefined;
  let finish: string | null = null;
  let matched: unknown;
  let usage: OpenAI.CompletionUsage | undefined;
  const stop = (): AnthropicStreamEvent => {
    open = null;
    return { type: 'content_block_stop', index };
  };
  for await (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.finish_reason) {
      finish = choice.finish_reason;
      matched = (choice as unknown as Json).stop_reason;
    }
    const text = choice.delta?.content ?? '';
    if (text !== '') {
      if (open !== 'text') {
        if (open) yield stop();
        index += 1;
        open = 'text';
        yield {
          type: 'content_block_start',
          index,
          content_block: { type: 'text', text: '', citations: null },
        } as AnthropicStreamEvent;
      }
      yield { type: 'content_block_delta', index, delta: { type: 'text_delta', text } };
    }
    for (const call of choice.delta?.tool_calls ?? []) {
      if (open !== 'tool' || call.index !== toolIndex) {
        if (open) yield stop();
        index += 1;
        open = 'tool';
        toolIndex = call.index;
        yield {
          type: 'content_block_start',
          index,
          content_block: {
            type: 'tool_use',
            id: call.id ?? `toolu_${crypto.randomUUID().replaceAll('-', '')}`,
            name: call.function?.name ?? '',
            input: {},
          },
        } as AnthropicStreamEvent;
      }
      const args = call.function?.arguments ?? '';
      if (args !== '')
        yield {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: args },
        };
    }
  }
  if (open) yield stop();
  yield {
    type: 'message_delta',
    delta: { ...stopReason(finish, matched), container: null, stop_details: null },
    usage: {
      input_tokens: usage?.prompt_tokens ?? start.estimatedInputTokens,
      output_tokens: usage?.completion_tokens ?? 0,
    },
  } as unknown as AnthropicStreamEvent;
  yield { type: 'message_stop' };
}
