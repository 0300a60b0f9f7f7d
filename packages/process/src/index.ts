export {
  defaultDrainTimeoutMs,
  logDeprecations,
  type RunningService,
  type RunServiceOptions,
  runService,
} from './run-service.ts';
