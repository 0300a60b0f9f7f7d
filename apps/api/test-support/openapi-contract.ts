import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/** The parts of an OpenAPI 3.1 document the contract checks read. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

interface MediaType {
  schema?: object;
  examples?: Record<string, { value: unknown }>;
}

interface Operation {
  parameters?: { name: string; in: string; schema?: object; example?: unknown }[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<
    string,
    { headers?: Record<string, unknown>; content?: Record<string, MediaType> }
  >;
}

const methods = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Test-only: checks real answers against the served OpenAPI document, as a client generated
 * from it would see them: the status must be declared for the operation, the content type
 * declared for that status, every declared header present, and the body valid against the
 * declared schema (JSON Schema 2020-12, with Ajv; NDJSON line by line). Remembers which
 * statuses of which operations were seen, so a test can require every operation covered.
 */
export class OpenApiContract {
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  readonly #validators = new Map<object, ValidateFunction>();
  /** `GET /v1/batches` → statuses seen. */
  readonly seen = new Map<string, Set<number>>();

  constructor(readonly document: OpenApiDocument) {}

  /** Every operation of the document, as `METHOD /path/{param}`. */
  operations(): string[] {
    return Object.entries(this.document.paths).flatMap(([path, item]) =>
      methods.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`),
    );
  }

  /** A validator for a schema of the document, its `#/components/…` references resolved. */
  validator(schema: object): ValidateFunction {
    let validate = this.#validators.get(schema);
    if (!validate) {
      validate = this.#ajv.compile({ ...schema, components: this.document.components ?? {} });
      this.#validators.set(schema, validate);
    }
    return validate;
  }

  /** Errors of `value` against `schema`, as one line each; empty when valid. */
  errors(schema: object, value: unknown): string[] {
    const validate = this.validator(schema);
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  }

  /**
   * Checks one real answer of `METHOD template` and returns its body (parsed when JSON). Throws
   * with what is wrong: an undeclared status or content type, a missing header, a body that
   * does not match.
   */
  async check(operation: string, response: Response): Promise<unknown> {
    const [method = '', path = ''] = operation.split(' ');
    const described = this.document.paths[path]?.[method.toLowerCase()];
    if (!described) throw new Error(`${operation} is not in the document`);
    const status = response.status;
    const statuses = this.seen.get(operation) ?? new Set<number>();
    this.seen.set(operation, statuses.add(status));
    const text = await response.text();
    const declared = described.responses[String(status)];
    if (!declared) {
      throw new Error(
        `${operation} answered ${status}, which the document does not declare (${Object.keys(described.responses).join(', ')}): ${text.slice(0, 200)}`,
      );
    }
    for (const header of Object.keys(declared.headers ?? {})) {
      if (!response.headers.has(header)) {
        throw new Error(`${operation} ${status} lacks the declared header ${header}`);
      }
    }
    if (!declared.content) return text;
    const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    const media = declared.content[type];
    if (!media) {
      throw new Error(
        `${operation} ${status} answered ${type}; declared: ${Object.keys(declared.content).join(', ')}`,
      );
    }
    const values =
      type === 'application/x-ndjson'
        ? text
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as unknown)
        : [type.endsWith('json') ? (JSON.parse(text) as unknown) : text];
    for (const value of values) {
      const problems = media.schema ? this.errors(media.schema, value) : [];
      if (problems.length > 0) {
        throw new Error(
          `${operation} ${status} ${type} does not match its schema: ${problems.join('; ')}\n${JSON.stringify(value).slice(0, 400)}`,
        );
      }
    }
    return type === 'application/x-ndjson' ? values : values[0];
  }
}
