import { createNightshiftClient, type NightshiftClient } from '@nightshift/client';
import { CliError, ExitCode } from './exit-codes.ts';

/** Options of {@link ApiClient}. */
export interface ApiClientOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** Bearer key; requests fail with a usage error when it is missing. */
  key: string | undefined;
  /** Where problem+json bodies of failed requests are printed. */
  stderr: NodeJS.WritableStream;
}

/** One answer of the typed client (openapi-fetch's `{ data, error, response }`). */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The CLI's side of `@nightshift/client`: every call goes through the typed client generated
 * from the API's `/openapi.json`, and every failure becomes a {@link CliError} with the
 * documented exit code: 4 when nothing answers, 2 (problem+json printed to stderr) for any
 * non-2xx, 1 without a key.
 *
 * @example
 * const api = new ApiClient({ baseUrl, key, stderr: process.stderr });
 * const batch = await api.call((c) => c.GET('/v1/batches/{id}', { params: { path: { id } } }));
 */
export class ApiClient {
  #client: NightshiftClient | undefined;

  constructor(private readonly options: ApiClientOptions) {}

  /** Sends one request with the typed client and returns its (2xx) data. */
  async call<T>(send: (client: NightshiftClient) => Promise<Answer<T>>): Promise<T> {
    const answer = await this.#send(send);
    if (answer.response.ok) return answer.data as T;
    this.#reportProblem(answer);
    throw new CliError(ExitCode.apiError, '');
  }

  async #send<T>(send: (client: NightshiftClient) => Promise<Answer<T>>): Promise<Answer<T>> {
    if (!this.options.key) {
      throw new CliError(ExitCode.usage, 'No API key: pass --key or set NIGHTSHIFT_API_KEY.');
    }
    this.#client ??= createNightshiftClient({
      baseUrl: this.options.baseUrl,
      apiKey: this.options.key,
    });
    try {
      return await send(this.#client);
    } catch (error) {
      throw new CliError(
        ExitCode.apiUnreachable,
        `Cannot reach the API at ${this.options.baseUrl}: ${describeFetchError(error)}`,
      );
    }
  }

  #reportProblem({ error, response }: Answer<unknown>) {
    // The client parses a JSON error body; anything else (a proxy's HTML page, say) arrives as
    // text and still gives the script something structured.
    const problem =
      typeof error === 'object' && error !== null
        ? error
        : {
            type: 'about:blank',
            title: response.statusText || 'HTTP error',
            status: response.status,
            detail: String(error ?? '').slice(0, 500),
          };
    const path = new URL(response.url).pathname;
    this.options.stderr.write(`${path} answered ${response.status}\n`);
    this.options.stderr.write(`${JSON.stringify(problem, null, 2)}\n`);
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
