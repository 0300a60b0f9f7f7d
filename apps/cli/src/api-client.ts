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

/** Options of one {@link ApiClient.request}. */
export interface RequestOptions {
  /** JSON-serialised unless it is a `FormData`. */
  body?: unknown;
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | undefined>;
}

/**
 * A thin fetch wrapper that turns every failure into a {@link CliError} with the documented
 * exit code: 4 when nothing answers, 2 (problem+json printed to stderr) for any non-2xx.
 *
 * @example
 * const api = new ApiClient({ baseUrl, key, stderr: process.stderr });
 * const batch = await (await api.request('GET', `/v1/batches/${id}`)).json();
 */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  /** Sends a request and returns the (2xx) response. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    if (!this.options.key) {
      throw new CliError(ExitCode.usage, 'No API key: pass --key or set NIGHTSHIFT_API_KEY.');
    }
    const url = new URL(path, this.options.baseUrl);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.key}` };
    let body: FormData | string | undefined;
    if (options.body instanceof FormData) body = options.body;
    else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body });
    } catch (error) {
      throw new CliError(
        ExitCode.apiUnreachable,
        `Cannot reach the API at ${this.options.baseUrl}: ${describeFetchError(error)}`,
      );
    }
    if (response.ok) return response;
    await this.reportProblem(method, url, response);
    throw new CliError(ExitCode.apiError, '');
  }

  /** Convenience: request and parse a JSON answer. */
  async json<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<T> {
    return (await (await this.request(method, path, options)).json()) as T;
  }

  private async reportProblem(method: string, url: URL, response: Response) {
    const text = await response.text().catch(() => '');
    let problem: unknown;
    try {
      problem = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's HTML page, say): still give the script something structured.
      problem = {
        type: 'about:blank',
        title: response.statusText || 'HTTP error',
        status: response.status,
        detail: text.slice(0, 500),
      };
    }
    this.options.stderr.write(`${method} ${url.pathname} answered ${response.status}\n`);
    this.options.stderr.write(`${JSON.stringify(problem, null, 2)}\n`);
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
