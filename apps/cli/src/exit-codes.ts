/**
 * Exit codes a script can rely on (documented in `nightshift --help`).
 *
 * @example
 * if (code === ExitCode.apiUnreachable) retryLater();
 */
export const ExitCode = {
  /** The command did what it was asked. */
  ok: 0,
  /** Bad flags or arguments, missing key, unreadable file, or `start` could not bring the stack up. */
  usage: 1,
  /** The API answered with an error; its problem+json went to stderr. */
  apiError: 2,
  /** `--wait` followed the batch to `failed`, `cancelled` or `expired`. */
  batchUnsuccessful: 3,
  /** The API could not be reached at all (connection refused, DNS, timeout). */
  apiUnreachable: 4,
  /** Ctrl-C while following a batch (the batch itself goes on). */
  interrupted: 130,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error that ends the command with a given exit code. The message goes to stderr as is.
 *
 * @example
 * throw new CliError(ExitCode.usage, 'submit: give one or more files');
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    /** Exit code the process ends with. */
    readonly exitCode: ExitCodeValue,
    message: string,
  ) {
    super(message);
  }
}
