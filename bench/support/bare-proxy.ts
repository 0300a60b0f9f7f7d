/**
 * The gateway benchmark's floor: the least a proxy can do, a Hono route on @hono/node-server
 * that forwards the chat completion body to `UPSTREAM` with fetch and streams the answer's
 * bytes back untouched (no auth, no limits, no parsing). Run as its own process, like the API;
 * prints `proxy listening <port>`.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const upstream = process.env.UPSTREAM ?? 'http://127.0.0.1:11434/v1';
const app = new Hono();
app.post('/v1/chat/completions', async (c) => {
  const answer = await fetch(`${upstream}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: await c.req.text(),
    signal: c.req.raw.signal,
  });
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
});
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  console.log(`proxy listening ${info.port}`);
});
