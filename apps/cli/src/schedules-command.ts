import { readFile } from 'node:fs/promises';
import type { paths } from '@nightshift/client';
import { clientFor, printJson } from './batch-commands.ts';
import { type CliIo, parseCommand, usageError } from './cli-args.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';

/**
 * `nightshift schedules list|create|delete`: thin wrappers over `/v1/schedules`. `create`
 * sends its JSON body as given (inline or `@file.json`), so the CLI never lags the API's schema.
 *
 * @example
 * await schedulesCommand(['create', '{"name":"nightly","cron":"0 2 * * *",...}'], io);
 */
export async function schedulesCommand(args: string[], io: CliIo): Promise<ExitCodeValue> {
  const { values, positionals } = parseCommand('schedules', args, {});
  const [action, arg, ...extra] = positionals;
  const api = clientFor('schedules', values, io);
  switch (action) {
    case 'list':
      if (arg !== undefined) throw usageError('schedules', 'list takes no arguments');
      printJson(io, await api.call((c) => c.GET('/v1/schedules')));
      return ExitCode.ok;
    case 'create': {
      if (arg === undefined || extra.length > 0) {
        throw usageError('schedules', "create takes one JSON body or '@file'");
      }
      // The body goes as the user wrote it: the API checks it, so the CLI never lags its schema.
      const body = (await readBody(arg)) as ScheduleBody;
      printJson(io, await api.call((c) => c.POST('/v1/schedules', { body })));
      return ExitCode.ok;
    }
    case 'delete': {
      if (arg === undefined || extra.length > 0) {
        throw usageError('schedules', 'delete takes one schedule id');
      }
      const text = await api.call((c) =>
        c.DELETE('/v1/schedules/{id}', { params: { path: { id: arg } }, parseAs: 'text' }),
      );
      if (text) io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      return ExitCode.ok;
    }
    default:
      throw usageError('schedules', 'use one of: list, create <json|@file>, delete <id>');
  }
}

type ScheduleBody = paths['/v1/schedules']['post']['requestBody']['content']['application/json'];

async function readBody(arg: string): Promise<unknown> {
  let text = arg;
  if (arg.startsWith('@')) {
    try {
      text = await readFile(arg.slice(1), 'utf8');
    } catch (error) {
      throw usageError('schedules', `cannot read ${arg.slice(1)}: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw usageError('schedules', 'the create body is not valid JSON');
  }
}
