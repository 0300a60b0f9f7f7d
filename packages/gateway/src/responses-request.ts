/**
 * A Responses API body (`POST /openai/v1/responses`) as a chat completions body, which every
 * upstream speaks (vLLM, SGLang, llama.cpp, and Ollama through its `/v1` layer). Stateless:
 * everything the model reads is in the body, so only what a chat body can carry is taken; the
 * rest is refused by name (400), never dropped silently where it would change the answer.
 */
import { GatewayError } from './gateway-error.ts';
import type { OpenAiChatBody } from './openai-surface.ts';

type Json = Record<string, unknown>;

/** A Responses body as the gateway reads it (checked at the boundary: `responses-schemas.ts`). */
export interface ResponsesBody {
  model: string;
  input: string | Json[];
  instructions?: string | null;
  /** Function tools only: `{type: 'function', name, description, parameters, strict}`. */
  tools?: Json[] | null;
  tool_choice?: unknown;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  parallel_tool_calls?: boolean | null;
  text?: { format?: Json | null } | null;
  stream?: boolean | null;
  [field: string]: unknown;
}

type ChatMessage = {
  role: string;
  content?: unknown;
  tool_calls?: Json[];
  tool_call_id?: string;
};

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const refuse = (param: string, why: string) =>
  new GatewayError('invalid_request', `${param}: ${why}`, { param });

/** A content part as a chat part: text, or an image by URL (checked by the media URL policy). */
function chatPart(part: unknown, at: string): Json {
  if (!isRecord(part)) throw refuse(at, 'a content part must be an object.');
  switch (part.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      return { type: 'text', text: String(part.text ?? '') };
    case 'refusal':
      return { type: 'text', text: String(part.refusal ?? '') };
    case 'input_image': {
      if (typeof part.image_url !== 'string' || part.image_url === '')
        throw refuse(
          `${at}.${part.file_id ? 'file_id' : 'image_url'}`,
          'an image must come as image_url (a data: URL, or an http(s) URL where this server allows them); file ids are not supported.',
        );
      const detail = part.detail === 'original' ? undefined : part.detail;
      return {
        type: 'image_url',
        image_url: { url: part.image_url, ...(typeof detail === 'string' ? { detail } : {}) },
      };
    }
    default:
      throw refuse(
        `${at}.type`,
        `content parts of type '${String(part.type)}' are not supported here (input_text, input_image).`,
      );
  }
}

/** Message content: a string as it is; parts as chat parts, text-only parts joined to a string. */
function chatContent(content: unknown, at: string): unknown {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content))
    throw refuse(at, 'content must be a string or a list of content parts.');
  const parts = content.map((part, i) => chatPart(part, `${at}.${i}`));
  return parts.every((p) => p.type === 'text') ? parts.map((p) => p.text).join('\n') : parts;
}

/** A function call's output: a string, or its text parts joined (tool messages carry text). */
function toolOutput(output: unknown, at: string): string {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) throw refuse(at, 'output must be a string or a list of parts.');
  return output
    .map((part, i) => {
      if (isRecord(part) && part.type === 'input_text') return String(part.text ?? '');
      throw refuse(`${at}.${i}.type`, 'a function call output may carry text parts only.');
    })
    .join('\n');
}

/** The chat messages of `input` items, after the system message of `instructions`. */
function chatMessages(body: ResponsesBody): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (typeof body.instructions === 'string' && body.instructions !== '')
    messages.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') {
    messages.push({ role: 'user', content: body.input });
    return messages;
  }
  for (const [i, item] of body.input.entries()) {
    const at = `input.${i}`;
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    if (type === 'message') {
      const role = item.role === 'developer' ? 'system' : item.role;
      if (role !== 'user' && role !== 'system' && role !== 'assistant')
        throw refuse(`${at}.role`, 'a message role is user, system, developer or assistant.');
      messages.push({ role, content: chatContent(item.content, `${at}.content`) });
    } else if (type === 'function_call') {
      if (typeof item.call_id !== 'string' || typeof item.name !== 'string')
        throw refuse(at, 'a function_call item needs call_id and name.');
      const call = {
        id: item.call_id,
        type: 'function',
        function: { name: item.name, arguments: String(item.arguments ?? '') },
      };
      // Calls after an assistant turn belong to that turn, as one chat message holds them.
      const last = messages.at(-1);
      if (last?.role === 'assistant') last.tool_calls = [...(last.tool_calls ?? []), call];
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (type === 'function_call_output') {
      if (typeof item.call_id !== 'string')
        throw refuse(`${at}.call_id`, 'a function_call_output item needs the call_id it answers.');
      messages.push({
        role: 'tool',
        tool_call_id: item.call_id,
        content: toolOutput(item.output, `${at}.output`),
      });
    } else if (type === 'reasoning') {
      // Another server's reasoning (often encrypted): nothing a chat body can carry back.
    } else {
      throw refuse(
        `${at}.type`,
        `input items of type '${String(type)}' are not supported: responses are not stored here (no item references), and tools are functions only.`,
      );
    }
  }
  return messages;
}

