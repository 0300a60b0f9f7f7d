import {
  type Gateway,
  type MediaUrlPolicy,
  type OpenAiChatBody,
  type OpenAiEmbeddingsBody,
  openAiChatCall,
  openAiChatPassthroughCall,
  openAiEmbeddingsCall,
  type SsePiece,
  type UpstreamClients,
} from '@nightshift/gateway';
import { Hono, type MiddlewareHandler } from 'hono';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import type { RefusalRenderer } from '../problem.ts';
import { completionsRoutes } from './completions-routes.ts';
import { directStream } from './direct-stream.ts';
import { openAiChatBody, openAiEmbeddingsBody } from './gateway-schemas.ts';
import { refuseMediaUrls } from './media-url-guard.ts';
import {
  openAiErrorBody,
  openAiFailure,
  openAiInvalidBody,
  openAiRefusal,
  openAiStreamFailure,
} from './openai-dialect.ts';
import { type PieceStreamOptions, pieceStream, streamHeaders } from './piece-stream.ts';
import { answeredBy, readJsonBody, wholeAnswer } from './read-body.ts';
import { responsesRoutes } from './responses-routes.ts';

/** How the passed-through events of a streamed chat go out. */
const passedEvents: PieceStreamOptions<SsePiece> = {
  encode: (piece) => piece.sse || undefined,
  end: 'data: [DONE]\n\n',
  failure: openAiStreamFailure,
};

/** The guards of one surface, built to refuse in its dialect. */
export type SurfaceGuards = (
  refuse: RefusalRenderer,
  /** `keyHeader`: a header carrying the key besides the bearer token (`x-api-key`). */
  surface?: { keyHeader?: string },
) => {
  /** Bearer key → tenant. */
  auth: MiddlewareHandler<{ Variables: TenantVariables }>;
  /** What every interactive call passes after auth: the hot rate limit, the body size limit. */
  interactive: MiddlewareHandler<{ Variables: TenantVariables }>;
};

/** Options of {@link openAiRoutes}. */
export interface SurfaceRoutesOptions {
  gateway: Gateway;
  clients: UpstreamClients;
  guards: SurfaceGuards;
  /** Media URLs a body may send the model server, which fetches them (`NIGHTSHIFT_MEDIA_URLS`). */
  mediaUrls: MediaUrlPolicy;
  /** Files and batches (`openAiBatchRoutes`), mounted behind the same key check. */
  batchRoutes?: Hono<{ Variables: TenantVariables }>;
}

/**
 * The OpenAI-compatible surface, mounted at `/openai/v1`: an OpenAI base URL for any client.
 * Chat completions, the Responses API and legacy text completions (each whole or streamed as
 * server-sent events) and embeddings go through the gateway as hot-lane work; every failure
 * answers in OpenAI's error shape.
 *
 * @example
 * app.route('/openai/v1', openAiRoutes({ gateway, clients, guards }));
 */
export function openAiRoutes(options: SurfaceRoutesOptions) {
  const { gateway, clients } = options;
  const { auth, interactive } = options.guards(openAiRefusal);
  const app = new Hono<{ Variables: TenantVariables }>();
  app.use(auth);
  for (const path of ['/chat/completions', '/embeddings', '/responses', '/completions'])
    app.post(path, interactive);

  app.post('/chat/completions', async (c) => {
    const read = await readJsonBody(c, openAiChatBody, openAiInvalidBody);
    if (!read.ok) return read.response;
    const mediaRefused = await refuseMediaUrls(c, options.mediaUrls, read.data);
    if (mediaRefused) return mediaRefused;
    const body = { ...read.data, stream: read.data.stream === true } as OpenAiChatBody;
    const context = { tenant: c.get('tenant'), signal: c.req.raw.signal };
    try {
      if (!body.stream) {
        const answer = await gateway.open(openAiChatCall(clients, body, context));
        return c.json(await wholeAnswer(answer.pieces), 200, answeredBy(answer));
      }
      // The upstream speaks this surface's dialect: its events pass through as it wrote them.
      const answer = await gateway.open(openAiChatPassthroughCall(clients, body, context));
      const headers = { ...streamHeaders('text/event-stream'), ...answeredBy(answer) };
      return (
        directStream(c, answer, headers, passedEvents) ??
        new Response(pieceStream(answer.pieces, passedEvents), { headers })
      );
    } catch (error) {
      return openAiFailure(c, error);
    }
  });

  app.post('/embeddings', async (c) => {
    const read = await readJsonBody(c, openAiEmbeddingsBody, openAiInvalidBody);
    if (!read.ok) return read.response;
    // vLLM embeds chat `messages` too (multimodal embedding models), media parts included.
    const mediaRefused = await refuseMediaUrls(c, options.mediaUrls, read.data);
    if (mediaRefused) return mediaRefused;
    try {
      const call = openAiEmbeddingsCall(clients, read.data as OpenAiEmbeddingsBody, {
        tenant: c.get('tenant'),
        signal: c.req.raw.signal,
      });
      const answer = await gateway.open(call);
      return c.json(await wholeAnswer(answer.pieces), 200, answeredBy(answer));
    } catch (error) {
      return openAiFailure(c, error);
    }
  });

  // Which servers run a model is the operators' to know (upstream ids name host and port).
  const modelObject = (m: { id: string }) => ({
    id: m.id,
    object: 'model' as const,
    created: 0,
    owned_by: 'nightshift',
  });
  app.get('/models', async (c) => {
    const models = await gateway.pool.models();
    return c.json({ object: 'list', data: models.map(modelObject) });
  });
  app.get('/models/:model{.+}', async (c) => {
    const id = c.req.param('model');
    const found = (await gateway.pool.models()).find((m) => m.id === id);
    if (!found)
      return c.json(
        openAiErrorBody(
          `The model '${id}' does not exist`,
          'invalid_request_error',
          'model',
          'model_not_found',
        ),
        404,
      );
    return c.json(modelObject(found));
  });

  app.route('/', responsesRoutes(options));
  app.route('/', completionsRoutes(options));
  if (options.batchRoutes) app.route('/', options.batchRoutes);

  app.all('*', (c) =>
    c.json(
      openAiErrorBody(
        `Unknown request URL: ${c.req.method} ${c.req.path}.`,
        'invalid_request_error',
        null,
        'unknown_url',
      ),
      404,
    ),
  );
  return app;
}
