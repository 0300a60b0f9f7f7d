import { describe, expect, it } from 'vitest';
import { ConfigError, durationMs, loadConfig } from './config.ts';
import { deprecationsIn } from './deprecated-variables.ts';

describe('loadConfig', () => {
  it('applies the defaults of the configuration contract', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.NIGHTSHIFT_PROVIDER).toBe('auto');
    expect(config.NIGHTSHIFT_MODEL).toBe('qwen3:32b');
    expect(config.NIGHTSHIFT_FALLBACK_MODELS).toEqual(['qwen2:7b']);
    expect(config.NIGHTSHIFT_NUM_CTX).toBe(8192);
    expect(config.NIGHTSHIFT_MAX_TOKENS).toBe(2048);
    expect(config.NIGHTSHIFT_COLD_WINDOWS).toBe('22:00-06:00');
    expect(config.NIGHTSHIFT_VRAM_MAX_USED_PCT).toBe(95);
    expect(config.NIGHTSHIFT_HOT_RATE_PER_MIN).toBe(12);
    expect(config.NIGHTSHIFT_HOT_BURST).toBe(3);
    expect(config.NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE).toBe(false);
  });

  it('parses tenant:key pairs and lists', () => {
    const config = loadConfig({
      NIGHTSHIFT_API_KEYS: 'acme:k1, globex:k2:with-colon',
      NIGHTSHIFT_FALLBACK_MODELS: 'a, b,,c',
      NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    expect(config.NIGHTSHIFT_API_KEYS).toEqual([
      { tenant: 'acme', key: 'k1' },
      { tenant: 'globex', key: 'k2:with-colon' },
    ]);
    expect(config.NIGHTSHIFT_FALLBACK_MODELS).toEqual(['a', 'b', 'c']);
    expect(config.NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE).toBe(true);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ REDIS_URL: '', PORT: '' }).PORT).toBe(3000);
  });

  it('names every bad variable', () => {
    try {
      loadConfig({ PORT: 'eighty', NIGHTSHIFT_PROVIDER: 'gpt', NIGHTSHIFT_WEBHOOK_SECRET: 'nope' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const names = (error as ConfigError).problems.map((p) => p.variable).sort();
      expect(names).toEqual(['NIGHTSHIFT_PROVIDER', 'NIGHTSHIFT_WEBHOOK_SECRET', 'PORT']);
      expect((error as Error).message).toContain('PORT');
    }
  });

  it('rejects a key list without tenants', () => {
    expect(() => loadConfig({ NIGHTSHIFT_API_KEYS: 'justakey' })).toThrow(/NIGHTSHIFT_API_KEYS/);
  });

  it('names NIGHTSHIFT_PRICE_SOURCE when it is no source it can read', () => {
    for (const bad of ['prices.json', 'ftp://example.net/p.json', 'file:relative/p.json'])
      expect(() => loadConfig({ NIGHTSHIFT_PRICE_SOURCE: bad })).toThrow(/NIGHTSHIFT_PRICE_SOURCE/);
    expect(
      loadConfig({ NIGHTSHIFT_PRICE_SOURCE: 'file:/srv/p.json' }).NIGHTSHIFT_PRICE_SOURCE,
    ).toBe('file:/srv/p.json');
  });

  it('converts durations', () => {
    expect(durationMs('7d')).toBe(604_800_000);
    expect(durationMs('15m')).toBe(900_000);
    expect(() => durationMs('soon')).toThrow();
  });

  it("reads NIGHTSHIFT_TIMEOUT_S as the model layer's read timeout unless that is set itself", () => {
    expect(loadConfig({ NIGHTSHIFT_TIMEOUT_S: '45' }).NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S).toBe(45);
    expect(
      loadConfig({ NIGHTSHIFT_TIMEOUT_S: '45', NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S: '90' })
        .NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S,
    ).toBe(90);
    expect(deprecationsIn({ NIGHTSHIFT_TIMEOUT_S: '45', OLLAMA_HOST: 'http://gpu:11434' })).toEqual(
      [{ variable: 'NIGHTSHIFT_TIMEOUT_S', replacement: 'NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S' }],
    );
  });
});