function chatTool(tool: Json): Json {
  const { type: _type, name, description, parameters, strict } = tool;
  return {
    type: 'function',
    function: {
      name,
      ...(description != null ? { description } : {}),
      ...(parameters != null ? { parameters } : {}),
      ...(strict != null ? { strict } : {}),
    },
  };
}

function chatToolChoice(choice: unknown): unknown {
  if (choice === 'none' || choice === 'auto' || choice === 'required') return choice;
  if (isRecord(choice) && choice.type === 'function' && typeof choice.name === 'string')
    return { type: 'function', function: { name: choice.name } };
  throw refuse(
    'tool_choice',
    "tool_choice is 'none', 'auto', 'required' or {type: 'function', name}.",
  );
}

/** `text.format` as chat's `response_format`; undefined for plain text. */
function responseFormat(format: Json | null | undefined): Json | undefined {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema') {
    const { type: _type, ...schema } = format;
    return { type: 'json_schema', json_schema: schema };
  }
  throw refuse('text.format.type', "text.format is 'text', 'json_object' or 'json_schema'.");
}

/**
 * The chat completions body a Responses body becomes: `instructions` as a system message,
 * `input` items as messages (function calls as the assistant's `tool_calls`, their outputs as
 * `tool` messages), function tools, `tool_choice`, `text.format` as `response_format`,
 * `max_output_tokens` as `max_tokens`. Throws a 400 {@link GatewayError} naming the field a
 * chat body cannot carry.
 *
 * @example
 * responsesChatBody({ model: 'qwen3:32b', instructions: 'be brief', input: 'hi' });
 * // { model, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] }
 */
export function responsesChatBody(body: ResponsesBody): OpenAiChatBody {
  const tools = (body.tools ?? []).map(chatTool);
  const format = responseFormat(body.text?.format);
  const chat: OpenAiChatBody = { model: body.model, messages: chatMessages(body) };
  if (tools.length > 0) {
    chat.tools = tools;
    if (typeof body.parallel_tool_calls === 'boolean')
      chat.parallel_tool_calls = body.parallel_tool_calls;
  }
  if (body.tool_choice != null) chat.tool_choice = chatToolChoice(body.tool_choice);
  if (format) chat.response_format = format;
  if (typeof body.max_output_tokens === 'number') chat.max_tokens = body.max_output_tokens;
  if (typeof body.temperature === 'number') chat.temperature = body.temperature;
  if (typeof body.top_p === 'number') chat.top_p = body.top_p;
  if (body.stream === true) chat.stream = true;
  return chat;
}

/** What the context check reads of a chat body: every message's text, calls and tools. */
export function chatPromptText(chat: OpenAiChatBody): string {
  const texts: string[] = [];
  for (const message of chat.messages as ChatMessage[]) {
    const { content } = message;
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content))
      for (const part of content as Json[]) if (part.type === 'text') texts.push(String(part.text));
    for (const call of message.tool_calls ?? [])
      texts.push(
        `${String((call.function as Json).name)} ${String((call.function as Json).arguments)}`,
      );
  }
  // The server writes the tools' schemas into the prompt.
  if (Array.isArray(chat.tools)) texts.push(JSON.stringify(chat.tools));
  return texts.join('\n');
}
