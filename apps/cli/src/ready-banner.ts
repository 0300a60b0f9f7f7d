import type { SecretSource } from './dev-secrets.ts';

/** What the banner shows once the stack is ready. */
export interface BannerFacts {
  /** `http://127.0.0.1:<port>` */
  apiUrl: string;
  /** The key used in the examples, and its tenant. Printed only when this CLI generated it. */
  key: string;
  tenant: string;
  keySource: SecretSource;
  /** Printed only when this CLI generated it. */
  webhookSecret: string;
  webhookSecretSource: SecretSource;
  /** The scraper's token of `/metrics`; printed only when this CLI generated it. */
  metricsToken: string;
  metricsTokenSource: SecretSource;
  /** `.nightshift/dev.env` */
  secretsFile: string;
  redisUrl: string;
  /** Data folder when this CLI launched Redis; undefined for an external `REDIS_URL`. */
  redisDir: string | undefined;
  /** The worker's provider line, e.g. `extractive` or `ollama (qwen3:32b at …)`. */
  provider: string;
  services: string[];
}

const sourceNote: Record<Exclude<SecretSource, 'environment'>, string> = {
  kept: 'kept from an earlier start in',
  generated: 'generated now, kept in',
};

/**
 * The "ready" text: where things run, the dev secrets, and copy-paste curl examples for a
 * batch and a hot-lane summary with the real port. Secrets this CLI generated (and keeps in
 * `.nightshift/dev.env`, mode 0600) are shown; secrets from the environment never are: the
 * banner names the variable and the examples use `$KEY`, so terminal scrollback, screen shares
 * and CI logs do not collect an operator's real keys.
 *
 * @example
 * stdout.write(readyBanner(facts));
 */
export function readyBanner(facts: BannerFacts): string {
  const keyFromEnv = facts.keySource === 'environment';
  const key = keyFromEnv ? '$KEY' : facts.key;
  const auth = keyFromEnv ? `-H "authorization: Bearer $KEY"` : `-H 'authorization: Bearer ${key}'`;
  const kept = (source: Exclude<SecretSource, 'environment'>) =>
    `${sourceNote[source]} ${facts.secretsFile}, mode 0600`;
  const keyLine = keyFromEnv
    ? `from NIGHTSHIFT_API_KEYS (tenant ${facts.tenant}; not shown)`
    : `${facts.key}   (tenant ${facts.tenant}; ${kept(facts.keySource as 'kept' | 'generated')})`;
  const secretLine =
    facts.webhookSecretSource === 'environment'
      ? 'from NIGHTSHIFT_WEBHOOK_SECRET (not shown)'
      : `${facts.webhookSecret}   (${kept(facts.webhookSecretSource)})`;
  const metricsFromEnv = facts.metricsTokenSource === 'environment';
  const metricsLine = metricsFromEnv
    ? `${facts.apiUrl}/metrics   (token from NIGHTSHIFT_METRICS_TOKEN; not shown)`
    : `${facts.apiUrl}/metrics   (token ${facts.metricsToken}; ${kept(facts.metricsTokenSource as 'kept' | 'generated')})`;
  const sample =
    'Nightshift queues batches of documents and summarizes them on idle GPUs at night. ' +
    'A hot lane still answers single documents at any hour. Webhooks report each finished batch.';
  return [
    '',
    `Nightshift is ready (${facts.services.join(', ')}).`,
    `  API             ${facts.apiUrl}   (docs: ${facts.apiUrl}/docs)`,
    `  Chat tools      OpenAI base URL ${facts.apiUrl}/openai/v1, Ollama host ${facts.apiUrl}/ollama (the API key is theirs too)`,
    `  Redis           ${withoutPassword(facts.redisUrl)}${facts.redisDir ? `   (launched here; data in ${facts.redisDir})` : '   (REDIS_URL)'}`,
    `  Provider        ${facts.provider}`,
    `  API key         ${keyLine}`,
    `  Webhook secret  ${secretLine}`,
    `  Metrics         ${metricsLine}`,
    '',
    ...(keyFromEnv
      ? [
          `The examples read your key from $KEY: export KEY=<a ${facts.tenant} key from NIGHTSHIFT_API_KEYS>`,
          '',
        ]
      : []),
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
    `  NIGHTSHIFT_URL=${facts.apiUrl} NIGHTSHIFT_API_KEY=${keyFromEnv ? '"$KEY"' : key} npx nightshift submit --wait report.pdf`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

/** A Redis URL with its password (from the operator's `REDIS_URL`) masked. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(REDIS_URL is not a URL)';
  }
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
