export {
  anthropicBlockTypes,
  anthropicCountTokensBodySchema,
  anthropicMessagesBodySchema,
} from './anthropic-messages-schema.ts';
export * from './api-schemas.ts';
export * from './batch-schemas.ts';
export {
  type Config,
  ConfigError,
  coldConcurrencyCap,
  configVariables,
  durationMs,
  loadConfig,
  TUNED_COLD_CONCURRENCY_CAP,
} from './config.ts';
export {
  type Deprecation,
  deprecatedVariables,
  deprecationsIn,
  withReplacements,
} from './deprecated-variables.ts';
export { gatewayConfigShape, type UpstreamSpec, upstreamSchema } from './gateway-config.ts';
export {
  type IdKind,
  idPatterns,
  idSchemas,
  newBatchId,
  newOpenAiFileId,
  newScheduleId,
  openAiFileIdPattern,
  tenantNamePattern,
} from './ids.ts';
export * from './job-payloads.ts';
export { jobLockTiming, keyPrefix, type QueueName, queueNames } from './queue-topology.ts';
export * from './webhook-event.ts';
