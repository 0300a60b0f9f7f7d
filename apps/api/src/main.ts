import { runService } from '@nightshift/process';
import { startApi } from './api-process.ts';

// Outside the configuration contract: how long readyz reports 503 before the listener closes.
const drainDelayMs = Number(process.env.NIGHTSHIFT_API_DRAIN_DELAY_MS) || 0;

await runService('api', (config, logger) => startApi(config, logger, { drainDelayMs }));
