/**
 * A Lua script (run it with `luaScript` from `@nightshift/redis`) that keeps Redis busy for the
 * milliseconds it is given, as a slow fsync or a long script elsewhere would: every command
 * sent meanwhile waits. For tests of what a late Redis write must not change.
 *
 * @example
 * await luaScript(holdRedisScript).run(client, [], [400]);
 */
export const holdRedisScript = new URL('../fixtures/hold-redis.lua', import.meta.url);
