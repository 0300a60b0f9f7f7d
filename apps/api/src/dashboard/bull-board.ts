import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import { Hono } from 'hono';
import { jsonBodiesOnly } from '../middleware/json-bodies-only.ts';
import { bullBoardSecurity } from './page-security.ts';

/** Options of {@link bullBoardApp}. */
export interface BullBoardAppOptions {
  queues: Queue[];
  /** Where the app is mounted, e.g. `/admin/queues`: the UI builds its links and API calls from it. */
  basePath: string;
}

/**
 * Bull Board for Nightshift's queues, as a Hono app to mount at `basePath` (behind the admin
 * guard: its API and its static assets alike). Its UI and assets come from `@bull-board/ui`.
 * It answers with its own CSP, and its API takes JSON bodies only: the adapter parses any
 * body as JSON whatever its declared type, which would let a `text/plain` form add jobs.
 *
 * @example
 * app.route('/admin/queues', bullBoardApp({ queues, basePath: '/admin/queues' }));
 */
export function bullBoardApp(options: BullBoardAppOptions) {
  const ui = dirname(createRequire(import.meta.url).resolve('@bull-board/ui/package.json'));
  const adapter = new HonoAdapter(serveStatic).setBasePath(options.basePath);
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter: adapter,
    options: {
      uiBasePath: ui,
      uiConfig: { boardTitle: 'Nightshift queues' },
    },
  });
  const app = new Hono();
  app.use('*', bullBoardSecurity());
  app.use('*', jsonBodiesOnly());
  // The UI asks Google Fonts for its typeface; Nightshift pages load nothing from outside.
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.get('content-type')?.includes('text/html')) return;
    const page = (await c.res.text()).replace(/<link[^>]+fonts\.googleapis\.com[^>]*>/g, '');
    const headers = new Headers(c.res.headers);
    headers.delete('content-length');
    c.res = new Response(page, { status: c.res.status, headers });
  });
  app.route('/', adapter.registerPlugin());
  return app;
}
