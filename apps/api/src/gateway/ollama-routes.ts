import {
  type Gateway,
  type OllamaBody,
  ollamaEmbedCall,
  ollamaGenerationCall,
  ollamaLoadAnswer,
} from '@nightshift/gateway';
import { type Context, Hono } from 'hono';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { ollamaChatBody, ollamaEmbedBody, ollamaGenerateBody } from './gateway-schemas.ts';
import {
  ollamaFailure,
  ollamaInvalidBody,
  ollamaRefusal,
  ollamaStreamFailure,
} from './ollama-dialect.ts';
import type { SurfaceRoutesOptions } from './openai-routes.ts';
import { pieceStream, streamHeaders } from './piece-stream.ts';
import { readJsonBody, wholeAnswer } from './read-body.ts';

/**
 * A load or unload request (no prompt) answered here, as Ollama answers a load: the shared model
 * server is the operators' to load and unload, so such a request never reaches it.
 */
async function answerLoad(c: Context, gateway: Gateway, model: string, answer: object) {
  if ((await gateway.pool.serving(model)).length === 0)
    return c.json({ error: `model '${model}' not found` }, 404);
  return c.json(answer);
}

/** What `/api/version` answers when no Ollama upstream says its own. */
const fallbackVersion = '0.12.0';

/**
 * The Ollama-compatible surface, mounted at `/ollama`: an Ollama host for any client. Chat,
 * generate (NDJSON streams unless `stream: false`) and embed go through the gateway as hot-lane
 * work; tags, ps and version describe the upstreams. Errors are Ollama's `{error}`.
 *
 * @example
 * app.route('/ollama', ollamaRoutes({ gateway, clients, guards }));
 */
export function ollamaRoutes(options: SurfaceRoutesOptions) {
  const { gateway, clients } = options;
  const { auth, interactive } = options.guards(ollamaRefusal);
  const app = new Hono<{ Variables: TenantVariables }>();
  // Clients probe the root to see whether a server runs; it says nothing else.
  app.on(['GET', 'HEAD'], '/', (c) => c.text('Ollama is running'));
  app.use('/api/*', auth);
  for (const path of ['/api/chat', '/api/generate', '/api/embed']) app.post(path, interactive);

  for (const shape of ['chat', 'generate'] as const) {
    const schema = shape === 'chat' ? ollamaChatBody : ollamaGenerateBody;
    app.post(`/api/${shape}`, async (c) => {
      const read = await readJsonBody(c, schema, ollamaInvalidBody);
      if (!read.ok) return read.response;
      const body = read.data as OllamaBody;
      const load = ollamaLoadAnswer(shape, body);
      if (load) return answerLoad(c, gateway, body.model, load);
      try {
        const answer = await gateway.open(
          ollamaGenerationCall(clients, shape, body, {
            tenant: c.get('tenant'),
            signal: c.req.raw.signal,
          }),
        );
        if (body.stream === false) return c.json(await wholeAnswer(answer.pieces));
        const lines = pieceStream(answer.pieces, {
          encode: (piece) => `${JSON.stringify(piece)}\n`,
          failure: ollamaStreamFailure,
        });
        return new Response(lines, { headers: streamHeaders('application/x-ndjson') });
      } catch (error) {
        return ollamaFailure(c, error);
      }
    });
  }

  app.post('/api/embed', async (c) => {
    const read = await readJsonBody(c, ollamaEmbedBody, ollamaInvalidBody);
    if (!read.ok) return read.response;
    const load = ollamaLoadAnswer('embed', read.data);
    if (load) return answerLoad(c, gateway, read.data.model, load);
    try {
      const call = ollamaEmbedCall(clients, read.data as OllamaBody, {
        tenant: c.get('tenant'),
        signal: c.req.raw.signal,
      });
      return c.json(await wholeAnswer((await gateway.open(call)).pieces));
    } catch (error) {
      return ollamaFailure(c, error);
    }
  });

  app.get('/api/tags', async (c) => {
    const models = await gateway.pool.models();
    return c.json({
      models: models.map((m) => ({
        name: m.id,
        model: m.id,
        modified_at: new Date(0).toISOString(),
        size: 0,
        digest: '',
        details: {
          format: '',
          family: '',
          families: null,
          parameter_size: '',
          quantization_level: '',
        },
      })),
    });
  });

  app.get('/api/ps', async (c) => {
    const ollamaUpstreams = gateway.pool.upstreams.filter((u) => u.kind === 'ollama');
    const lists = await Promise.all(
      ollamaUpstreams.map((u) =>
        clients
          .ollama(u, AbortSignal.timeout(5_000))
          .ps()
          .then((r) => r.models)
          .catch(() => []),
      ),
    );
    return c.json({ models: lists.flat() });
  });

  app.get('/api/version', async (c) => {
    const first = gateway.pool.upstreams.find((u) => u.kind === 'ollama');
    const version = first
      ? await clients
          .ollama(first, AbortSignal.timeout(5_000))
          .version()
          .then((v) => v.version)
          .catch(() => fallbackVersion)
      : fallbackVersion;
    return c.json({ version });
  });

  app.all('*', (c) => c.json({ error: `unknown route ${c.req.method} ${c.req.path}` }, 404));
  return app;
}
