/**
 * The API benchmark's baseline: a bare Hono route on @hono/node-server that parses the JSON
 * body and answers 202, nothing else. Run as its own process, like the API; prints
 * `bare listening <port>`.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/v1/batches', async (c) => {
  const body = (await c.req.json()) as { documents?: unknown[] };
  return c.json({ accepted: body.documents?.length ?? 0 }, 202);
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
  console.log(`bare listening ${info.port}`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
