import { isIP } from 'node:net';
import { z } from 'zod';
import { withReplacements } from './deprecated-variables.ts';
import { gatewayConfigShape } from './gateway-config.ts';
import { telemetryConfigShape } from './telemetry-config.ts';
import { tuningConfigShape, tuningVariables } from './tuning-config.ts';

const intFrom = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max);
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 30s, 15m, 24h, 7d');

/** `10.0.0.1`, `::1`, `10.0.0.0/8`, `fd00::/8`. */
function isAddressOrCidr(value: string): boolean {
  const [address = '', bits, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** `tenant:key` pairs of NIGHTSHIFT_API_KEYS. */
const apiKeys = z.string().transform((s, ctx) => {
  const keys: { tenant: string; key: string }[] = [];
  for (const pair of s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = pair.indexOf(':');
    const tenant = pair.slice(0, at);
    const key = pair.slice(at + 1);
    if (at <= 0 || !key || !/^[A-Za-z0-9_.-]+$/.test(tenant)) {
      ctx.addIssue({ code: 'custom', message: `'${pair}' is not tenant:key` });
      return z.NEVER;
    }
    keys.push({ tenant, key });
  }
  return keys;
});

/**
 * The configuration contract (the README's configuration table): every variable, its meaning and its default.
 * Every app reads the environment through {@link loadConfig}; nothing else reads `process.env`.
 */
const configSchema = z.object({
  PORT: intFrom(0, 65535).default(3000),
  /** Address the API listens on: loopback unless set (the container image sets 0.0.0.0). */
  HOST: z.string().min(1).default('127.0.0.1'),
  REDIS_URL: z.string().url().optional(),
  NIGHTSHIFT_API_KEYS: apiKeys.default([]),
  NIGHTSHIFT_ADMIN_KEY: z.string().min(16).optional(),
  /** `Secure` on the admin cookie: `auto` sets it when the request came over HTTPS. */
  NIGHTSHIFT_ADMIN_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  /** Origins besides the API's own that may send state-changing admin requests (a proxy's). */
  NIGHTSHIFT_ADMIN_ORIGINS: list.default([]),
  /** Failed admin sign-ins per minute from one address before 429. */
  NIGHTSHIFT_ADMIN_LOGIN_FAILURES_PER_MIN: intFrom(1).default(5),
  /**
   * Proxies (addresses or CIDR ranges, e.g. an ingress's pod network) whose `X-Forwarded-For`
   * names the client: the throttles then count the nearest address in it that is not one of
   * these. Empty: the socket's peer is the client and `X-Forwarded-For` is never read.
   */
  NIGHTSHIFT_TRUSTED_PROXIES: list
    .pipe(
      z.array(z.string().refine(isAddressOrCidr, 'an IP address or CIDR range such as 10.0.0.0/8')),
    )
    .default([]),
  /**
   * Bearer tokens that `GET /metrics` accepts (comma-separated: two during a rotation). Unset:
   * `/metrics` refuses everyone (`npm start` generates one and prints it).
   */
  NIGHTSHIFT_METRICS_TOKEN: list
    .pipe(z.array(z.string().min(16, 'at least 16 characters')))
    .optional(),
  NIGHTSHIFT_WEBHOOK_SECRET: z.string().startsWith('whsec_').optional(),
  NIGHTSHIFT_PROVIDER: z.enum(['auto', 'ollama', 'openai', 'extractive']).default('auto'),
  OLLAMA_HOST: z.string().url().default('http://127.0.0.1:11434'),
  NIGHTSHIFT_MODEL: z.string().min(1).default('qwen3:32b'),
  /** Deprecated: `NIGHTSHIFT_GATEWAY_FALLBACKS` (still read as `NIGHTSHIFT_MODEL`'s fallbacks). */
  NIGHTSHIFT_FALLBACK_MODELS: list.default(['qwen2:7b']),
  NIGHTSHIFT_NUM_CTX: intFrom(512).default(8192),
  NIGHTSHIFT_MAX_TOKENS: intFrom(16).default(2048),
  NIGHTSHIFT_COLD_WINDOWS: z.string().min(1).default('22:00-06:00'),
  NIGHTSHIFT_TZ: z.string().default('UTC'),
  /**
   * Hourly electricity prices or carbon intensity (price-aware windows, packages/price-windows):
   * the cold lane then opens in the cheapest hours that still finish each queued batch before
   * its completion window ends, and `NIGHTSHIFT_COLD_WINDOWS` only limits them (the hours cold
   * work may ever run; `always`: no limit). One of `file:/path.json` (or `.csv`) and
   * `https://…` in Nightshift's format `{"unit","values":[{"start","value"}]}`;
   * `entsoe:https://web-api.tp.entsoe.eu/api?documentType=A44&in_Domain=…&out_Domain=…&securityToken=…`
   * (day-ahead prices); `electricitymaps:https://api.electricitymaps.com/v3/carbon-intensity/forecast?zone=DE#auth-token=…`
   * (the fragment's token is sent as the `auth-token` header). Fetched daily, cached in Redis,
   * never from a private address. Unset: the fixed windows alone, as before.
   */
  NIGHTSHIFT_PRICE_SOURCE: z
    .string()
    .regex(
      /^(file:\/|https?:\/\/|entsoe:https?:\/\/|electricitymaps:https?:\/\/)/,
      'file:/path, https://…, entsoe:https://… or electricitymaps:https://…',
    )
    .optional(),
  NIGHTSHIFT_GPU_PROBE: z.enum(['nvidia-smi', 'ollama', 'none']).optional(),
  /** The nvidia-smi binary (configuration contract); on PATH in every CUDA image. */
  NIGHTSHIFT_NVIDIA_SMI: z.string().default('nvidia-smi'),
  CUDA_VISIBLE_DEVICES: z.string().optional(),
  NIGHTSHIFT_GPU_MEMORY_MIB: intFrom(1).optional(),
  NIGHTSHIFT_VRAM_MAX_USED_PCT: z.coerce.number().min(1).max(100).default(95),
  NIGHTSHIFT_HOT_CONCURRENCY: intFrom(1, 256).default(2),
  /**
   * Most cold jobs at once per worker. With the tuner on it is only a cap (unset: 256); with it
   * off, the fixed concurrency (unset: 2).
   */
  NIGHTSHIFT_COLD_CONCURRENCY: intFrom(1, 256).optional(),
  NIGHTSHIFT_HOT_RATE_PER_MIN: intFrom(1).default(12),
  /** Hot calls allowed at once after a quiet spell (configuration contract, with the rate). */
  NIGHTSHIFT_HOT_BURST: intFrom(1).default(3),
  /** Batch submissions per minute per tenant, and the burst allowed after a quiet spell. */
  NIGHTSHIFT_BATCH_RATE_PER_MIN: intFrom(1).default(60),
  NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  NIGHTSHIFT_WEBHOOK_ALLOW_LIST: list.default([]),
  /**
   * Media URLs in chat content parts (`image_url`, `video_url`, `audio_url`, …) of
   * `/openai/v1` bodies and OpenAI batch lines, which vLLM and SGLang fetch from the model
   * server's network. `public`: `data:` URLs, and http(s) URLs whose host resolves only to
   * public addresses (the webhook address policy, without its private-address switch);
   * `off`: `data:` URLs only; `any`: every URL as written (a trusted network only).
   * A refused URL answers 400 (`media_url_not_allowed`) or fails its batch line.
   */
  NIGHTSHIFT_MEDIA_URLS: z.enum(['public', 'off', 'any']).default('public'),
  /** Folders that schedules' `directory` sources may read (comma-separated); empty: none. */
  NIGHTSHIFT_INBOX_DIRS: list.default([]),
  NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE: z.string().default('0s,5s,5m,30m,2h,5h,10h,10h'),
  NIGHTSHIFT_WEBHOOK_TIMEOUT_S: intFrom(1, 300).default(15),
  NIGHTSHIFT_RESULT_TTL: duration.default('7d'),
  NIGHTSHIFT_MAX_DOCUMENTS: intFrom(1).default(10_000),
  NIGHTSHIFT_MAX_DOCUMENT_BYTES: intFrom(1).default(20 * 1024 * 1024),
  NIGHTSHIFT_MAX_BODY_BYTES: intFrom(1).default(100 * 1024 * 1024),
  /** Bytes of one file uploaded to `/openai/v1/files` (413 beyond, refused as it streams in). */
  NIGHTSHIFT_OPENAI_FILE_MAX_BYTES: intFrom(1).default(200 * 1024 * 1024),
  /** Lines (requests) of one OpenAI batch input file. */
  NIGHTSHIFT_OPENAI_BATCH_MAX_LINES: intFrom(1).default(50_000),
  /**
   * Bytes of `/openai/v1` files one tenant may hold at once, uploads in progress and batch
   * outputs included (an upload past it: 413 `storage_quota_exceeded`); admins can override per
   * tenant (`maxStoredFileBytes`).
   */
  NIGHTSHIFT_OPENAI_STORAGE_MAX_BYTES: intFrom(1).default(1024 * 1024 * 1024),
  /** Bytes of all documents of one batch together (413 beyond). */
  NIGHTSHIFT_MAX_BATCH_BYTES: intFrom(1).default(500 * 1024 * 1024),
  /** Documents a tenant may have unfinished at once (429 beyond); admins can override per tenant. */
  NIGHTSHIFT_MAX_QUEUED_PER_TENANT: intFrom(1).default(100_000),
  NIGHTSHIFT_JOB_ATTEMPTS: intFrom(1, 100).default(5),
  /** On SIGTERM the API answers readyz 503 this long, still serving, before it closes its listener. */
  NIGHTSHIFT_API_DRAIN_DELAY_MS: intFrom(0).default(0),
  NIGHTSHIFT_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  ...gatewayConfigShape,
  ...telemetryConfigShape,
  ...tuningConfigShape,
});

/**
 * Names of every variable in the configuration contract (deploy checks compare manifests with
 * it): the internal tuning of `tuning-config.ts` is not part of it.
 */
export const configVariables: readonly string[] = Object.keys(configSchema.shape).filter(
  (name) => !tuningVariables.includes(name),
);

/** The parsed, typed configuration. */
export type Config = z.output<typeof configSchema>;

/** Raised when an environment variable holds a value the contract does not allow. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`,
    );
  }
}

/**
 * Reads the configuration contract from an environment. Empty strings count as unset.
 *
 * @example
 * const config = loadConfig(process.env); // throws ConfigError naming the bad variable
 * config.NIGHTSHIFT_NUM_CTX; // 8192
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(
    Object.entries(withReplacements(env)).filter(
      ([name, value]) => name in configSchema.shape && value !== '',
    ),
  );
  const parsed = configSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '?'),
      message: issue.message,
    })),
  );
}

/** The cap when `NIGHTSHIFT_COLD_CONCURRENCY` is unset and the cold lane tunes itself. */
export const TUNED_COLD_CONCURRENCY_CAP = 256;

/**
 * The most cold jobs one worker runs at once: `NIGHTSHIFT_COLD_CONCURRENCY` when set; else the
 * tuner's own cap, or the fixed 2 of a lane that does not tune itself.
 *
 * @example
 * coldConcurrencyCap(loadConfig({})); // 256
 * coldConcurrencyCap(loadConfig({ NIGHTSHIFT_COLD_AUTOTUNE: 'false' })); // 2
 */
export function coldConcurrencyCap(
  config: Pick<Config, 'NIGHTSHIFT_COLD_CONCURRENCY' | 'NIGHTSHIFT_COLD_AUTOTUNE'>,
): number {
  return (
    config.NIGHTSHIFT_COLD_CONCURRENCY ??
    (config.NIGHTSHIFT_COLD_AUTOTUNE ? TUNED_COLD_CONCURRENCY_CAP : 2)
  );
}

/** Milliseconds of a duration such as `90s`, `15m`, `24h`, `7d`. */
export function durationMs(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) throw new Error(`'${value}' is not a duration such as 30s, 15m, 24h, 7d`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
  return Number(match[1]) * unit;
}
