/**
 * A streamed chat completion as the Responses API's stream: `response.created` and
 * `response.in_progress`, then per output item `response.output_item.added`, its content
 * (`response.content_part.added`, `response.output_text.delta`…, or
 * `response.function_call_arguments.delta`…) and its ends, and last `response.completed` (or
 * `response.incomplete`) with the usage, or `response.failed`. Every event carries its
 * `sequence_number`. Events leave as the chunks arrive: nothing is held back but the text
 * already sent, which the `.done` events and the final snapshot repeat.
 */
import type OpenAI from 'openai';
import type { GatewayError } from './gateway-error.ts';
import { publicGatewayError } from './public-errors.ts';
import {
  functionCallItem,
  messageItem,
  outputText,
  type ResponseContext,
  responseShell,
  responseStatus,
  responsesId,
  responseUsage,
} from './responses-output.ts';

type Json = Record<string, unknown>;
type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

/** One Responses stream event: its `type` and fields (`sequence_number` included). */
export type ResponsesEvent = Json & { type: string; sequence_number: number };

interface OpenMessage {
  kind: 'message';
  index: number;
  id: string;
  text: string;
}
interface OpenCall {
  kind: 'call';
  index: number;
  id: string;
  /** The chat stream's index of this tool call. */
  chatIndex: number;
  callId: string;
  name: string;
  arguments: string;
}

/**
 * Turns one chat stream into Responses events. Feed it with {@link chunk}; end it with
 * {@link finish} or {@link fail}.
 */
export class ResponsesStreamTranslator {
  readonly #context: ResponseContext;
  #sequence = 0;
  #started = false;
  #open: OpenMessage | OpenCall | undefined;
  readonly #done: Json[] = [];
  #finish: string | null = null;
  #usage: OpenAI.CompletionUsage | undefined;

  constructor(context: ResponseContext) {
    this.#context = context;
  }

