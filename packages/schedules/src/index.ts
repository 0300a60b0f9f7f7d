export { cronProblem, intervalProblem, timeZoneProblem } from './cron-validation.ts';
export {
  type CollectDirectoryOptions,
  type CollectedDirectory,
  collectDirectory,
} from './directory-source.ts';
export { fireTimesBetween, nextFireTimes, shortestGapMs } from './fire-times.ts';
export { type InboxFolder, inboxRefusal, resolveInboxFolder } from './inbox-path.ts';
export {
  fireKey,
  RedisRunCoordinator,
  type RedisRunCoordinatorOptions,
} from './run-coordinator.ts';
export {
  type FireQuotas,
  ScheduleFirer,
  type ScheduleFirerOptions,
  type TenantQuotaReader,
} from './schedule-firer.ts';
export { scheduleKeys } from './schedule-keys.ts';
export {
  type CatchUpPolicy,
  type CreateScheduleBody,
  catchUpPolicy,
  createScheduleBody,
  cronExpression,
  directorySource,
  inlineSource,
  type Schedule,
  type ScheduleRun,
  type ScheduleSource,
  scheduleObject,
  scheduleRun,
  scheduleSource,
  timeZone,
  type UpdateScheduleBody,
  updateScheduleBody,
} from './schedule-schemas.ts';
export {
  ScheduleLimitError,
  ScheduleStore,
  type ScheduleStoreOptions,
  type StoredSchedule,
} from './schedule-store.ts';
