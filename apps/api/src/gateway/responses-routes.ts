import {
  type Gateway,
  type MediaUrlPolicy,
  openAiResponsesCall,
  publicGatewayError,
  type ResponsesBody,
  type ResponsesEvent,
  responseContext,
  responseFromChat,
  responsesEvents,
  type UpstreamClients,
} from '@nightshift/gateway';
import { Hono } from 'hono';
import type OpenAI from 'openai';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { refuseMediaUrls } from './media-url-guard.ts';
import {
  openAiErrorBody,
  openAiFailure,
  openAiGatewayErrorBody,
  openAiInvalidBody,
} from './openai-dialect.ts';
import { pieceStream, streamHeaders } from './piece-stream.ts';
import { answeredBy, readJsonBody, wholeAnswer } from './read-body.ts';
import { openAiResponsesBody } from './responses-schemas.ts';

/** Options of {@link responsesRoutes}. */
export interface ResponsesRoutesOptions {
  gateway: Gateway;
  clients: UpstreamClients;
  /** Media URLs a body may send the model server (`NIGHTSHIFT_MEDIA_URLS`). */
  mediaUrls: MediaUrlPolicy;
}

type Chat = OpenAI.Chat.Completions.ChatCompletion;
type ChatChunk = OpenAI.Chat.Completions.ChatCompletionChunk;

/** Responses' server-sent events name each event by its type. */
const sse = (events: ResponsesEvent[]) =>
  events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');

/**
 * A failure past the event translation (which ends a broken upstream stream with
 * `response.failed` itself): Responses' `error` event, outside the numbered sequence.
 */
const streamFailure = (failure: unknown) => {
  const { error } = openAiGatewayErrorBody(publicGatewayError(failure));
  const { code, message, param } = error;
  return sse([{ type: 'error', code, message, param, sequence_number: -1 }]);
};

const notStored = (id: string) =>
  openAiErrorBody(
    `No response found with id '${id}': responses are not stored on this server (it is stateless, as with store: false).`,
    'invalid_request_error',
    'response_id',
    'response_not_found',
  );

/**
 * OpenAI's Responses API under `/openai/v1`, stateless: `POST /responses` runs one call through
 * the gateway (hot lane: the caller's guards come from `openAiRoutes`) as a chat completion on
 * whichever upstream serves the model, and answers a `response` object or its stream of events.
 * Nothing is kept (whatever `store` says), so reading a response back answers 404.
 *
 * @example
 * app.route('/', responsesRoutes({ gateway, clients, mediaUrls }));
 */
export function responsesRoutes(options: ResponsesRoutesOptions) {
  const { gateway, clients } = options;
  const app = new Hono<{ Variables: TenantVariables }>();

  app.post('/responses', async (c) => {
    const read = await readJsonBody(c, openAiResponsesBody, openAiInvalidBody);
    if (!read.ok) return read.response;
    const mediaRefused = await refuseMediaUrls(c, options.mediaUrls, read.data);
    if (mediaRefused) return mediaRefused;
    const body = read.data as ResponsesBody;
    try {
      const call = openAiResponsesCall(clients, body, {
        tenant: c.get('tenant'),
        signal: c.req.raw.signal,
      });
      const answer = await gateway.open(call);
      const context = responseContext(body, answer.model);
      if (body.stream !== true) {
        const completion = (await wholeAnswer(answer.pieces)) as Chat;
        return c.json(responseFromChat(completion, context), 200, answeredBy(answer));
      }
      const chunks = answer.pieces as AsyncIterable<ChatChunk>;
      const events = pieceStream(responsesEvents(chunks, context), {
        encode: sse,
        failure: streamFailure,
      });
      return new Response(events, {
        headers: { ...streamHeaders('text/event-stream'), ...answeredBy(answer) },
      });
    } catch (error) {
      return openAiFailure(c, error);
    }
  });

  // What only a stored response could answer.
  const stored = [
    ['GET', '/responses/:id'],
    ['DELETE', '/responses/:id'],
    ['GET', '/responses/:id/input_items'],
    ['POST', '/responses/:id/cancel'],
  ] as const;
  for (const [method, path] of stored)
    app.on(method, path, (c) => c.json(notStored(c.req.param('id') ?? ''), 404));
  return app;
}
