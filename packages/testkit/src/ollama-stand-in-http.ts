/**
 * HTTP plumbing of the Ollama stand-in: turning a request body into an {@link Inference} and
 * writing the answer as NDJSON (Ollama streaming), one JSON object, or SSE (OpenAI streaming).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicError } from './ollama-stand-in-anthropic.ts';
import {
  asTextCompletion,
  chatObject,
  contentText,
  countWords,
  doneStats,
  generateObject,
  openAiChunk,
  openAiCompletion,
  openAiError,
  openAiUsageChunk,
  replyFor,
} from './ollama-stand-in-payloads.ts';
import { entryOf, numberOr, record } from './ollama-stand-in-requests.ts';
import {
  oomRunMessage,
  parseKeepAliveMs,
  type StandInFault,
  sleep,
} from './ollama-stand-in-state.ts';
import {
  argumentPieces,
  type StandInToolCall,
  standInToolCall,
  toolCallChunk,
  toolCallCompletion,
} from './stand-in-tools.ts';

/** `openai-text`: OpenAI's legacy text completions (`/v1/completions`), whole or streamed. */
/** `anthropic`: Anthropic Messages (`/v1/messages`, ./ollama-stand-in-anthropic.ts). */
export type Flavor = 'chat' | 'generate' | 'openai' | 'openai-text' | 'anthropic';

/** Whether a flavor speaks OpenAI's dialect (its bodies, its error shape). */
export const isOpenAiFlavor = (flavor: Flavor) => flavor === 'openai' || flavor === 'openai-text';

/** An inference request reduced to what the simulation needs. */
export interface Inference {
  flavor: Flavor;
  model: string;
  stream: boolean;
  input: string;
  promptTokens: number;
  cap: number | undefined;
  keepAliveMs: number;
  numCtx: number;
  loadOnly: boolean;
  /** OpenAI streaming with `stream_options.include_usage`: a usage chunk ends the stream. */
  includeUsage: boolean;
  /** The tool call that answers an OpenAI chat body offering tools (see ./stand-in-tools.ts). */
  toolCall?: StandInToolCall | undefined;
}

export function head(
  res: ServerResponse,
  status: number,
  contentType: string,
  contentLength?: number,
): ServerResponse {
  const entry = entryOf(res);
  if (entry) entry.status = status;
  return res.writeHead(
    status,
    contentLength === undefined
      ? { 'content-type': contentType }
      : { 'content-type': contentType, 'content-length': contentLength },
  );
}

/**
 * A whole JSON answer, with its length (as Ollama's Go server sends a small answer): not
 * chunked, so neither side frames it piece by piece.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  head(res, status, 'application/json; charset=utf-8', Buffer.byteLength(text)).end(text);
}

/**
 * What a stand-in does when a route fails unexpectedly (or the client left mid-answer): a 500
 * while nothing was sent yet, else the connection is cut.
 */
export function failRequest(res: ServerResponse): void {
  if (!res.headersSent) sendJson(res, 500, { error: 'stand-in failure' });
  else res.destroy();
}

