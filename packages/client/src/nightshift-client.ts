import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './generated/api-types.ts';

/** Options of {@link createNightshiftClient}. */
export interface NightshiftClientOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:3000` (the paths carry `/v1`). */
  baseUrl: string;
  /** A tenant's API key, sent as `Authorization: Bearer <key>`; unset for the open routes (`/healthz`, `/readyz`, `/openapi.json`); `/metrics` takes the scraper's `NIGHTSHIFT_METRICS_TOKEN` instead. */
  apiKey?: string;
  /** The fetch to send with (a proxy agent, say). Default: the global `fetch`. */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * The Nightshift API as a typed client: each method (`GET`, `POST`, `PATCH`, `DELETE`) takes a
 * path of the API's `/openapi.json` and checks its parameters and body against the document at
 * compile time; the answer is `{ data }` on 2xx or `{ error }` (the problem+json body) otherwise.
 */
export type NightshiftClient = Client<paths>;

/**
 * Makes a {@link NightshiftClient} (openapi-fetch over the types generated from the API's
 * served `/openapi.json`).
 *
 * @example
 * const api = createNightshiftClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'team-key' });
 * const { data, error } = await api.GET('/v1/batches/{id}', { params: { path: { id } } });
 */
export function createNightshiftClient(options: NightshiftClientOptions): NightshiftClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/**
 * `POST /v1/batches` as `multipart/form-data`: one `file` part per document (a `File` keeps its
 * name, which becomes the document's id) and the options as a JSON part. Files stream to the
 * API instead of travelling base64-encoded in JSON.
 *
 * @example
 * const { data } = await uploadBatch(api, { file: [new File([bytes], 'q3.pdf', { type: 'application/pdf' })] });
 */
export function uploadBatch(client: NightshiftClient, upload: BatchUpload) {
  return client.POST('/v1/batches', {
    body: upload,
    bodySerializer: () => batchUploadForm(upload),
  });
}

/** The multipart form of {@link uploadBatch}. */
export function batchUploadForm(body: BatchUpload): FormData {
  const form = new FormData();
  for (const file of body.file) form.append('file', file);
  if (body.options) form.append('options', JSON.stringify(body.options));
  return form;
}

type Schemas = components['schemas'];
/** A batch object (`GET /v1/batches/{id}`). */
export type Batch = Schemas['Batch'];
/** The JSON body of `POST /v1/batches`. */
export type CreateBatch = Schemas['CreateBatch'];
/** The multipart body of `POST /v1/batches`: files plus the options part. */
export type BatchUpload =
  paths['/v1/batches']['post']['requestBody']['content']['multipart/form-data'];
/** A page of `GET /v1/batches`. */
export type BatchList = Schemas['BatchList'];
/** One NDJSON line of `GET /v1/batches/{id}/results`. */
export type DocumentResult = Schemas['DocumentResult'];
/** An RFC 9457 problem, the body of every error answer. */
export type Problem = Schemas['Problem'];
export type Schedule = Schemas['Schedule'];
export type Delivery = Schemas['Delivery'];
export type Summary = Schemas['Summary'];
