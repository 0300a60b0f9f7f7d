import {
  type Gateway,
  isUnrequestedUsageChunk,
  type OpenAiCompletionsBody,
  openAiCompletionsCall,
  type UpstreamClients,
} from '@nightshift/gateway';
import { Hono } from 'hono';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { openAiCompletionsBody } from './gateway-schemas.ts';
import { openAiFailure, openAiInvalidBody, openAiStreamFailure } from './openai-dialect.ts';
import { pieceStream, streamHeaders } from './piece-stream.ts';
import { answeredBy, readJsonBody, wholeAnswer } from './read-body.ts';

/** Options of {@link completionsRoutes}. */
export interface CompletionsRoutesOptions {
  gateway: Gateway;
  clients: UpstreamClients;
}

/**
 * `POST /completions` (OpenAI's legacy text completions) under `/openai/v1`, whole or streamed
 * as server-sent events ending `data: [DONE]`, as hot-lane work through the gateway (the
 * caller's guards come from `openAiRoutes`). A prompt holds no media, so no URL check.
 *
 * @example
 * app.route('/', completionsRoutes({ gateway, clients }));
 */
export function completionsRoutes(options: CompletionsRoutesOptions) {
  const { gateway, clients } = options;
  const app = new Hono<{ Variables: TenantVariables }>();
  app.post('/completions', async (c) => {
    const read = await readJsonBody(c, openAiCompletionsBody, openAiInvalidBody);
    if (!read.ok) return read.response;
    const body = { ...read.data, stream: read.data.stream === true } as OpenAiCompletionsBody;
    try {
      const answer = await gateway.open(
        openAiCompletionsCall(clients, body, { tenant: c.get('tenant'), signal: c.req.raw.signal }),
      );
      if (!body.stream) return c.json(await wholeAnswer(answer.pieces), 200, answeredBy(answer));
      const events = pieceStream(answer.pieces, {
        encode: (piece) =>
          isUnrequestedUsageChunk(body, piece) ? undefined : `data: ${JSON.stringify(piece)}\n\n`,
        end: 'data: [DONE]\n\n',
        failure: openAiStreamFailure,
      });
      return new Response(events, {
        headers: { ...streamHeaders('text/event-stream'), ...answeredBy(answer) },
      });
    } catch (error) {
      return openAiFailure(c, error);
    }
  });
  return app;
}
