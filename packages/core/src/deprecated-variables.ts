/**
 * Variables the model-access layer replaced (issue #26: one configuration of the model
 * servers). Each is still read, and each process that finds one set logs one line naming its
 * replacement (`deprecationsIn`, logged by packages/process `runService`).
 * `NIGHTSHIFT_FALLBACK_MODELS` is not among them: it is part of the configuration contract
 * (`NIGHTSHIFT_MODEL`'s fallbacks, for summaries and chat), and `NIGHTSHIFT_GATEWAY_FALLBACKS`
 * only adds chains for other models.
 */
export const deprecatedVariables: Readonly<Record<string, string>> = {
  NIGHTSHIFT_OPENAI_BASE_URL:
    'NIGHTSHIFT_UPSTREAMS=[{"kind":"openai","url":"<base URL with /v1>","models":["*"]}]',
  NIGHTSHIFT_OPENAI_API_KEY: 'the "apiKey" of the upstream in NIGHTSHIFT_UPSTREAMS',
  NIGHTSHIFT_TIMEOUT_S: 'NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S',
};

/** A deprecated variable found set, and what replaces it. */
export interface Deprecation {
  variable: string;
  replacement: string;
}

/**
 * The deprecated variables `env` sets (empty values count as unset, as in `loadConfig`).
 *
 * @example
 * deprecationsIn({ NIGHTSHIFT_TIMEOUT_S: '60' }) // [{ variable: 'NIGHTSHIFT_TIMEOUT_S', replacement: 'NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S' }]
 */
export function deprecationsIn(env: Record<string, string | undefined>): Deprecation[] {
  return Object.entries(deprecatedVariables)
    .filter(([variable]) => env[variable] !== undefined && env[variable] !== '')
    .map(([variable, replacement]) => ({ variable, replacement }));
}

/**
 * `env` with each deprecated variable's value carried to its replacement where that is unset:
 * `NIGHTSHIFT_TIMEOUT_S` (one summary call's limit) becomes the layer's read timeout, which
 * bounds an unstreamed call the same way. The others are read where they were
 * (`upstreamsFrom`, `fallbacksFrom` in packages/gateway).
 */
export function withReplacements(
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const { NIGHTSHIFT_TIMEOUT_S: old, NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S: current } = env;
  if (old === undefined || old === '' || (current !== undefined && current !== '')) return env;
  return { ...env, NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S: old };
}
