import { runService } from '@nightshift/process';
import { startScheduler } from './scheduler-process.ts';

await runService('scheduler', startScheduler);
