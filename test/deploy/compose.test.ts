import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasCompose)
  console.warn(
    'docker-compose is not installed: the compose check is skipped (.ci/run installs it)',
  );

describe('docker-compose.yml', () => {
  it.skipIf(!hasCompose)('is accepted by docker-compose config', () => {
    const result = spawnSync('docker-compose', ['config'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NIGHTSHIFT_API_KEYS: 'team:key',
        NIGHTSHIFT_WEBHOOK_SECRET: 'whsec_dGVzdA==',
      },
      encoding: 'utf8',
    });
    expect(result.stderr).not.toMatch(/ERROR/);
    expect(result.status).toBe(0);
    for (const service of ['redis:', 'api:', 'worker:', 'notifier:', 'scheduler:', 'ollama:']) {
      expect(result.stdout).toContain(`  ${service}`);
    }
    expect(result.stdout).toContain('noeviction');
  });

  it('runs every app from the one image with the entry points that exist', () => {
    const compose = readFileSync(`${root}/docker-compose.yml`, 'utf8');
    for (const app of ['api', 'worker', 'notifier', 'scheduler']) {
      expect(compose).toContain(`apps/${app}/src/main.ts`);
    }
  });
});
