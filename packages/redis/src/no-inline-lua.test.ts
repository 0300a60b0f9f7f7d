import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { productionSources, repositoryRoot } from '@nightshift/testkit/production-sources';
import { describe, expect, it } from 'vitest';

const root = repositoryRoot;

/** What gives inline Lua away in TypeScript: sending script text, or Lua itself. */
const inlineLua: { what: string; pattern: RegExp }[] = [
  { what: 'an EVAL call', pattern: /\.eval\s*\(|['"`]eval['"`]/i },
  { what: 'a LuaScript made from text', pattern: /new LuaScript\s*\(/ },
  // Lua's bare redis.call, not ioredis' client.call / this.#redis.call.
  {
    what: 'Lua text (redis.call / KEYS[ / ARGV[)',
    pattern: /(?<![.#\w])redis\.p?call\(|KEYS\[\d|ARGV\[\d/,
  },
];

function findings(file: string): string[] {
  // The loader itself names EVALSHA and LuaScript in its own code and docs.
  if (file === 'packages/redis/src/lua-script.ts') return [];
  const text = readFileSync(join(root, file), 'utf8');
  return inlineLua.filter(({ pattern }) => pattern.test(text)).map(({ what }) => what);
}

describe('Lua lives in .lua files', () => {
  const sources = productionSources();

  it('finds the production sources it checks', () => {
    expect(sources).toContain('apps/api/src/middleware/rate-limit.ts');
    expect(sources).toContain('packages/tenants/src/api-key-store.ts');
    expect(sources.length).toBeGreaterThan(50);
  });

  it('leaves no EVAL call and no Lua text in production TypeScript', () => {
    const offenders = sources.flatMap((file) => findings(file).map((what) => `${file}: ${what}`));
    expect(offenders).toEqual([]);
  });
});
