import { open } from 'node:fs/promises';
import { checkWebhookUrl, createSafeDispatcher } from '@nightshift/webhooks';
import type { Dispatcher } from 'undici';
import { parseElectricityMaps } from './electricity-maps-format.ts';
import { parseEntsoePrices } from './entsoe-format.ts';
import type { HourlyValues } from './hourly-values.ts';
import { parseNightshiftPrices } from './nightshift-format.ts';

/** Where hourly prices come from: one value of `NIGHTSHIFT_PRICE_SOURCE`. */
export type PriceSourceSpec =
  /** A file in Nightshift's format (JSON or CSV), read from this machine. */
  | { kind: 'file'; path: string }
  /** An http(s) URL answering Nightshift's format. */
  | { kind: 'nightshift'; url: URL }
  /** ENTSO-E's A44 query (its `securityToken` in the URL); the period is added when absent. */
  | { kind: 'entsoe'; url: URL }
  /** Electricity Maps' carbon-intensity forecast or history; the token goes in `auth-token`. */
  | { kind: 'electricitymaps'; url: URL; token: string | undefined };

/** A `NIGHTSHIFT_PRICE_SOURCE` that cannot be read. */
export class PriceSourceSpecError extends Error {
  override name = 'PriceSourceSpecError';
  constructor(message: string) {
    super(`NIGHTSHIFT_PRICE_SOURCE: ${message}`);
  }
}

const syntax =
  'file:/path.json, https://… (Nightshift format), entsoe:https://…?securityToken=…, or electricitymaps:https://…#auth-token=…';

/**
 * Reads `NIGHTSHIFT_PRICE_SOURCE`:
 * - `file:/srv/prices.json` or `file:/srv/prices.csv`: Nightshift's format, from disk;
 * - `https://example.net/prices.json`: Nightshift's format, over HTTP;
 * - `entsoe:https://web-api.tp.entsoe.eu/api?documentType=A44&in_Domain=…&out_Domain=…&securityToken=…`;
 * - `electricitymaps:https://api.electricitymaps.com/v3/carbon-intensity/forecast?zone=DE#auth-token=…`:
 *   the fragment, which HTTP never sends, carries the token that goes in the `auth-token` header.
 *
 * @example
 * parsePriceSource('file:/etc/nightshift/prices.json'); // { kind: 'file', path: '/etc/nightshift/prices.json' }
 */
