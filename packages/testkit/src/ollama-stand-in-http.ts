/**
 * HTTP plumbing of the Ollama stand-in: turning a request body into an {@link Inference} and
 * writing the answer as NDJSON (Ollama streaming), one JSON object, or SSE (OpenAI streaming).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  chatObject,
  contentText,
  doneStats,
  generateObject,
  openAiChunk,
  openAiCompletion,
  openAiError,
  replyFor,
  wordsOf,
} from './ollama-stand-in-payloads.ts';
import {
  oomRunMessage,
  parseKeepAliveMs,
  type StandInFault,
  sleep,
} from './ollama-stand-in-state.ts';

export type Flavor = 'chat' | 'generate' | 'openai';

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
}

export function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Reduces a chat, generate or OpenAI body to what the simulation needs. */
/** Which recorded request a response answers, so its status can be noted when headers go out. */
export const entryOf = new WeakMap<ServerResponse, { status?: number }>();

export function head(res: ServerResponse, status: number, contentType: string): ServerResponse {
  const entry = entryOf.get(res);
  if (entry) entry.status = status;
  return res.writeHead(status, { 'content-type': contentType });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  head(res, status, 'application/json; charset=utf-8').end(JSON.stringify(body));
}

export function sendError(
  res: ServerResponse,
  flavor: Flavor,
  status: number,
  message: string,
): void {
  sendJson(res, status, flavor === 'openai' ? openAiError(message, status) : { error: message });
}

export function readBody(req: IncomingMessage): Promise<string> {
  // Plain events rather than `for await`: an async iterator per request is a large share of
  // the stand-in's CPU when it answers thousands of calls at once (pipeline benchmark).
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.once('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

export function toInference(
  flavor: Flavor,
  body: Record<string, unknown>,
  model: string,
  defaults: { keepAliveMs: number; numCtx: number },
): Inference {
  const options = record(body.options);
  let input = '';
  let allText = '';
  let loadOnly = false;
  if (flavor === 'generate') {
    input = typeof body.prompt === 'string' ? body.prompt : '';
    allText = `${typeof body.system === 'string' ? body.system : ''} ${input}`;
    loadOnly = input === '';
  } else {
    const messages = Array.isArray(body.messages) ? body.messages.map(record) : [];
    const texts = messages.map((m) => ({ role: String(m.role), text: contentText(m.content) }));
    input = [...texts].reverse().find((m) => m.role === 'user')?.text ?? '';
    allText = texts.map((m) => m.text).join(' ');
    loadOnly = flavor === 'chat' && messages.length === 0;
  }
  const cap =
    flavor === 'openai'
      ? (numberOr(body.max_completion_tokens) ?? numberOr(body.max_tokens))
      : numberOr(options.num_predict);
  return {
    flavor,
    model,
    stream: flavor === 'openai' ? body.stream === true : body.stream !== false,
    input,
    promptTokens: wordsOf(allText).length,
    cap,
    keepAliveMs: parseKeepAliveMs(body.keep_alive, defaults.keepAliveMs),
    numCtx: numberOr(options.num_ctx) ?? defaults.numCtx,
    loadOnly,
  };
}

export async function streamOllama(
  res: ServerResponse,
  tokenLatencyMs: number,
  call: Inference,
  fault: StandInFault | undefined,
  signal: AbortSignal,
): Promise<void> {
  const started = process.hrtime.bigint();
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
  const elapsed = Number(process.hrtime.bigint() - started);
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
  const started = process.hrtime.bigint();
  const reply = replyFor(call.input, call.cap);
  const generationMs = tokenLatencyMs * reply.words.length;
  if (generationMs > 0) await sleep(generationMs, signal());
  if (fault?.kind === 'stream_error') {
    sendError(res, call.flavor, 500, fault.message ?? oomRunMessage);
    return;
  }
  const text = reply.words.join(' ');
  const elapsed = Number(process.hrtime.bigint() - started);
  const stats = doneStats(call.promptTokens, reply.words.length, elapsed);
  const doneReason = reply.truncated ? 'length' : 'stop';
  if (call.flavor === 'openai') {
    sendJson(
      res,
      200,
      openAiCompletion(call.model, text, reply.truncated, call.promptTokens, reply.words.length),
    );
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
  for (const [i, word] of reply.words.entries()) {
    await sleep(tokenLatencyMs, signal);
    res.write(
      `data: ${JSON.stringify(openAiChunk(call.model, id, i === 0 ? word : ` ${word}`, null))}\n\n`,
    );
    if (fault?.kind === 'stream_error') {
      res.end(`data: ${JSON.stringify(openAiError(fault.message ?? oomRunMessage, 500))}\n\n`);
      return;
    }
  }
  const finish = reply.truncated ? 'length' : 'stop';
  res.write(`data: ${JSON.stringify(openAiChunk(call.model, id, '', finish))}\n\n`);
  res.end('data: [DONE]\n\n');
}
