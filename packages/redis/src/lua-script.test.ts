import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuaScriptError, luaScript } from './lua-script.ts';
import { createRedis } from './redis-connection.ts';

const fixture = (name: string) => new URL(`./lua-script-fixtures/${name}`, import.meta.url);

/** Calls per command since the last CONFIG RESETSTAT (`evalsha`, `script|load`, …). */
async function commandCalls(client: Redis): Promise<Record<string, number>> {
  const info = await client.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls[match[1] as string] = Number(match[2]);
  }
  return calls;
}

describe('luaScript', () => {
  let redis: RedisHarness;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = createRedis(redis.url, 'worker');
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  it('reads a .lua file beside the module once and names it by the SHA-1 of its text', () => {
    const bump = luaScript(fixture('bump.lua'));
    expect(bump.source).toContain("redis.call('INCRBY', KEYS[1], ARGV[1])");
    expect(bump.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(luaScript(fixture('bump.lua'))).toBe(bump);
  });

  it('sends the text once (SCRIPT LOAD), then only the SHA; a SCRIPT FLUSH in between still works', async () => {
    const bump = luaScript(fixture('bump.lua'));
    await client.script('FLUSH');
    await client.config('RESETSTAT');
    expect(await bump.run(client, ['n'], [2])).toBe(2); // NOSCRIPT → SCRIPT LOAD → EVALSHA
    expect(await client.script('EXISTS', bump.sha)).toEqual([1]);
    expect(await bump.run(client, ['n'], [3])).toBe(5);
    expect(await bump.run(client, ['n'], [4])).toBe(9);
    let calls = await commandCalls(client);
    expect(calls['script|load']).toBe(1);
    expect(calls.evalsha).toBe(4); // the refused first try and three runs
    expect(calls.eval).toBeUndefined();

    await client.script('FLUSH');
    await client.config('RESETSTAT');
    expect(await bump.run(client, ['n'], [1])).toBe(10);
    expect(await bump.run(client, ['n'], [1])).toBe(11);
    calls = await commandCalls(client);
    expect(calls['script|load']).toBe(1);
    expect(calls.evalsha).toBe(3);
    expect(calls.eval).toBeUndefined();
  });

  it('keeps working after Redis restarts with an empty script cache', async () => {
    if (redis.kind !== 'spawned') return; // an external Redis cannot be restarted from here
    const bump = luaScript(fixture('bump.lua'));
    await bump.run(client, ['restarted'], [1]);
    await redis.restart();
    expect(await client.script('EXISTS', bump.sha)).toEqual([0]);
    expect(await bump.run(client, ['restarted'], [5])).toBe(6); // the AOF kept the counter
  });

  it('expands --- @include lines once each, relative to the including file', async () => {
    const twice = luaScript(fixture('bump-twice.lua'));
    expect(twice.source.match(/local function double/g)).toHaveLength(1);
    expect(twice.source).not.toContain('@include');
    expect(await twice.run(client, ['m'], [3])).toBe(6);
  });

  it('refuses a missing file or a malformed include with the path in the message', () => {
    expect(() => luaScript(fixture('absent.lua'))).toThrow(LuaScriptError);
    expect(() => luaScript(fixture('absent.lua'))).toThrow(/absent\.lua.*ENOENT.*copy/);
    expect(() => luaScript(fixture('bad-include.lua'))).toThrow(/bad-include\.lua:2: .*@include/);
  });

  it('passes Lua errors through rather than reloading', async () => {
    const bump = luaScript(fixture('bump.lua'));
    await client.set('text', 'not a number');
    await expect(bump.run(client, ['text'], [1])).rejects.toThrow(/not an integer/);
  });
});
