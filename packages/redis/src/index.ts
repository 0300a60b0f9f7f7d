export { LuaScript, LuaScriptError, luaScript } from './lua-script.ts';
export { RedisClock, type RedisClockOptions } from './redis-clock.ts';
export {
  type ConnectionRole,
  checkRedisPolicy,
  createRedis,
  RedisPolicyError,
} from './redis-connection.ts';
export {
  isRedisUnreachable,
  type OutageLogger,
  RedisOutageLog,
  type RedisOutageLogOptions,
} from './redis-outage-log.ts';
