import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

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

/** Production TypeScript of every app and package: src, without tests. */
function productionSources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        out.push(relative(root, path));
      }
    }
  };
  for (const group of ['apps', 'packages']) {
    for (const pkg of readdirSync(join(root, group), { withFileTypes: true })) {
      if (!pkg.isDirectory()) continue;
      try {
        walk(join(root, group, pkg.name, 'src'));
      } catch {
        // a package without src has no production code to check
      }
    }
  }
  return out;
}

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
