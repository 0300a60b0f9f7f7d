/**
 * How the stand-in "uses tools", deterministically. Offered tools (`tool_choice` not `none`)
 * and a user turn last, the answer is ONE call to the first tool (or the one `tool_choice`
 * names), with the arguments `{"input": "<the last user text>"}`. Once a tool result is the
 * last thing said, the answer is that result's first words, like any reply. OpenAI's chat
 * completions (`/v1/chat/completions`) and Anthropic Messages (`/v1/messages`) both follow it.
 */
import { contentText } from './ollama-stand-in-payloads.ts';
import { record } from './ollama-stand-in-requests.ts';

type Json = Record<string, unknown>;

/** A tool call the stand-in makes. */
export interface StandInToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text (`{"input":"…"}`). */
  arguments: string;
}

let callCounter = 0;

function callTo(name: string | undefined, text: string): StandInToolCall | undefined {
  if (name === undefined) return undefined;
  callCounter++;
  return { id: `call_${callCounter}`, name, arguments: JSON.stringify({ input: text }) };
}

/** The tool call an OpenAI chat body makes the stand-in answer with, if any. */
export function standInToolCall(body: Json): StandInToolCall | undefined {
  const tools = (Array.isArray(body.tools) ? body.tools : [])
    .map((t) => record(t))
    .filter((t) => t.type === undefined || t.type === 'function')
    .map((t) => String(record(t.function).name ?? ''));
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = record(messages.at(-1));
  if (tools.length === 0 || body.tool_choice === 'none' || last.role !== 'user') return undefined;
  const forced = record(record(body.tool_choice).function).name;
  const name = typeof forced === 'string' ? tools.find((t) => t === forced) : tools[0];
  return callTo(name, contentText(last.content));
}

/** The text of an Anthropic message's content: its text blocks, or its tool results' text. */
export function anthropicContentText(content: unknown, kind: 'text' | 'tool_result'): string {
  if (typeof content === 'string') return kind === 'text' ? content : '';
  if (!Array.isArray(content)) return '';
  return content
    .map((b) => record(b))
    .filter((b) => b.type === kind)
    .map((b) => (kind === 'text' ? String(b.text ?? '') : contentText(b.content)))
    .join(' ');
}

/** The tool call an Anthropic Messages body makes the stand-in answer with, if any. */
export function anthropicToolCall(body: Json): StandInToolCall | undefined {
  const tools = (Array.isArray(body.tools) ? body.tools : []).map((t) => String(record(t).name));
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = record(messages.at(-1));
  const choice = record(body.tool_choice);
  if (tools.length === 0 || choice.type === 'none' || last.role !== 'user') return undefined;
  if (anthropicContentText(last.content, 'tool_result') !== '') return undefined;
  const name = choice.type === 'tool' ? tools.find((t) => t === choice.name) : tools[0];
  return callTo(name, anthropicContentText(last.content, 'text'));
}

/** Arguments as the two pieces a stream sends them in (split mid-JSON, as servers do). */
export function argumentPieces(args: string): string[] {
  const half = Math.floor(args.length / 2);
  return [args.slice(0, half), args.slice(half)];
}

/**
 * One streamed chunk of a tool call: the first names it (id, function name, empty arguments),
 * each later one carries a piece of its arguments.
 */
export function toolCallChunk(
  model: string,
  id: string,
  toolCall: StandInToolCall,
  piece: { first: boolean; arguments?: string },
  usageField = false,
) {
  const call = piece.first
    ? {
        index: 0,
        id: toolCall.id,
        type: 'function',
        function: { name: toolCall.name, arguments: '' },
      }
    : { index: 0, function: { arguments: piece.arguments ?? '' } };
  const chunk = {
    id,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_ollama',
    choices: [
      {
        index: 0,
        delta: piece.first
          ? { role: 'assistant', content: null, tool_calls: [call] }
          : { tool_calls: [call] },
        finish_reason: null,
      },
    ],
  };
  return usageField ? { ...chunk, usage: null } : chunk;
}

let completionCounter = 0;

/** A whole `chat.completion` whose answer is `toolCall`. */
export function toolCallCompletion(
  model: string,
  toolCall: StandInToolCall,
  promptTokens: number,
  completionTokens: number,
) {
  completionCounter++;
  return {
    id: `chatcmpl-tool-${completionCounter}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_ollama',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: toolCall.id,
              type: 'function',
              function: { name: toolCall.name, arguments: toolCall.arguments },
            },
          ],
        },
        finish_reason: 'tool_calls',
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}
