import { runService } from '@nightshift/process';
import { startNotifier } from './notifier-process.ts';

await runService('notifier', startNotifier);
