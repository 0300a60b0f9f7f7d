export * from './api-schemas.ts';
export * from './batch-schemas.ts';
export { type Config, ConfigError, durationMs, loadConfig } from './config.ts';
export {
  type IdKind,
  idPatterns,
  idSchemas,
  newBatchId,
  newScheduleId,
  tenantNamePattern,
} from './ids.ts';
export * from './job-payloads.ts';
export { LuaScript, LuaScriptError, luaScript } from './lua-script.ts';
export {
  type ConnectionRole,
  checkRedisPolicy,
  createRedis,
  keyPrefix,
  type QueueName,
  queueNames,
  RedisPolicyError,
} from './queue-topology.ts';
export * from './webhook-event.ts';
