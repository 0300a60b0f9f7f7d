import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

/**
 * A Lua script called by its SHA-1 (EVALSHA), so no call sends the script text. The text goes
 * to Redis only with SCRIPT LOAD, when Redis answers NOSCRIPT: the first call against a server,
 * and again after a restart or a SCRIPT FLUSH empties its script cache.
 *
 * Production code gets one from {@link luaScript}, which reads a `.lua` file beside the module.
 *
 * @example
 * const bump = luaScript(new URL('./lua/bump.lua', import.meta.url));
 * await bump.run(redis, ['counter'], [5]);
 */
export class LuaScript {
  /** SHA-1 of {@link source}: the name Redis caches the script under. */
  readonly sha: string;

  /**
   * @param source The script text, includes already expanded.
   * @param name Where the script came from, named in errors.
   */
  constructor(
    readonly source: string,
    readonly name = 'inline script',
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script on `redis` with these KEYS and ARGV; answers what the script returns. */
  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error as Error).message.startsWith('NOSCRIPT')) throw error;
    }
    // Redis lost (or never had) the script: load it once, then call it by SHA as usual.
    await redis.script('LOAD', this.source);
    return redis.evalsha(this.sha, keys.length, ...keys, ...args);
  }
}

/** Thrown when a `.lua` file (or one it includes) cannot be read or an include is malformed. */
export class LuaScriptError extends Error {
  override readonly name = 'LuaScriptError';
}

const loaded = new Map<string, LuaScript>();

/**
 * The script in a `.lua` file, read once per process (later calls with the same file answer the
 * same {@link LuaScript}). Pass the file relative to the calling module, so it is found both from
 * the TypeScript sources and from a compiled build that copies the `.lua` files beside the
 * output: `luaScript(new URL('./lua/x.lua', import.meta.url))`.
 *
 * A line `--- @include "name"` is replaced by the text of `name.lua`, resolved relative to the
 * file that holds the line; each file is included at most once per script, so shared Lua
 * functions can live in one file.
 *
 * Reads synchronously at module load on purpose: a missing file stops the process at start,
 * not on the first request that needs the script.
 *
 * @throws {LuaScriptError} when a file is missing or an include cannot be resolved.
 */
export function luaScript(file: URL): LuaScript {
  const cached = loaded.get(file.href);
  if (cached) return cached;
  const script = new LuaScript(expand(file, new Set()), fileURLToPath(file));
  loaded.set(file.href, script);
  return script;
}

const includeLine = /^---\s*@include\s+(.*)$/;
const includeName = /^"([A-Za-z0-9_./-]+)"\s*$/;

function expand(file: URL, seen: Set<string>): string {
  seen.add(file.href);
  return read(file)
    .split('\n')
    .map((line, index) => {
      const include = includeLine.exec(line);
      if (!include) return line;
      const name = includeName.exec(include[1] ?? '')?.[1];
      if (!name) {
        throw new LuaScriptError(
          `${fileURLToPath(file)}:${index + 1}: write an include as --- @include "name"`,
        );
      }
      const target = new URL(name.endsWith('.lua') ? name : `${name}.lua`, file);
      return seen.has(target.href) ? '' : expand(target, seen);
    })
    .join('\n');
}

function read(file: URL): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new LuaScriptError(
      `cannot read Lua script ${fileURLToPath(file)} (${(error as NodeJS.ErrnoException).code ?? error}); a build must copy every src/**/lua/*.lua file beside its compiled module`,
    );
  }
}
