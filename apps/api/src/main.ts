import { runService } from '@nightshift/process';
import { startApi } from './api-process.ts';

await runService('api', startApi);
