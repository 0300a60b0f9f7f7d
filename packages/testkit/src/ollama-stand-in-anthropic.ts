/**
 * The stand-in's Anthropic Messages endpoint (`POST /v1/messages`), as Ollama (≥ 0.14) speaks
 * it: a whole `Message`, or the named SSE events (`message_start`, `ping`,
 * `content_block_start`/`_delta`/`_stop`, `message_delta`, `message_stop`), text or one tool
 * call (./stand-in-tools.ts), and errors as `{"type":"error","error":{type,message}}`.
 */
import type { ServerResponse } from 'node:http';
import { head, type Inference, sendJson } from './ollama-stand-in-http.ts';
import { countWords, replyFor } from './ollama-stand-in-payloads.ts';
import { numberOr, record } from './ollama-stand-in-requests.ts';
import { oomRunMessage, type StandInFault, sleep } from './ollama-stand-in-state.ts';
import { anthropicContentText, anthropicToolCall, argumentPieces } from './stand-in-tools.ts';

type Json = Record<string, unknown>;

/** Anthropic's error type for a status. */
function errorType(status: number): string {
  if (status === 404) return 'not_found_error';
  if (status === 503) return 'overloaded_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

/** Anthropic's error body. */
export function anthropicError(message: string, status: number) {
  return { type: 'error', error: { type: errorType(status), message } };
}

/** A Messages body reduced to what the simulation needs. */
export function anthropicInference(
  body: Json,
  model: string,
  defaults: { keepAliveMs: number; numCtx: number },
): Inference {
  const system = body.system;
  const systemText = typeof system === 'string' ? system : anthropicContentText(system, 'text');
  let promptTokens = countWords(systemText);
  let input = '';
  for (const message of Array.isArray(body.messages) ? body.messages : []) {
    const m = record(message);
    const text = anthropicContentText(m.content, 'text');
    const result = anthropicContentText(m.content, 'tool_result');
    promptTokens += countWords(text) + countWords(result);
    // The last user turn (its tool result first) is the one answered.
    if (m.role === 'user') input = result !== '' ? result : text;
  }
  return {
    flavor: 'anthropic',
    model,
    stream: body.stream === true,
    input,
    promptTokens,
    cap: numberOr(body.max_tokens),
    keepAliveMs: defaults.keepAliveMs,
    numCtx: defaults.numCtx,
    loadOnly: false,
    includeUsage: false,
    toolCall: anthropicToolCall(body),
  };
}

let messageCounter = 0;

const usage = (input: number, output: number) => ({ input_tokens: input, output_tokens: output });

/** Answers a Messages call, whole or streamed. */
export async function answerAnthropic(
  res: ServerResponse,
  tokenLatencyMs: number,
  call: Inference,
  fault: StandInFault | undefined,
  signal: () => AbortSignal,
): Promise<void> {
  messageCounter++;
  const id = `msg_standin${messageCounter}`;
  const reply = replyFor(call.input, call.cap);
  const tool = call.toolCall;
  const outputTokens = tool ? countWords(tool.arguments) : reply.words.length;
  const stopReason = tool ? 'tool_use' : reply.truncated ? 'max_tokens' : 'end_turn';
  if (!call.stream) {
    if (tokenLatencyMs > 0) await sleep(tokenLatencyMs * outputTokens, signal());
    if (fault?.kind === 'stream_error') {
      sendJson(res, 500, anthropicError(fault.message ?? oomRunMessage, 500));
      return;
    }
    const content = tool
      ? [{ type: 'tool_use', id: tool.id, name: tool.name, input: JSON.parse(tool.arguments) }]
      : [{ type: 'text', text: reply.words.join(' ') }];
    sendJson(res, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model: call.model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: usage(call.promptTokens, outputTokens),
    });
    return;
  }
  const send = (event: Json) =>
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  head(res, 200, 'text/event-stream');
  send({
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model: call.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usage(call.promptTokens, 0),
    },
  });
  send({ type: 'ping' });
  send({
    type: 'content_block_start',
    index: 0,
    content_block: tool
      ? { type: 'tool_use', id: tool.id, name: tool.name, input: {} }
      : { type: 'text', text: '' },
  });
  const pieces = tool
    ? argumentPieces(tool.arguments).map((p) => ({ type: 'input_json_delta', partial_json: p }))
    : reply.words.map((w, i) => ({ type: 'text_delta', text: i === 0 ? w : ` ${w}` }));
  for (const delta of pieces) {
    await sleep(tokenLatencyMs, signal());
    send({ type: 'content_block_delta', index: 0, delta });
    if (fault?.kind === 'stream_error') {
      send(anthropicError(fault.message ?? oomRunMessage, 500));
      res.end();
      return;
    }
  }
  send({ type: 'content_block_stop', index: 0 });
  send({
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: outputTokens },
  });
  send({ type: 'message_stop' });
  res.end();
}
