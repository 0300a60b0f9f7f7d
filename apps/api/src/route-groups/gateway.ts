import { every } from 'hono/combine';
import { anthropicBatchRoutes } from '../gateway/anthropic-batch-routes.ts';
import { anthropicRefusal } from '../gateway/anthropic-dialect.ts';
import { anthropicRoutes } from '../gateway/anthropic-routes.ts';
import { ollamaRoutes } from '../gateway/ollama-routes.ts';
import { openAiBatchRoutes } from '../gateway/openai-batch-routes.ts';
import { openAiRefusal } from '../gateway/openai-dialect.ts';
import { openAiRoutes, type SurfaceGuards } from '../gateway/openai-routes.ts';
import { streamedBodyLimit } from '../middleware/streamed-body-limit.ts';
import { tenantAuth } from '../middleware/tenant-auth.ts';
import type { AppContext } from './app-context.ts';
import type { RouteGroup } from './route-group.ts';

/**
 * The guards of every gateway surface, each refusing in its own dialect. The rate limit is the
 * hot lane's, shared with /v1/summaries, so a tenant's interactive budget is one whichever way
 * it calls.
 */
function surfaceGuards(context: AppContext): SurfaceGuards {
  const { config, managedKeys, keyFailures, interactiveMaxBytes: maxBytes } = context;
  const lookup = (key: string) => managedKeys.resolve(key);
  return (refuse, surface) => ({
    auth: tenantAuth({
      keys: config.NIGHTSHIFT_API_KEYS,
      lookup,
      refuse,
      failures: keyFailures,
      ...(surface?.keyHeader ? { keyHeader: surface.keyHeader } : {}),
    }),
    interactive: every(
      context.rateLimit('hot', refuse),
      streamedBodyLimit({
        maxBytes,
        onTooLarge: (c) =>
          refuse(c, {
            status: 413,
            code: 'too-large',
            detail: `The request body is over ${maxBytes} bytes.`,
          }),
      }),
    ),
  });
}

/**
 * `/openai/v1`, `/ollama` and `/anthropic`: the interactive gateway, with the files and batches
 * of the first and the Message Batches of the last when those are wired. Absent without a gateway.
 */
export const gatewayGroup: RouteGroup = {
  name: 'gateway',
  mount: (app, context) => {
    const { deps, config } = context;
    if (!deps.gateway) return;
    const guards = surfaceGuards(context);
    // Uploads and batch creates of both surfaces spend the bucket of POST /v1/batches: one
    // submission budget per tenant whichever surface it uses.
    const batchRoutes =
      deps.openAiBatches &&
      openAiBatchRoutes({
        ...deps.openAiBatches,
        limits: {
          maxBytes: config.NIGHTSHIFT_OPENAI_FILE_MAX_BYTES,
          maxLines: config.NIGHTSHIFT_OPENAI_BATCH_MAX_LINES,
        },
        checkWebhookUrl: deps.checkWebhookUrl,
        maxUnfinished: context.maxUnfinished,
        storageQuota: context.storageQuota,
        submissionGuard: context.rateLimit('batch', openAiRefusal),
      });
    app.route(
      '/openai/v1',
      openAiRoutes({ ...deps.gateway, guards, ...(batchRoutes ? { batchRoutes } : {}) }),
    );
    app.route('/ollama', ollamaRoutes({ ...deps.gateway, guards }));
    const messageBatchRoutes =
      deps.anthropicBatches &&
      anthropicBatchRoutes({
        batches: deps.anthropicBatches,
        // The requests are parsed whole, then stored as a file.
        maxBodyBytes: Math.min(
          config.NIGHTSHIFT_MAX_BODY_BYTES,
          config.NIGHTSHIFT_OPENAI_FILE_MAX_BYTES,
        ),
        checkWebhookUrl: deps.checkWebhookUrl,
        maxUnfinished: context.maxUnfinished,
        storageQuota: context.storageQuota,
        submissionGuard: context.rateLimit('batch', anthropicRefusal),
      });
    app.route(
      '/anthropic',
      anthropicRoutes({
        ...deps.gateway,
        guards,
        ...(messageBatchRoutes ? { batchRoutes: messageBatchRoutes } : {}),
      }),
    );
  },
};
