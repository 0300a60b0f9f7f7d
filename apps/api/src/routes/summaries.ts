import { createRoute } from '@hono/zod-openapi';
import { createSummaryBody, type HotJobData, summaryResponse } from '@nightshift/core';
import { type DocumentLimits, inspectDocument, isDocumentError } from '@nightshift/documents';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { type HotLane, HotLaneError } from '../hot-lane.ts';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
import { apiRouter, serveRoute } from '../openapi/api-router.ts';
import {
  bearerSecurity,
  invalid,
  jsonBody,
  jsonResponse,
  malformedJson,
  problemResponses,
  unauthorized,
} from '../openapi/responses.ts';
import { ProblemError, problem, validationProblem } from '../problem.ts';

/** Options of {@link summaryRoutes}. */
export interface SummaryRoutesOptions {
  hotLane: HotLane;
  /** How long a request waits for its summary (the gateway read timeout). */
  waitMs: number;
  defaultModel: string;
  documentLimits: Partial<DocumentLimits>;
  maxBodyBytes: number;
  /** Runs before a job is queued: rate limits and hot-lane admission (503 when full). */
  guards?: MiddlewareHandler<{ Variables: TenantVariables }>[];
}

const createSummary = createRoute({
  method: 'post',
  path: '/',
  tags: ['summaries'],
  summary: 'Summarize one document now (hot lane)',
  description:
    'Waits for the summary (default up to 120 s). Rate limited per tenant (default 12/min, burst 3): `429` with `Retry-After` and `RateLimit-*`. `503` with `Retry-After` when the GPU cannot take it (VRAM over the threshold, lane full, every model down).',
  security: bearerSecurity,
  request: {
    body: jsonBody(createSummaryBody.meta({ id: 'CreateSummary' }), {
      text: {
        value: {
          text: 'Incident report: at 02:14 the primary database…',
          summary: { maxWords: 60, style: 'bullets' },
        },
      },
      pdf: {
        value: {
          pdf: 'JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNj4+CnN0cmVhbQo=',
          model: 'qwen2:7b',
        },
      },
    }),
  },
  responses: {
    200: jsonResponse(
      'The summary; `degraded` is true when a fallback model answered.',
      summaryResponse.meta({ id: 'Summary' }),
      {
        summary: {
          value: {
            summary: '- Primary database failed over at 02:14\n- No data lost',
            model: 'qwen3:32b',
            degraded: false,
            usage: { promptTokens: 412, completionTokens: 38 },
            durationMs: 2310,
          },
        },
      },
    ),
    ...problemResponses({
      ...unauthorized,
      ...malformedJson,
      413: {
        description: 'Body too large.',
        slug: 'body-too-large',
        detail: 'The body is over 14745600 bytes.',
      },
      ...invalid(
        'Invalid fields or an unreadable document.',
        '(body): give exactly one of text or pdf',
      ),
      429: {
        description: 'Over the hot-lane rate limit; see `Retry-After`.',
        slug: 'rate-limited',
        detail: 'Over the hot limit of 12/min (burst 3); retry in 5 s.',
      },
      503: {
        description:
          'The GPU cannot take it now (VRAM, lane full, models down); see `Retry-After`.',
        slug: 'hot-lane-unavailable',
        detail: 'GPU memory is 96.2% used (limit 95%).',
      },
      504: {
        description: 'No answer within the wait.',
        slug: 'summary-timeout',
        detail: 'No summary within 120 s.',
      },
    }),
  },
});

/**
 * `POST /v1/summaries`: the hot lane. One document, answered while the client waits.
 *
 * @example
 * app.route('/v1/summaries', summaryRoutes({ hotLane, waitMs: 120_000, ... }));
 */
export function summaryRoutes(options: SummaryRoutesOptions) {
  const app = apiRouter<{ Variables: TenantVariables }>();
  const limit = bodyLimit({
    maxSize: options.maxBodyBytes,
    onError: (c) =>
      problem(c, 413, 'body-too-large', `The body is over ${options.maxBodyBytes} bytes.`),
  });
  serveRoute(
    app,
    { ...createSummary, middleware: [limit, ...(options.guards ?? [])] },
    async (c) => {
      let json: unknown;
      try {
        json = await c.req.json();
      } catch {
        throw new ProblemError(400, 'malformed-json', 'The body is not valid JSON.');
      }
      const parsed = createSummaryBody.safeParse(json);
      if (!parsed.success) throw validationProblem(parsed.error);
      const body = parsed.data;
      let content: HotJobData['content'];
      try {
        const document = inspectDocument(
          body.text !== undefined
            ? { text: body.text }
            : { kind: 'pdf', bytes: Buffer.from(body.pdf as string, 'base64') },
          options.documentLimits,
        );
        content =
          document.kind === 'text'
            ? { kind: 'text', text: document.text }
            : { kind: 'pdf', base64: Buffer.from(document.bytes).toString('base64') };
      } catch (error) {
        if (!isDocumentError(error)) throw error;
        throw new ProblemError(422, `document-${error.code.replaceAll('_', '-')}`, error.message, {
          code: error.code,
        });
      }
      try {
        const answer = await options.hotLane.summarize(
          {
            tenant: c.get('tenant'),
            model: body.model ?? options.defaultModel,
            summary: body.summary ?? {},
            content,
          },
          options.waitMs,
        );
        return c.json(answer);
      } catch (error) {
        if (!(error instanceof HotLaneError)) throw error;
        if (error.kind === 'document') {
          throw new ProblemError(
            422,
            `document-${(error.code ?? 'invalid').replaceAll('_', '-')}`,
            error.message,
            {
              code: error.code,
            },
          );
        }
        if (error.kind === 'timeout') throw new ProblemError(504, 'summary-timeout', error.message);
        throw new ProblemError(
          503,
          'summary-failed',
          `The model could not answer: ${error.message}`,
          {},
          {
            'retry-after': '10',
          },
        );
      }
    },
  );
  return app;
}
