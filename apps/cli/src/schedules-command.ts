import { readFile } from 'node:fs/promises';
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
      printJson(io, await api.json('GET', '/v1/schedules'));
      return ExitCode.ok;
    case 'create': {
      if (arg === undefined || extra.length > 0) {
        throw usageError('schedules', "create takes one JSON body or '@file'");
      }
      printJson(io, await api.json('POST', '/v1/schedules', { body: await readBody(arg) }));
      return ExitCode.ok;
    }
    case 'delete': {
      if (arg === undefined || extra.length > 0) {
        throw usageError('schedules', 'delete takes one schedule id');
      }
      const response = await api.request('DELETE', `/v1/schedules/${encodeURIComponent(arg)}`);
      const text = await response.text();
      if (text) io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      return ExitCode.ok;
    }
    default:
      throw usageError('schedules', 'use one of: list, create <json|@file>, delete <id>');
  }
}

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
