/**
 * Anthropic Messages as the gateway reads and writes it: the request body's fields it knows
 * (the rest passes through to a native upstream untouched), and the answer's pieces.
 */
import type Anthropic from '@anthropic-ai/sdk';

type Json = Record<string, unknown>;

/** A text block of `system` or of a message. */
export interface AnthropicTextBlock extends Json {
  type: 'text';
  text: string;
}

/** One content block of a message, as sent by the caller (checked at the API's boundary). */
export type AnthropicContentBlock =
  | AnthropicTextBlock
  | (Json & {
      type: 'image';
      source: { type: 'base64'; media_type: string; data: string };
    })
  | (Json & { type: 'tool_use'; id: string; name: string; input: unknown })
  | (Json & {
      type: 'tool_result';
      tool_use_id: string;
      content?: string | Json[];
      is_error?: boolean;
    })
  | (Json & { type: 'thinking' | 'redacted_thinking' });

/** One turn of the conversation. */
export interface AnthropicMessageParam extends Json {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlock[];
}

/** A client tool: its name, what it does, and its input's JSON schema. */
export interface AnthropicTool extends Json {
  name: string;
  description?: string;
  input_schema: Json;
}

/** `tool_choice`: let the model decide, make it use some tool, one named tool, or none. */
export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

/** A `POST /anthropic/v1/messages` body as the gateway reads it; other fields pass through. */
export interface AnthropicMessagesBody extends Json {
  model: string;
  /** Required by Anthropic; checked against the context window like the other surfaces' asks. */
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: string | AnthropicTextBlock[];
  stream?: boolean;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  metadata?: { user_id?: string | null };
}

/** The SSE keep-alive Anthropic sends; clients skip it. */
export interface AnthropicPing {
  type: 'ping';
}

/** One event of a streamed answer (its SSE `event:` name is its `type`). */
export type AnthropicStreamEvent = Anthropic.Messages.RawMessageStreamEvent | AnthropicPing;

/** A piece of an Anthropic call: the whole `Message` (unstreamed), or one stream event. */
export type AnthropicPiece = Anthropic.Messages.Message | AnthropicStreamEvent;

/** Anthropic's usage object, with the fields an answer from the gateway always fills. */
export function anthropicUsage(inputTokens: number, outputTokens: number) {
  return {
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}
