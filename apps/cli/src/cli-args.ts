import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliError, ExitCode } from './exit-codes.ts';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Flags every client command takes. */
export const globalOptions = {
  url: { type: 'string' },
  key: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

/** What every command gets besides its arguments. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** The environment (`NIGHTSHIFT_URL`, `NIGHTSHIFT_API_KEY`, and for `start` the whole stack's). */
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C, so a command that follows a batch can stop following it. */
  signal?: AbortSignal;
}

/**
 * `util.parseArgs` with the global flags added and strict errors turned into exit code 1.
 *
 * @example
 * const { values, positionals } = parseCommand('status', args, {});
 */
export function parseCommand<const O extends OptionsConfig>(
  command: string,
  args: string[],
  options: O,
) {
  try {
    return parseArgs({
      args,
      options: { ...globalOptions, ...options } as typeof globalOptions & O,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw usageError(command, (error as Error).message);
  }
}

/** A usage error (exit 1) that points at the command's help. */
export function usageError(command: string, message: string): CliError {
  return new CliError(
    ExitCode.usage,
    `nightshift ${command}: ${message}\nRun 'nightshift ${command} --help' for usage.`,
  );
}

/** A positive integer flag, or a usage error naming it. */
export function positiveInt(command: string, flag: string, value: string | undefined) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw usageError(command, `--${flag} takes a positive integer`);
  return n;
}

/** `--url`/`NIGHTSHIFT_URL` and `--key`/`NIGHTSHIFT_API_KEY`, flags first. */
export function apiTarget(
  command: string,
  values: { url?: string | undefined; key?: string | undefined },
  env: CliIo['env'],
): { baseUrl: string; key: string | undefined } {
  const baseUrl = values.url ?? env.NIGHTSHIFT_URL ?? 'http://127.0.0.1:3000';
  try {
    new URL(baseUrl);
  } catch {
    throw usageError(command, `'${baseUrl}' is not a URL (--url or NIGHTSHIFT_URL)`);
  }
  return { baseUrl, key: values.key ?? env.NIGHTSHIFT_API_KEY };
}
