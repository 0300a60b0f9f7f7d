export { cronProblem, timeZoneProblem } from './cron-validation.ts';
export {
  type CollectDirectoryOptions,
  type CollectedDirectory,
  collectDirectory,
} from './directory-source.ts';
export { fireTimesBetween, nextFireTimes } from './fire-times.ts';
export { type InboxFolder, resolveInboxFolder } from './inbox-path.ts';
export {
  fireKey,
  RedisRunCoordinator,
  type RedisRunCoordinatorOptions,
} from './run-coordinator.ts';
export { ScheduleFirer, type ScheduleFirerOptions } from './schedule-firer.ts';
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
  scheduleSource,
  timeZone,
  type UpdateScheduleBody,
  updateScheduleBody,
} from './schedule-schemas.ts';
export { ScheduleStore, type ScheduleStoreOptions, type StoredSchedule } from './schedule-store.ts';