  /** The events one chunk makes (the first chunk also starts the response). */
  chunk(chunk: Chunk): ResponsesEvent[] {
    const events = this.#start();
    if (chunk.usage) this.#usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return events;
    const text = choice.delta?.content;
    if (typeof text === 'string' && text !== '') events.push(...this.#text(text));
    for (const call of choice.delta?.tool_calls ?? []) events.push(...this.#call(call));
    if (choice.finish_reason) this.#finish = choice.finish_reason;
    return events;
  }

  /** The events that end a stream the upstream finished: open items closed, then the end. */
  finish(): ResponsesEvent[] {
    const events = this.#start();
    // An answer with no output at all is an empty message, as a whole answer would be.
    if (this.#done.length === 0 && !this.#open) events.push(...this.#text(''));
    const ended = responseStatus(this.#finish);
    events.push(...this.#close(ended.status === 'completed' ? 'completed' : 'incomplete'));
    const response = this.#snapshot({
      ...ended,
      usage: responseUsage(this.#usage),
      ...(ended.status === 'completed' ? { completed_at: Math.floor(Date.now() / 1000) } : {}),
    });
    events.push(this.#event(`response.${ended.status}`, { response }));
    return events;
  }

  /** The event that ends a stream that broke: `response.failed`, naming no address. */
  fail(failure: unknown): ResponsesEvent[] {
    const events = this.#start();
    const error: GatewayError = publicGatewayError(failure);
    const output = [...this.#done];
    const open = this.#open;
    if (open) output.push(this.#item(open, 'incomplete'));
    const response = this.#snapshot({
      status: 'failed',
      output,
      error: { code: error.status >= 500 ? 'server_error' : error.kind, message: error.message },
    });
    events.push(this.#event('response.failed', { response }));
    return events;
  }

  #start(): ResponsesEvent[] {
    if (this.#started) return [];
    this.#started = true;
    const response = this.#snapshot({ status: 'in_progress', output: [] });
    return [
      this.#event('response.created', { response }),
      this.#event('response.in_progress', { response }),
    ];
  }

  #text(delta: string): ResponsesEvent[] {
    const events: ResponsesEvent[] = [];
    let open = this.#open;
    if (open?.kind !== 'message') {
      events.push(...this.#close('completed'));
      open = { kind: 'message', index: this.#done.length, id: responsesId('msg'), text: '' };
      this.#open = open;
      const at = { output_index: open.index };
      events.push(
        this.#event('response.output_item.added', {
          ...at,
          item: messageItem(open.id, undefined, 'in_progress'),
        }),
        this.#event('response.content_part.added', {
          ...at,
          item_id: open.id,
          content_index: 0,
          part: outputText(''),
        }),
      );
    }
    if (delta === '') return events;
    open.text += delta;
    events.push(
      this.#event('response.output_text.delta', {
        item_id: open.id,
        output_index: open.index,
        content_index: 0,
        delta,
        logprobs: [],
      }),
    );
    return events;
  }

  #call(
    delta: OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta.ToolCall,
  ): ResponsesEvent[] {
    const events: ResponsesEvent[] = [];
    let open = this.#open;
    if (open?.kind !== 'call' || open.chatIndex !== delta.index) {
      events.push(...this.#close('completed'));
      open = {
        kind: 'call',
        index: this.#done.length,
        id: responsesId('fc'),
        chatIndex: delta.index,
        callId: delta.id ?? `call_${responsesId('fc').slice(3)}`,
        name: delta.function?.name ?? '',
        arguments: '',
      };
      this.#open = open;
      events.push(
        this.#event('response.output_item.added', {
          output_index: open.index,
          item: this.#item(open, 'in_progress'),
        }),
      );
    } else if (delta.function?.name) {
      open.name += delta.function.name;
    }
    const args = delta.function?.arguments;
    if (typeof args === 'string' && args !== '') {
      open.arguments += args;
      events.push(
        this.#event('response.function_call_arguments.delta', {
          item_id: open.id,
          output_index: open.index,
          delta: args,
        }),
      );
    }
    return events;
  }

  /** The events that close the open item, if any. */
  #close(status: 'completed' | 'incomplete'): ResponsesEvent[] {
    const open = this.#open;
    if (!open) return [];
    this.#open = undefined;
    const item = this.#item(open, open.kind === 'call' ? 'completed' : status);
    this.#done.push(item);
    const at = { item_id: open.id, output_index: open.index };
    const events =
      open.kind === 'message'
        ? [
            this.#event('response.output_text.done', {
              ...at,
              content_index: 0,
              text: open.text,
              logprobs: [],
            }),
            this.#event('response.content_part.done', {
              ...at,
              content_index: 0,
              part: outputText(open.text),
            }),
          ]
        : [
            this.#event('response.function_call_arguments.done', {
              ...at,
              name: open.name,
              arguments: open.arguments,
            }),
          ];
    events.push(this.#event('response.output_item.done', { output_index: open.index, item }));
    return events;
  }

  #item(open: OpenMessage | OpenCall, status: string): Json {
    return open.kind === 'message'
      ? messageItem(open.id, open.text, status)
      : functionCallItem(open.id, open, status);
  }

  #snapshot(fields: { status: string; output?: Json[] } & Json): Json {
    return responseShell(this.#context, { output: [...this.#done], ...fields });
  }

  #event(type: string, fields: Json): ResponsesEvent {
    return { type, ...fields, sequence_number: this.#sequence++ };
  }
}

/**
 * The Responses events of a chat stream, as they come: each chunk's events together, then the
 * end (`response.completed` or `.incomplete`), or `response.failed` when the stream breaks.
 * Stopping early (`return()`) stops `chunks`, and so the upstream call.
 */
export async function* responsesEvents(
  chunks: AsyncIterable<Chunk>,
  context: ResponseContext,
): AsyncGenerator<ResponsesEvent[]> {
  const translator = new ResponsesStreamTranslator(context);
  let end: ResponsesEvent[];
  try {
    for await (const chunk of chunks) {
      const events = translator.chunk(chunk);
      if (events.length > 0) yield events;
    }
    end = translator.finish();
  } catch (failure) {
    end = translator.fail(failure);
  }
  yield end;
}