export function parsePriceSource(spec: string): PriceSourceSpec {
  const value = spec.trim();
  if (value.startsWith('file:')) {
    const path = value.startsWith('file://') ? new URL(value).pathname : value.slice(5);
    if (!path.startsWith('/'))
      throw new PriceSourceSpecError(`file: needs an absolute path (${syntax})`);
    return { kind: 'file', path };
  }
  const prefixed = /^(entsoe|electricitymaps):(.*)$/s.exec(value);
  const kind = (prefixed?.[1] ?? 'nightshift') as 'entsoe' | 'electricitymaps' | 'nightshift';
  let url: URL;
  try {
    url = new URL(prefixed ? (prefixed[2] as string) : value);
  } catch {
    throw new PriceSourceSpecError(`not a price source (${syntax})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PriceSourceSpecError(`scheme ${url.protocol} is not allowed (${syntax})`);
  }
  if (kind !== 'electricitymaps') return { kind, url };
  const token = new URLSearchParams(url.hash.slice(1)).get('auth-token') ?? undefined;
  url.hash = '';
  return { kind, url, token };
}

/** The source as logs and `GET /v1/workers` may show it: no token, no query secrets. */
export function describePriceSource(spec: PriceSourceSpec): string {
  if (spec.kind === 'file') return `file:${spec.path}`;
  const shown = new URL(spec.url);
  for (const name of ['securityToken', 'token', 'auth-token', 'key', 'apikey', 'api_key']) {
    if (shown.searchParams.has(name)) shown.searchParams.set(name, '…');
  }
  shown.hash = '';
  return spec.kind === 'nightshift' ? shown.toString() : `${spec.kind}:${shown.toString()}`;
}

/** A fetch refused before it left: the host is not a public address. */
export class PrivateSourceError extends Error {
  override name = 'PrivateSourceError';
}

/** Options of {@link readPriceSource}. */
export interface ReadPriceSourceOptions {
  /** The instant whose day (and the next) an ENTSO-E query asks for when it names no period. */
  now?: Date;
  /** Let private addresses through: tests only (the sources are public services). */
  allowPrivate?: boolean;
  /** Per request. Default 15 s. */
  timeoutMs?: number;
  /** Bodies and files beyond this are refused. Default 4 MiB (a year of quarter-hours is about 2 MiB). */
  maxBytes?: number;
}

/**
 * Reads a source once and parses its body. An http(s) source is checked against the webhook
 * address policy before the request and again at connect time (`createSafeDispatcher`), so a
 * name that resolves to a private address, or starts to, is refused with
 * {@link PrivateSourceError}; a body in the wrong shape throws `PriceFormatError`.
 *
 * @example
 * const values = await readPriceSource(parsePriceSource(config.NIGHTSHIFT_PRICE_SOURCE));
 */
export async function readPriceSource(
  spec: PriceSourceSpec,
  options: ReadPriceSourceOptions = {},
): Promise<HourlyValues> {
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  if (spec.kind === 'file') return parseNightshiftPrices(await boundedFile(spec.path, maxBytes));
  const url = new URL(spec.url);
  if (spec.kind === 'entsoe' && !url.searchParams.has('periodStart')) {
    const day = new Date(options.now ?? Date.now());
    day.setUTCHours(0, 0, 0, 0);
    const end = new Date(day.getTime() + 2 * 86_400_000);
    url.searchParams.set('periodStart', entsoeInstant(day));
    url.searchParams.set('periodEnd', entsoeInstant(end));
  }
  const allowPrivate = options.allowPrivate ?? false;
  const check = await checkWebhookUrl(url.toString(), { allowPrivate });
  if (!check.ok) throw new PrivateSourceError(`price source refused: ${check.logDetail}`);
  const dispatcher = createSafeDispatcher({ allowPrivate });
  try {
    const headers: Record<string, string> = { accept: 'application/json, application/xml, text/*' };
    if (spec.kind === 'electricitymaps' && spec.token) headers['auth-token'] = spec.token;
    const answer = await fetch(url, {
      headers,
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      dispatcher,
    } as RequestInit & { dispatcher: Dispatcher });
    const body = await boundedText(answer, maxBytes);
    // ENTSO-E answers a query without data with 200 or 400 and an acknowledgement document,
    // which its parser turns into a readable reason.
    if (
      !answer.ok &&
      !(spec.kind === 'entsoe' && body.includes('Acknowledgement_MarketDocument'))
    ) {
      throw new Error(`price source answered HTTP ${answer.status}`);
    }
    if (spec.kind === 'entsoe') return parseEntsoePrices(body);
    if (spec.kind === 'electricitymaps') return parseElectricityMaps(body);
    return parseNightshiftPrices(body);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'ERR_WEBHOOK_SSRF_BLOCKED') {
      throw new PrivateSourceError(`price source refused: ${cause.message}`);
    }
    throw error;
  } finally {
    await dispatcher.close();
  }
}

/** `yyyyMMddHHmm` in UTC, as ENTSO-E's `periodStart`/`periodEnd` want it. */
function entsoeInstant(at: Date): string {
  return at.toISOString().slice(0, 16).replace(/[-T:]/g, '');
}

/**
 * A regular file of at most `maxBytes`: a mistyped path to a device (`/dev/zero`) or a pipe would
 * otherwise be read for ever, and a huge file into memory.
 */
async function boundedFile(path: string, maxBytes: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const stats = await file.stat();
    if (!stats.isFile()) throw new Error(`price source ${path} is not a regular file`);
    if (stats.size > maxBytes) throw new Error(`price source ${path} is over ${maxBytes} bytes`);
    return await file.readFile('utf8');
  } finally {
    await file.close();
  }
}

async function boundedText(answer: Response, maxBytes: number): Promise<string> {
  const declared = Number(answer.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw new Error(`price source body over ${maxBytes} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of answer.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new Error(`price source body over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
