import type { IncomingHttpHeaders } from 'node:http';
import OpenAI from 'openai';
import type { Dispatcher } from 'undici';
import type { GatewayCall, TokenUsage } from './gateway.ts';
import { contentText, type OpenAiChatBody } from './openai-surface.ts';
import { openAiOutputAsk } from './request-limits.ts';
import type { UpstreamClients } from './upstream-clients.ts';

/** A run of whole server-sent events of the upstream's answer, as the caller receives them. */
export interface SsePiece {
  /** Whole events (`data: …\n\n`), each as the upstream wrote it; empty when none is left. */
  sse: string;
  /** The usage an event in this run carried, if any. */
  usage?: TokenUsage;
}

// Only events that may carry a usage object or an error are parsed; every other event passes
// as the upstream wrote it. Inside a JSON string these names are escaped (`\"usage\"`).
const mayCarryUsage = /"usage"\s*:\s*\{/;
const mayCarryError = /"error"\s*:/;

/**
 * `POST /openai/v1/chat/completions` with `stream: true` as a gateway call that forwards the
 * upstream's server-sent events as it wrote them, instead of parsing every chunk through the
 * `openai` client and writing it again: the body goes out as the caller wrote it with the
 * gateway's model and `stream_options.include_usage`; of the answer, only events that carry
 * usage or an error are parsed (the usage is counted, the usage chunk dropped unless the caller
 * asked for it, an error event fails the call as the client would), and the upstream's
 * `[DONE]` is left to the surface. Failures before the answer are the `openai` client's errors
 * (`APIError` by status, `APIConnectionError`, `APIUserAbortError`), so the gateway reads them
 * as it reads the client's.
 */
export function openAiChatPassthroughCall(
  clients: UpstreamClients,
  body: OpenAiChatBody,
  context: { tenant: string; signal: AbortSignal },
): GatewayCall<SsePiece> {
  const usageAsked = body.stream_options?.include_usage === true;
  return {
    operation: 'openai.chat',
    tenant: context.tenant,
    model: body.model,
    promptText: body.messages.map((m) => contentText(m.content)).join('\n'),
    outputAsk: openAiOutputAsk(body),
    signal: context.signal,
    async *start(upstream, model, signal) {
      const client = clients.openAi(upstream);
      const payload = JSON.stringify({
        ...body,
        model,
        stream: true,
        stream_options: { ...body.stream_options, include_usage: true },
      });
      const { body: answer, headers } = await post(clients, client, payload, signal);
      answer.setEncoding('utf8');
      let pending = '';
      try {
        for await (const text of answer as AsyncIterable<string>) {
          pending += text;
          if (pending.includes('\r')) pending = pending.replace(/\r\n?/g, '\n');
          const cut = pending.lastIndexOf('\n\n');
          if (cut < 0) continue;
          const piece = passOn(pending.slice(0, cut + 2), usageAsked, headers);
          pending = pending.slice(cut + 2);
          if (piece.sse || piece.usage) yield piece;
        }
      } catch (error) {
        // As `fetch` reports a body cut short, which is what the gateway's errors were read from.
        if (error instanceof OpenAI.APIError) throw error;
        throw new TypeError('terminated', { cause: error });
      }
      if (pending.includes('\r')) pending = pending.replace(/\r\n?/g, '\n');
      if (pending.trim()) {
        const piece = passOn(`${pending}\n\n`, usageAsked, headers);
        if (piece.sse || piece.usage) yield piece;
      }
    },
    usage: (piece) => piece.usage,
  };
}

/** An answer's headers as the `openai` client's errors carry them. */
function headersOf(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const one of value) headers.append(name, one);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/** Sends the call; a refusal or a failed connection throws as the `openai` client would. */
async function post(
  clients: UpstreamClients,
  client: OpenAI,
  payload: string,
  signal: AbortSignal,
): Promise<{ body: Dispatcher.ResponseData['body']; headers: () => Headers }> {
  let response: Dispatcher.ResponseData;
  try {
    response = await clients.request(`${client.baseURL.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${client.apiKey}`,
      },
      body: payload,
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw new OpenAI.APIUserAbortError();
    if (/timed? ?out/i.test(`${error}${(error as { cause?: unknown })?.cause ?? ''}`))
      throw new OpenAI.APIConnectionTimeoutError();
    throw new OpenAI.APIConnectionError({ cause: error as Error });
  }
  const { statusCode, body } = response;
  // Built only for an error: a passed answer never reads them.
  const headers = () => headersOf(response.headers);
  if (statusCode >= 200 && statusCode < 300) return { body, headers };
  const text = await body.text().catch(() => '');
  let json: object | undefined;
  try {
    json = JSON.parse(text) as object;
  } catch {}
  throw OpenAI.APIError.generate(statusCode, json, json ? undefined : text || undefined, headers());
}

/** Whole events as the caller gets them: usage counted, `[DONE]` and unasked usage left out. */
function passOn(events: string, usageAsked: boolean, headers: () => Headers): SsePiece {
  if (!mayCarryUsage.test(events) && !mayCarryError.test(events) && !events.includes('[DONE]'))
    return { sse: events };
  let sse = '';
  let usage: TokenUsage | undefined;
  for (const event of events.split(/\n\n/)) {
    if (!event.trim()) continue;
    const data = event
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (data.startsWith('[DONE]')) continue;
    if (mayCarryUsage.test(event) || mayCarryError.test(event)) {
      let chunk: { error?: unknown; usage?: OpenAI.CompletionUsage | null; choices?: unknown[] };
      try {
        chunk = JSON.parse(data) as typeof chunk;
      } catch {
        sse += `${event}\n\n`;
        continue;
      }
      if (chunk.error)
        throw new OpenAI.APIError(undefined, chunk.error as never, undefined, headers());
      if (chunk.usage) {
        usage = {
          promptTokens: chunk.usage.prompt_tokens ?? 0,
          completionTokens: chunk.usage.completion_tokens ?? 0,
        };
        if (!usageAsked && Array.isArray(chunk.choices) && chunk.choices.length === 0) continue;
      }
    }
    sse += `${event}\n\n`;
  }
  return usage ? { sse, usage } : { sse };
}
