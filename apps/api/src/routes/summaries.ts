import { createSummaryBody, type HotJobData } from '@nightshift/core';
import { type DocumentLimits, inspectDocument, isDocumentError } from '@nightshift/documents';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { type HotLane, HotLaneError } from '../hot-lane.ts';
import type { TenantVariables } from '../middleware/tenant-auth.ts';
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

/**
 * `POST /v1/summaries`: the hot lane. One document, answered while the client waits.
 *
 * @example
 * app.route('/v1/summaries', summaryRoutes({ hotLane, waitMs: 120_000, ... }));
 */
export function summaryRoutes(options: SummaryRoutesOptions) {
  const app = new Hono<{ Variables: TenantVariables }>();
  app.post(
    '/',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) =>
        problem(c, 413, 'body-too-large', `The body is over ${options.maxBodyBytes} bytes.`),
    }),
    ...(options.guards ?? []),
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
