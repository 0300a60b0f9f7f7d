export { type Config, ConfigError, durationMs, loadConfig } from './config.ts';
export * from './batch-schemas.ts';
export * from './api-schemas.ts';
export * from './job-payloads.ts';
export * from './webhook-event.ts';
export {
  checkRedisPolicy,
  type ConnectionRole,
  createRedis,
  keyPrefix,
  type QueueName,
  queueNames,
  RedisPolicyError,
} from './queue-topology.ts';
export { newBatchId, newScheduleId } from './ids.ts';