/** Starts `server` on 127.0.0.1 (`port`, or a free one) and answers the port it took. */
export async function listenOnLoopback(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export function sendError(
  res: ServerResponse,
  flavor: Flavor,
  status: number,
  message: string,
): void {
  sendJson(
    res,
    status,
    isOpenAiFlavor(flavor)
      ? openAiError(message, status)
      : flavor === 'anthropic'
        ? anthropicError(message, status)
        : { error: message },
  );
}

export function readBody(req: IncomingMessage): Promise<string> {
  // Plain events rather than `for await`: an async iterator per request is a large share of
  // the stand-in's CPU when it answers thousands of calls at once (pipeline benchmark).
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.once('end', () =>
      resolve((parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)).toString('utf8')),
    );
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

/** Reduces a chat, generate or OpenAI body to what the simulation needs. */
export function toInference(
  flavor: Flavor,
  body: Record<string, unknown>,
  model: string,
  defaults: { keepAliveMs: number; numCtx: number },
): Inference {
  const options = record(body.options);
  let input = '';
  let promptTokens = 0;
  let loadOnly = false;
  if (flavor === 'generate' || flavor === 'openai-text') {
    const prompt = Array.isArray(body.prompt) ? body.prompt[0] : body.prompt;
    input = typeof prompt === 'string' ? prompt : '';
    promptTokens =
      countWords(input) + (typeof body.system === 'string' ? countWords(body.system) : 0);
    loadOnly = flavor === 'generate' && input === '';
  } else {
    const messages = Array.isArray(body.messages) ? body.messages : [];
    for (const message of messages) {
      const m = record(message);
      const text = contentText(m.content);
      promptTokens += countWords(text);
      // The last user message (or tool result) is the one answered.
      if (m.role === 'user' || m.role === 'tool') input = text;
    }
    loadOnly = flavor === 'chat' && messages.length === 0;
  }
  const cap = isOpenAiFlavor(flavor)
    ? (numberOr(body.max_completion_tokens) ?? numberOr(body.max_tokens))
    : numberOr(options.num_predict);
  const stream = isOpenAiFlavor(flavor) ? body.stream === true : body.stream !== false;
  return {
    flavor,
    model,
    stream,
    input,
    promptTokens,
    cap,
    keepAliveMs: parseKeepAliveMs(body.keep_alive, defaults.keepAliveMs),
    numCtx: numberOr(options.num_ctx) ?? defaults.numCtx,
    loadOnly,
    includeUsage:
      isOpenAiFlavor(flavor) && stream && record(body.stream_options).include_usage === true,
    toolCall: flavor === 'openai' ? standInToolCall(body) : undefined,
  };
}

export async function streamOllama(
  res: ServerResponse,
  tokenLatencyMs: number,
  call: Inference,
  fault: StandInFault | undefined,
  signal: AbortSignal,
): Promise<void> {
  const started = performance.now();
  const reply = replyFor(call.input, call.cap);
  const build = call.flavor === 'chat' ? chatObject : generateObject;
  head(res, 200, 'application/x-ndjson');
  for (const [i, word] of reply.words.entries()) {
    await sleep(tokenLatencyMs, signal);
    res.write(`${JSON.stringify(build(call.model, i === 0 ? word : ` ${word}`, false))}\n`);
    if (fault?.kind === 'stream_error') break;
  }
  if (fault?.kind === 'stream_error') {
    res.end(`${JSON.stringify({ error: fault.message ?? oomRunMessage })}\n`);
    return;
  }
  const elapsed = Math.round((performance.now() - started) * 1e6); // ns, as Ollama reports
  const stats = doneStats(call.promptTokens, reply.words.length, elapsed);
  res.end(
    `${JSON.stringify(build(call.model, '', true, reply.truncated ? 'length' : 'stop', stats))}\n`,
  );
}

export async function answerWhole(
  res: ServerResponse,
  tokenLatencyMs: number,
  call: Inference,
  fault: StandInFault | undefined,
  signal: () => AbortSignal,
): Promise<void> {
  const started = performance.now();
  const reply = replyFor(call.input, call.cap);
  if (call.toolCall) {
    const tokens = countWords(call.toolCall.arguments);
    if (tokenLatencyMs > 0) await sleep(tokenLatencyMs * tokens, signal());
    sendJson(res, 200, toolCallCompletion(call.model, call.toolCall, call.promptTokens, tokens));
    return;
  }
  const generationMs = tokenLatencyMs * reply.words.length;
  if (generationMs > 0) await sleep(generationMs, signal());
  if (fault?.kind === 'stream_error') {
    sendError(res, call.flavor, 500, fault.message ?? oomRunMessage);
    return;
  }
  const text = reply.words.join(' ');
  const elapsed = Math.round((performance.now() - started) * 1e6); // ns, as Ollama reports
  const stats = doneStats(call.promptTokens, reply.words.length, elapsed);
  const doneReason = reply.truncated ? 'length' : 'stop';
  if (isOpenAiFlavor(call.flavor)) {
    const answer = openAiCompletion(
      call.model,
      text,
      reply.truncated,
      call.promptTokens,
      reply.words.length,
    );
    sendJson(res, 200, call.flavor === 'openai' ? answer : asTextCompletion(answer));
  } else if (call.flavor === 'chat') {
    sendJson(res, 200, chatObject(call.model, text, true, doneReason, stats));
  } else {
    sendJson(res, 200, generateObject(call.model, text, true, doneReason, stats));
  }
}

export async function streamOpenAi(
  res: ServerResponse,
  tokenLatencyMs: number,
  call: Inference,
  fault: StandInFault | undefined,
  signal: AbortSignal,
): Promise<void> {
  const reply = replyFor(call.input, call.cap);
  const id = `chatcmpl-stream-${Date.now()}`;
  head(res, 200, 'text/event-stream');
  if (call.toolCall) return streamToolCall(res, tokenLatencyMs, call, call.toolCall, id, signal);
  const chunk = call.flavor === 'openai-text' ? textChunk : openAiChunk;
  for (const [i, word] of reply.words.entries()) {
    await sleep(tokenLatencyMs, signal);
    const piece = i === 0 ? word : ` ${word}`;
    res.write(`data: ${JSON.stringify(chunk(call.model, id, piece, null, call.includeUsage))}\n\n`);
    if (fault?.kind === 'stream_error') {
      res.end(`data: ${JSON.stringify(openAiError(fault.message ?? oomRunMessage, 500))}\n\n`);
      return;
    }
  }
  const finish = reply.truncated ? 'length' : 'stop';
  res.write(`data: ${JSON.stringify(chunk(call.model, id, '', finish, call.includeUsage))}\n\n`);
  endOpenAiStream(res, call, id, reply.words.length);
}

/** The usage chunk when asked for, then `[DONE]`. */
function endOpenAiStream(res: ServerResponse, call: Inference, id: string, tokens: number): void {
  if (call.includeUsage) {
    const usage = openAiUsageChunk(call.model, id, call.promptTokens, tokens);
    const object = call.flavor === 'openai-text' ? 'text_completion' : usage.object;
    res.write(`data: ${JSON.stringify({ ...usage, object })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}

/** A streamed legacy `text_completion` chunk, as vLLM sends them. */
function textChunk(
  model: string,
  id: string,
  text: string,
  finish: string | null,
  usageField = false,
) {
  const chunk = {
    id: id.replace('chatcmpl-', 'cmpl-'),
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
  };
  return usageField ? { ...chunk, usage: null } : chunk;
}

async function streamToolCall(
  res: ServerResponse,
  tokenLatencyMs: number,
  call: Inference,
  toolCall: StandInToolCall,
  id: string,
  signal: AbortSignal,
): Promise<void> {
  const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  send(toolCallChunk(call.model, id, toolCall, { first: true }, call.includeUsage));
  for (const piece of argumentPieces(toolCall.arguments)) {
    await sleep(tokenLatencyMs, signal);
    send(
      toolCallChunk(
        call.model,
        id,
        toolCall,
        { first: false, arguments: piece },
        call.includeUsage,
      ),
    );
  }
  send(openAiChunk(call.model, id, '', 'tool_calls', call.includeUsage));
  endOpenAiStream(res, call, id, countWords(toolCall.arguments));
}
