export { type RunningService, type RunServiceOptions, runService } from './run-service.ts';
