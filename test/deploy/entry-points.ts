import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The apps that run as services (the CLI is a development tool, not deployed). */
export const deployedApps = ['api', 'worker', 'notifier', 'scheduler'] as const;

/** A `node <file>` command of the compose file or the Dockerfile. */
export interface NodeCommand {
  /** Where it was found: a compose service name or `Dockerfile`. */
  origin: string;
  /** Every argument after `node`. */
  args: string[];
}

/** The `command:` of each compose service that runs `node`, keyed by service name. */
export function composeNodeCommands(composeText: string): Map<string, NodeCommand> {
  const commands = new Map<string, NodeCommand>();
  let service: string | undefined;
  for (const line of composeText.split('\n')) {
    const header = /^ {2}([a-z][\w-]*):\s*$/.exec(line);
    if (header) service = header[1];
    const command = /^ {4}command:\s*(\[.*\])\s*$/.exec(line);
    if (service && command?.[1]) {
      const argv = JSON.parse(command[1]) as string[];
      if (argv[0] === 'node') commands.set(service, { origin: service, args: argv.slice(1) });
    }
  }
  return commands;
}

/** The `CMD` of the Dockerfile's last stage (the runtime image). */
export function dockerfileCommand(dockerfileText: string): NodeCommand {
  const cmds = [...dockerfileText.matchAll(/^CMD\s+(\[.*\])\s*$/gm)];
  const last = cmds.at(-1)?.[1];
  if (!last) throw new Error('Dockerfile has no CMD');
  const argv = JSON.parse(last) as string[];
  return { origin: 'Dockerfile', args: argv.slice(1) };
}

/**
 * The TypeScript file whose compilation is `distFile` (`apps/api/dist/main.js` ←
 * `apps/api/src/main.ts`), read from the workspace's tsconfig.build.json; undefined when the
 * build emits no such file.
 */
export function sourceOfBuiltFile(root: string, distFile: string): string | undefined {
  const match = /^((?:apps|packages)\/[\w-]+)\/(.+)\.js$/.exec(distFile);
  if (!match?.[1] || !match[2]) return undefined;
  const [, workspace, rest] = match;
  const configPath = join(root, workspace, 'tsconfig.build.json');
  if (!existsSync(configPath)) return undefined;
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as {
    compilerOptions?: { rootDir?: string; outDir?: string };
  };
  const outDir = config.compilerOptions?.outDir;
  const rootDir = config.compilerOptions?.rootDir;
  if (!outDir || !rootDir || !rest.startsWith(`${outDir}/`)) return undefined;
  const source = `${workspace}/${rootDir}/${rest.slice(outDir.length + 1)}.ts`;
  return existsSync(join(root, source)) ? source : undefined;
}
