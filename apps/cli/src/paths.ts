import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root (apps are started from here, as `apps/<name>/src/main.ts`). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The apps `nightshift start` runs, in start order; the scheduler only once it exists. */
export function stackServices(root = repoRoot): { services: string[]; skipped: string[] } {
  const services = ['api', 'worker', 'notifier'];
  const hasScheduler = existsSync(join(root, 'apps/scheduler/src/main.ts'));
  return hasScheduler
    ? { services: [...services, 'scheduler'], skipped: [] }
    : { services, skipped: ['scheduler'] };
}

/** `.nightshift` under the home folder (`--home`, `NIGHTSHIFT_HOME`, else the repo root). */
export function dataDirFor(home: string | undefined): string {
  return join(home ?? repoRoot, '.nightshift');
}
