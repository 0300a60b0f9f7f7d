import { runService } from '@nightshift/process';
import { startWorker } from './worker-process.ts';

await runService('worker', startWorker, {
  heapFloorMiB: (config) => config.NIGHTSHIFT_WORKER_HEAP_FLOOR_MB,
});
