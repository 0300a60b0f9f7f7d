import {
  cancelCommand,
  listCommand,
  resultsCommand,
  statusCommand,
  workersCommand,
} from './batch-commands.ts';
import type { CliIo } from './cli-args.ts';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { commandHelp, mainHelp } from './help.ts';
import { schedulesCommand } from './schedules-command.ts';
import { startCommand } from './start-command.ts';
import { submitCommand } from './submit-command.ts';

type Command = (args: string[], io: CliIo) => Promise<ExitCodeValue>;

const commands: Record<string, Command> = {
  start: startCommand,
  submit: submitCommand,
  status: statusCommand,
  results: resultsCommand,
  cancel: cancelCommand,
  list: listCommand,
  workers: workersCommand,
  schedules: schedulesCommand,
};

/**
 * Runs one `nightshift` command line and returns its exit code; never exits the process itself.
 *
 * @example
 * process.exitCode = await runCli(['status', 'batch_123'], { stdout, stderr, env: process.env });
 */
export async function runCli(argv: string[], io: CliIo): Promise<ExitCodeValue> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.stdout : io.stderr).write(mainHelp());
    return name ? ExitCode.ok : ExitCode.usage;
  }
  const command = commands[name];
  if (!command) {
    io.stderr.write(`nightshift: unknown command '${name}'\n\n${mainHelp()}`);
    return ExitCode.usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(commandHelp(name));
    return ExitCode.ok;
  }
  try {
    return await command(args, io);
  } catch (error) {
    if (error instanceof CliError) {
      if (error.message) io.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
