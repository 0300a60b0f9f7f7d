import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { registerComponents } from './components.ts';
import { registerBatchPaths } from './paths/batches.ts';
import { registerExtensionPaths } from './paths/extensions.ts';
import { registerOperationPaths } from './paths/operations.ts';
import { registerSummaryPaths } from './paths/summaries.ts';
import { registerUsagePaths } from './paths/usage.ts';
import { registerWorkerPaths } from './paths/workers.ts';
import { type CheckedExample, SpecBuilder } from './spec-builder.ts';

/**
 * One module per route file, each describing its routes next to the shared components. A new
 * route file gets a `paths/<name>.ts` with a `register…Paths(spec, components)` added here;
 * the completeness test (`openapi.test.ts`) fails until it does.
 */
const pathModules = [
  registerOperationPaths,
  registerBatchPaths,
  registerSummaryPaths,
  registerUsagePaths,
  registerWorkerPaths,
  registerExtensionPaths,
];

/** The generated document and every example in it with the schema it must satisfy. */
export interface BuiltDocument {
  document: ReturnType<OpenApiGeneratorV31['generateDocument']>;
  examples: CheckedExample[];
}

let built: BuiltDocument | undefined;

/**
 * Builds the OpenAPI 3.1 document of the public contract from packages/core's zod schemas
 * (once per process: the schemas are static).
 *
 * @example
 * const { document } = buildOpenApiDocument();
 * document.paths?.['/v1/batches']?.post;
 */
export function buildOpenApiDocument(): BuiltDocument {
  if (built) return built;
  const spec = new SpecBuilder();
  const components = registerComponents(spec);
  for (const register of pathModules) register(spec, components);
  const document = new OpenApiGeneratorV31(spec.registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Nightshift API',
      version: '1.0.0',
      description:
        'Batch LLM summarization on idle GPUs. Batches wait in a cold lane drained in off-peak windows; the hot lane answers one document at any hour. Errors are `application/problem+json` (RFC 9457).',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'batches', description: 'Cold lane: batches of documents, results, cancel.' },
      { name: 'summaries', description: 'Hot lane: one document, answered now.' },
      { name: 'usage', description: 'Documents and tokens per tenant and period.' },
      { name: 'workers', description: 'The GPU fleet.' },
      { name: 'schedules', description: 'Night batches from cron schedules.' },
      { name: 'deliveries', description: 'The webhook delivery log, retries and replay.' },
      { name: 'webhooks', description: 'The per-tenant webhook signing secret.' },
      { name: 'operations', description: 'Health, readiness, metrics, this document.' },
    ],
  });
  built = { document, examples: spec.examples };
  return built;
}
