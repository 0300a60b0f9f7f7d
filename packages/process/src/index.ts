export {
  defaultDrainTimeoutMs,
  type RunningService,
  type RunServiceOptions,
  runService,
} from './run-service.ts';
