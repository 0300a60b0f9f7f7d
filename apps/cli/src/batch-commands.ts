import { once } from 'node:events';
import type { BatchObject } from '@nightshift/core';
import { ApiClient } from './api-client.ts';
import { watchBatch } from './batch-watch.ts';
import { apiTarget, type CliIo, parseCommand, positiveInt, usageError } from './cli-args.ts';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { createProgressBar } from './progress-bar.ts';

/** Prints a value as indented JSON on stdout. */
export function printJson(io: CliIo, value: unknown) {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** An {@link ApiClient} for `--url`/`--key` or their environment variables. */
export function clientFor(command: string, values: { url?: string; key?: string }, io: CliIo) {
  const target = apiTarget(command, values, io.env);
  return new ApiClient({ ...target, stderr: io.stderr });
}

function oneId(command: string, positionals: string[]): string {
  const [id, ...rest] = positionals;
  if (!id || rest.length > 0) throw usageError(command, 'give exactly one batch id');
  return id;
}

const batchParams = (id: string) => ({ params: { path: { id } } });

/**
 * Follows a batch to its end with a progress bar on stderr, prints the final batch on stdout,
 * and maps the outcome to an exit code (3 for failed, cancelled, expired).
 */
export async function followBatch(
  api: ApiClient,
  batchId: string,
  intervalMs: number,
  io: CliIo,
): Promise<ExitCodeValue> {
  const final = await watchBatch({
    api,
    batchId,
    intervalMs,
    progress: createProgressBar({ stream: io.stderr }),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  if (!final) {
    io.stderr.write(
      `Stopped following; the batch goes on. Check it with: nightshift status ${batchId}\n`,
    );
    return ExitCode.interrupted;
  }
  printJson(io, final);
  return outcomeCode(final);
}

/** 0 for completed (with or without per-document errors), 3 for the other terminal states. */
export function outcomeCode(batch: BatchObject): ExitCodeValue {
  return batch.status === 'completed' || batch.status === 'completed_with_errors'
    ? ExitCode.ok
    : ExitCode.batchUnsuccessful;
}

/** `nightshift status <id> [--wait]` */
export async function statusCommand(args: string[], io: CliIo): Promise<ExitCodeValue> {
  const { values, positionals } = parseCommand('status', args, {
    wait: { type: 'boolean' },
    interval: { type: 'string' },
  });
  const id = oneId('status', positionals);
  const api = clientFor('status', values, io);
  if (values.wait) {
    const interval = positiveInt('status', 'interval', values.interval) ?? 1000;
    return followBatch(api, id, interval, io);
  }
  printJson(io, await api.call((c) => c.GET('/v1/batches/{id}', batchParams(id))));
  return ExitCode.ok;
}

/** `nightshift results <id>`: the NDJSON stream, byte for byte, on stdout. */
export async function resultsCommand(args: string[], io: CliIo): Promise<ExitCodeValue> {
  const { values, positionals } = parseCommand('results', args, {});
  const id = oneId('results', positionals);
  const body = await clientFor('results', values, io).call((c) =>
    c.GET('/v1/batches/{id}/results', { ...batchParams(id), parseAs: 'stream' }),
  );
  if (!body) return ExitCode.ok;
  try {
    for await (const chunk of body) {
      if (!io.stdout.write(chunk)) await once(io.stdout, 'drain');
    }
  } catch (error) {
    throw new CliError(
      ExitCode.apiUnreachable,
      `The results stream broke off: ${(error as Error).message}`,
    );
  }
  return ExitCode.ok;
}

/** `nightshift cancel <id>` */
export async function cancelCommand(args: string[], io: CliIo): Promise<ExitCodeValue> {
  const { values, positionals } = parseCommand('cancel', args, {});
  const id = oneId('cancel', positionals);
  const api = clientFor('cancel', values, io);
  printJson(io, await api.call((c) => c.POST('/v1/batches/{id}/cancel', batchParams(id))));
  return ExitCode.ok;
}

/** `nightshift list [--limit N] [--after ID]` */
export async function listCommand(args: string[], io: CliIo): Promise<ExitCodeValue> {
  const { values, positionals } = parseCommand('list', args, {
    limit: { type: 'string' },
    after: { type: 'string' },
  });
  if (positionals.length > 0) throw usageError('list', 'takes no arguments');
  const limit = positiveInt('list', 'limit', values.limit);
  const query = {
    ...(limit === undefined ? {} : { limit }),
    ...(values.after === undefined ? {} : { after: values.after }),
  };
  const page = await clientFor('list', values, io).call((c) =>
    c.GET('/v1/batches', { params: { query } }),
  );
  printJson(io, page);
  return ExitCode.ok;
}

/** `nightshift workers`: `GET /v1/workers` (an API error such as 404 exits 2). */
export async function workersCommand(args: string[], io: CliIo): Promise<ExitCodeValue> {
  const { values, positionals } = parseCommand('workers', args, {});
  if (positionals.length > 0) throw usageError('workers', 'takes no arguments');
  printJson(io, await clientFor('workers', values, io).call((c) => c.GET('/v1/workers')));
  return ExitCode.ok;
}
