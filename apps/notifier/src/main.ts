import { runService } from '@nightshift/process';
import { startNotifier } from './notifier-process.ts';

await runService('notifier', (config, logger) =>
  startNotifier(config, logger, {
    lockMs: config.NIGHTSHIFT_JOB_LOCK_MS,
    concurrency: config.NIGHTSHIFT_NOTIFIER_CONCURRENCY,
  }),
);
