import { type Components, problemResponses, unauthorized } from '../components.ts';
import type { SpecBuilder } from '../spec-builder.ts';

/** `POST /v1/summaries`: the hot lane, one document answered while the client waits. */
export function registerSummaryPaths(spec: SpecBuilder, c: Components): void {
  spec.registry.registerPath({
    method: 'post',
    path: '/v1/summaries',
    tags: ['summaries'],
    summary: 'Summarize one document now (hot lane)',
    description:
      'Waits for the summary (default up to 120 s). Rate limited per tenant (default 12/min, burst 3): `429` with `Retry-After` and `RateLimit-*`. `503` with `Retry-After` when the GPU cannot take it (VRAM over the threshold, lane full, every model down).',
    security: [{ bearer: [] }],
    request: {
      body: {
        required: true,
        content: spec.media('POST /v1/summaries', 'request', {
          'application/json': {
            schema: c.CreateSummary,
            examples: {
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
            },
          },
        }),
      },
    },
    responses: {
      200: {
        description: 'The summary; `degraded` is true when a fallback model answered.',
        content: spec.media('POST /v1/summaries', 200, {
          'application/json': {
            schema: c.Summary,
            examples: {
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
          },
        }),
      },
      ...problemResponses(spec, c, 'POST /v1/summaries', {
        ...unauthorized,
        400: {
          description: 'The body is not valid JSON.',
          slug: 'malformed-json',
          detail: 'The body is not valid JSON.',
        },
        413: {
          description: 'Body too large.',
          slug: 'body-too-large',
          detail: 'The body is over 14745600 bytes.',
        },
        422: {
          description: 'Invalid fields or an unreadable document.',
          slug: 'validation-error',
          detail: '(body): give exactly one of text or pdf',
        },
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
}
