import type { SecretSource } from './dev-secrets.ts';

/** What the banner shows once the stack is ready. */
export interface BannerFacts {
  /** `http://127.0.0.1:<port>` */
  apiUrl: string;
  /** The key used in the examples, and its tenant. */
  key: string;
  tenant: string;
  keySource: SecretSource;
  webhookSecret: string;
  webhookSecretSource: SecretSource;
  /** `.nightshift/dev.env` */
  secretsFile: string;
  redisUrl: string;
  /** Data folder when this CLI launched Redis; undefined for an external `REDIS_URL`. */
  redisDir: string | undefined;
  /** The worker's provider line, e.g. `extractive` or `ollama (qwen3:32b at …)`. */
  provider: string;
  services: string[];
}

const sourceNote: Record<SecretSource, string> = {
  environment: 'from the environment',
  kept: 'kept from an earlier start in',
  generated: 'generated now, kept in',
};

/**
 * The "ready" text: where things run, the dev secrets, and copy-paste curl examples for a
 * batch and a hot-lane summary with the real key and port.
 *
 * @example
 * stdout.write(readyBanner(facts));
 */
export function readyBanner(facts: BannerFacts): string {
  const auth = `-H 'authorization: Bearer ${facts.key}'`;
  const where = (source: SecretSource) =>
    source === 'environment' ? sourceNote[source] : `${sourceNote[source]} ${facts.secretsFile}`;
  const sample =
    'Nightshift queues batches of documents and summarizes them on idle GPUs at night. ' +
    'A hot lane still answers single documents at any hour. Webhooks report each finished batch.';
  return [
    '',
    `Nightshift is ready (${facts.services.join(', ')}).`,
    `  API             ${facts.apiUrl}   (docs: ${facts.apiUrl}/docs)`,
    `  Redis           ${facts.redisUrl}${facts.redisDir ? `   (launched here; data in ${facts.redisDir})` : '   (REDIS_URL)'}`,
    `  Provider        ${facts.provider}`,
    `  API key         ${facts.key}   (tenant ${facts.tenant}; ${where(facts.keySource)})`,
    `  Webhook secret  ${facts.webhookSecret}   (${where(facts.webhookSecretSource)})`,
    '',
    'Submit a batch:',
    `  curl -sS ${facts.apiUrl}/v1/batches ${auth} \\`,
    `    -H 'content-type: application/json' \\`,
    `    -d '{"documents":[{"id":"hello","text":"${sample}"}]}'`,
    '',
    'Or upload files:',
    `  curl -sS ${facts.apiUrl}/v1/batches ${auth} -F file=@report.pdf -F file=@notes.txt`,
    '',
    'Summarize one document now (hot lane):',
    `  curl -sS ${facts.apiUrl}/v1/summaries ${auth} \\`,
    `    -H 'content-type: application/json' -d '{"text":"${sample}"}'`,
    '',
    'With the CLI (progress bar, exit codes):',
    `  NIGHTSHIFT_URL=${facts.apiUrl} NIGHTSHIFT_API_KEY=${facts.key} npx nightshift submit --wait report.pdf`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

/** The provider line from the worker's `summarization provider` log entry. */
export function describeProvider(
  entry: { provider?: string; model?: string },
  ollamaHost: string,
): string {
  switch (entry.provider) {
    case 'ollama':
      return `ollama, model ${entry.model} at ${ollamaHost}`;
    case 'openai':
      return `openai-compatible server, model ${entry.model}`;
    case 'extractive':
      return 'extractive (built-in sentence ranking; no LLM used — start Ollama or set NIGHTSHIFT_PROVIDER for one)';
    default:
      return entry.provider ?? 'unknown';
  }
}
