import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  composeNodeCommands,
  deployedApps,
  dockerfileCommand,
  sourceOfBuiltFile,
} from './entry-points.ts';

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

  it('runs every app with plain node on the JavaScript that the build emits', () => {
    const commands = composeNodeCommands(readFileSync(`${root}/docker-compose.yml`, 'utf8'));
    expect([...commands.keys()].sort()).toEqual([...deployedApps].sort());
    for (const app of deployedApps) {
      const command = commands.get(app);
      // One argument, the compiled entry point: no loader (tsx) and no TypeScript at run time.
      expect(command?.args).toEqual([`apps/${app}/dist/main.js`]);
      expect(sourceOfBuiltFile(root, `apps/${app}/dist/main.js`)).toBe(`apps/${app}/src/main.ts`);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(`${root}/Dockerfile`, 'utf8');
  const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('builds in a build stage and runs compiled JavaScript in a runtime stage without dev dependencies', () => {
    expect(dockerfile).toMatch(/^FROM \S+ AS build$/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(runtimeStage).toContain('COPY --from=build');
    expect(runtimeStage).toMatch(/npm ci --omit=dev/);
    expect(runtimeStage).not.toMatch(/tsx|\.ts\b/);
    const cmd = dockerfileCommand(dockerfile);
    expect(cmd.args).toEqual(['apps/api/dist/main.js']);
    expect(sourceOfBuiltFile(root, 'apps/api/dist/main.js')).toBe('apps/api/src/main.ts');
  });

  it('builds and runs on Node 24 LTS, a line the engines range admits beside Node 20', () => {
    const images = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    // Both stages on one line: the build's native installs must match the runtime's ABI.
    expect(images).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
    const { engines } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as {
      engines: { node: string };
    };
    expect(engines.node).toBe('^20.19.0 || >=22.12.0');
  });

  it('the file helpers refuse entry points that the build does not emit', () => {
    expect(sourceOfBuiltFile(root, 'apps/api/src/main.ts')).toBeUndefined();
    expect(sourceOfBuiltFile(root, 'apps/api/dist/nope.js')).toBeUndefined();
    expect(sourceOfBuiltFile(root, 'apps/nope/dist/main.js')).toBeUndefined();
  });
});
