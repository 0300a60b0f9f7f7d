import { runService } from '@nightshift/process';
import { startApi } from './api-process.ts';

await runService('api', (config, logger) =>
  startApi(config, logger, { drainDelayMs: config.NIGHTSHIFT_API_DRAIN_DELAY_MS }),
);
