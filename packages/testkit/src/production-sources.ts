import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, as guard tests name files relative to it. */
export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Production source files of every app and package (`apps/*\/src`, `packages/*\/src`), without
 * tests, relative to {@link repositoryRoot}: what a guard test over the whole tree reads.
 *
 * @example
 * productionSources(/\.ts$/); // ['apps/api/src/app.ts', …]
 */
export function productionSources(extensions: RegExp = /\.(ts|mts|js|mjs)$/): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (extensions.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        out.push(relative(repositoryRoot, path));
      }
    }
  };
  for (const group of ['apps', 'packages']) {
    for (const workspace of readdirSync(join(repositoryRoot, group), { withFileTypes: true })) {
      if (!workspace.isDirectory()) continue;
      try {
        walk(join(repositoryRoot, group, workspace.name, 'src'));
      } catch {
        // a workspace without src has no production code to check
      }
    }
  }
  return out;
}
