import { anthropicCountTokensBodySchema, anthropicMessagesBodySchema } from '@nightshift/core';
import {
  type AnthropicMessagesBody,
  type AnthropicPiece,
  anthropicMessagesCall,
  estimateAnthropicTokens,
  speaksAnthropic,
} from '@nightshift/gateway';
import { Hono } from 'hono';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import {
  anthropicFailure,
  anthropicInvalidBody,
  anthropicNotFound,
  anthropicRefusal,
  anthropicStreamFailure,
} from './anthropic-dialect.ts';
import { anthropicModelPage, anthropicModelQuery, modelInfo } from './anthropic-models.ts';
import type { SurfaceRoutesOptions } from './openai-routes.ts';
import { pieceStream, streamHeaders } from './piece-stream.ts';
import { answeredBy, readJsonBody, wholeAnswer } from './read-body.ts';

/**
 * One stream event as SSE, named by its type. `ping` follows `message_start`, as Anthropic
 * sends it (an upstream's own pings are dropped by its client).
 */
function sseEvent(piece: AnthropicPiece): string {
  const event = `event: ${piece.type}\ndata: ${JSON.stringify(piece)}\n\n`;
  return piece.type === 'message_start' ? `${event}event: ping\ndata: {"type": "ping"}\n\n` : event;
}

/** How long `count_tokens` waits for an upstream that counts natively before estimating. */
const countTimeoutMs = 5_000;

/**
 * The Anthropic surface, mounted at `/anthropic`: an Anthropic base URL for any client
 * (`ANTHROPIC_BASE_URL=<api>/anthropic`). Messages (whole, or streamed as named SSE events) go
 * through the gateway as hot-lane work; `count_tokens` asks an upstream that speaks Anthropic,
 * else estimates; models are listed by name. The key comes as `x-api-key` or a bearer token;
 * every failure answers in Anthropic's error shape.
 *
 * @example
 * app.route('/anthropic', anthropicRoutes({ gateway, clients, guards, mediaUrls }));
 */
export function anthropicRoutes(options: SurfaceRoutesOptions) {
  const { gateway, clients } = options;
  const { auth, interactive } = options.guards(anthropicRefusal, { keyHeader: 'x-api-key' });
  const app = new Hono<{ Variables: TenantVariables }>();
  app.use('/v1/*', auth);
  for (const path of ['/v1/messages', '/v1/messages/count_tokens']) app.post(path, interactive);

  app.post('/v1/messages', async (c) => {
    const read = await readJsonBody(c, anthropicMessagesBodySchema, anthropicInvalidBody);
    if (!read.ok) return read.response;
    const body = read.data as AnthropicMessagesBody;
    try {
      const answer = await gateway.open(
        anthropicMessagesCall(clients, body, { tenant: c.get('tenant'), signal: c.req.raw.signal }),
      );
      if (body.stream !== true)
        return c.json(await wholeAnswer(answer.pieces), 200, answeredBy(answer));
      const events = pieceStream(answer.pieces, {
        encode: sseEvent,
        failure: anthropicStreamFailure,
      });
      return new Response(events, {
        headers: { ...streamHeaders('text/event-stream'), ...answeredBy(answer) },
      });
    } catch (error) {
      return anthropicFailure(c, error);
    }
  });

  app.post('/v1/messages/count_tokens', async (c) => {
    const read = await readJsonBody(c, anthropicCountTokensBodySchema, anthropicInvalidBody);
    if (!read.ok) return read.response;
    const body = read.data as AnthropicMessagesBody;
    const servers = await gateway.pool.serving(body.model);
    if (servers.length === 0)
      return anthropicNotFound(c, `model: ${body.model} does not exist on this gateway`);
    // An upstream that speaks Anthropic counts with its own tokenizer; failing that, estimated.
    for (const upstream of gateway.pool.ranked(servers.filter(speaksAnthropic))) {
      try {
        const counted = await clients.anthropic(upstream).messages.countTokens(body as never, {
          signal: AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(countTimeoutMs)]),
        });
        if (Number.isInteger(counted.input_tokens))
          return c.json({ input_tokens: counted.input_tokens });
      } catch {
        // Not every server that speaks Messages counts tokens (Ollama has no count_tokens).
      }
    }
    return c.json({ input_tokens: estimateAnthropicTokens(body) });
  });

  // Model names only: which servers run a model is the operators' to know.
  app.get('/v1/models', async (c) => {
    const query = anthropicModelQuery.safeParse(c.req.query());
    if (!query.success) return anthropicInvalidBody(c, query.error.issues);
    const ids = (await gateway.pool.models()).map((m) => m.id);
    return c.json(anthropicModelPage(ids, query.data));
  });
  app.get('/v1/models/:model{.+}', async (c) => {
    const id = c.req.param('model');
    const found = (await gateway.pool.models()).some((m) => m.id === id);
    if (!found) return anthropicNotFound(c, `model: ${id} does not exist on this gateway`);
    return c.json(modelInfo(id));
  });

  if (options.batchRoutes) app.route('/v1/messages/batches', options.batchRoutes);

  app.all('*', (c) => anthropicNotFound(c, `Unknown request URL: ${c.req.method} ${c.req.path}.`));
  return app;
}
