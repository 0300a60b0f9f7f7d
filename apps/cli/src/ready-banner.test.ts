import { describe, expect, it } from 'vitest';
import { type BannerFacts, readyBanner } from './ready-banner.ts';

const facts: BannerFacts = {
  apiUrl: 'http://127.0.0.1:3000',
  key: 'ns_operator-real-key-0123456789',
  tenant: 'acme',
  keySource: 'environment',
  webhookSecret: 'whsec_b3BlcmF0b3Itc2VjcmV0LXZhbHVlLTAxMjM0NTY3',
  webhookSecretSource: 'environment',
  metricsToken: 'nsm_dev_scrape',
  metricsTokenSource: 'environment',
  secretsFile: '/home/me/.nightshift/dev.env',
  redisUrl: 'redis://:redis-password-42@redis.internal:6379',
  redisDir: undefined,
  provider: 'extractive',
  services: ['api', 'worker', 'notifier'],
};

describe('readyBanner', () => {
  it('never prints secrets that came from the environment, and masks a Redis password', () => {
    const banner = readyBanner(facts);
    for (const secret of [
      facts.key,
      facts.webhookSecret,
      facts.metricsToken,
      'redis-password-42',
    ]) {
      expect(banner).not.toContain(secret);
    }
    expect(banner).toContain('from NIGHTSHIFT_API_KEYS (tenant acme; not shown)');
    expect(banner).toContain('from NIGHTSHIFT_WEBHOOK_SECRET (not shown)');
    expect(banner).toContain('/metrics   (token from NIGHTSHIFT_METRICS_TOKEN; not shown)');
    expect(banner).toContain('redis://:***@redis.internal:6379');
    // The examples still paste: the shell fills in $KEY.
    expect(banner).toContain(
      `curl -sS http://127.0.0.1:3000/v1/summaries -H "authorization: Bearer $KEY"`,
    );
    expect(banner).toContain('NIGHTSHIFT_API_KEY="$KEY"');
    // Chat tools learn where the gateway's two surfaces are.
    expect(banner).toContain('OpenAI base URL http://127.0.0.1:3000/openai/v1');
    expect(banner).toContain('Ollama host http://127.0.0.1:3000/ollama');
  });

  it('shows the secrets it generated and where they are kept', () => {
    const banner = readyBanner({ ...facts, keySource: 'generated', webhookSecretSource: 'kept' });
    expect(banner).toContain(
      `${facts.key}   (tenant acme; generated now, kept in /home/me/.nightshift/dev.env, mode 0600)`,
    );
    expect(banner).toContain(`${facts.webhookSecret}   (kept from an earlier start in`);
    expect(banner).toContain(`-H 'authorization: Bearer ${facts.key}'`);
  });

  it('prints a generated webhook secret but not an API key from the environment', () => {
    const banner = readyBanner({ ...facts, webhookSecretSource: 'generated' });
    expect(banner).not.toContain(facts.key);
    expect(banner).toContain(facts.webhookSecret);
  });

  it('prints a generated metrics token beside /metrics, for the local scraper', () => {
    const banner = readyBanner({ ...facts, metricsTokenSource: 'generated' });
    expect(banner).toContain(
      `http://127.0.0.1:3000/metrics   (token ${facts.metricsToken}; generated now, kept in`,
    );
  });
});
