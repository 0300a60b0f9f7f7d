import { extendZodWithOpenApi, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// The registry names schemas through `.openapi(name)`; core's schemas are plain zod, so the
// shared zod prototype gets the method once (idempotent, @hono/zod-openapi does the same).
extendZodWithOpenApi(z);

/** An example placed in the document, kept with the zod schema it must satisfy. */
export interface CheckedExample {
  /** Where it sits, e.g. `POST /v1/batches request application/json: two-texts`. */
  where: string;
  schema: z.ZodType;
  value: unknown;
}

/** A media-type entry of a body: its schema and named examples. */
export interface MediaSpec {
  schema: z.ZodType;
  /** Named examples; each is validated against `schema` by the completeness test. */
  examples?: Record<string, { summary?: string; value: unknown }>;
  /** When the payload is not the schema itself (NDJSON lines), the schema each example obeys. */
  exampleSchema?: z.ZodType;
}

/**
 * The registry paths are added to, plus the example bookkeeping the completeness test reads.
 * Path modules only call {@link SpecBuilder.media} and `registry.registerPath`.
 *
 * @example
 * const spec = new SpecBuilder();
 * spec.registry.registerPath({ method: 'get', path: '/healthz', responses: { 200: { description: 'up', content: spec.media('GET /healthz', 200, { 'application/json': { schema } }) } } });
 */
export class SpecBuilder {
  readonly registry = new OpenAPIRegistry();
  readonly examples: CheckedExample[] = [];

  /**
   * Registers a named (`$ref`) schema. Schemas built before `extendZodWithOpenApi` ran (all of
   * core's) lack `.openapi()`, because zod 4 copies prototype methods at construction: a fresh
   * instance of the same definition has it.
   */
  register<T extends z.ZodType>(name: string, schema: T): T {
    const Fresh = schema.constructor as new (def: unknown) => T;
    return this.registry.register(name, new Fresh(schema._zod.def));
  }

  /** A `content` object whose examples are remembered for validation. */
  media(where: string, status: number | 'request', content: Record<string, MediaSpec>) {
    const out: Record<string, { schema: z.ZodType; examples?: MediaSpec['examples'] }> = {};
    for (const [type, spec] of Object.entries(content)) {
      for (const [name, example] of Object.entries(spec.examples ?? {})) {
        this.examples.push({
          where: `${where} ${status} ${type}: ${name}`,
          schema: spec.exampleSchema ?? spec.schema,
          value: example.value,
        });
      }
      out[type] = { schema: spec.schema, ...(spec.examples ? { examples: spec.examples } : {}) };
    }
    return out;
  }
}
