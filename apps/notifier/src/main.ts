import { runService } from '@nightshift/process';
import { startNotifier } from './notifier-process.ts';

// Tuning knobs outside the configuration contract, for operators and the crash tests.
const positive = (value: string | undefined) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
};
const lockMs = positive(process.env.NIGHTSHIFT_NOTIFIER_LOCK_MS);
const concurrency = positive(process.env.NIGHTSHIFT_NOTIFIER_CONCURRENCY);

await runService('notifier', (config, logger) =>
  startNotifier(config, logger, {
    ...(lockMs ? { lockMs } : {}),
    ...(concurrency ? { concurrency } : {}),
  }),
);
