export { LuaScript, LuaScriptError, luaScript } from './lua-script.ts';
export {
  type ConnectionRole,
  checkRedisPolicy,
  createRedis,
  RedisPolicyError,
} from './redis-connection.ts';
