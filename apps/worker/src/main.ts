import { runService } from '@nightshift/process';
import { startWorker } from './worker-process.ts';

await runService('worker', startWorker);
