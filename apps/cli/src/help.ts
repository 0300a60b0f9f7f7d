/** Usage of each command, shown by `nightshift <command> --help`. */
export const commandUsage: Record<string, string> = {
  start:
    'nightshift start [--home DIR]\n' +
    '  Runs the whole stack on this machine (api, worker, notifier, scheduler). Without REDIS_URL\n' +
    '  it launches redis-server with data in DIR/.nightshift/redis (DIR: --home, NIGHTSHIFT_HOME,\n' +
    '  else the repo root); without NIGHTSHIFT_API_KEYS / NIGHTSHIFT_WEBHOOK_SECRET it generates\n' +
    '  dev ones, kept in .nightshift/dev.env. Ctrl-C stops everything. Exits 1 if a service dies.',
  submit:
    'nightshift submit <files…> [--webhook URL] [--model M] [--max-words N] [--wait] [--interval MS]\n' +
    '  Uploads PDFs and text files as one batch. Prints the batch (JSON). With --wait, follows it\n' +
    '  with a progress bar on stderr and prints the final batch; exits 3 if it failed, was\n' +
    '  cancelled or expired (completed_with_errors exits 0: see `results`).',
  status:
    'nightshift status <batch-id> [--wait] [--interval MS]\n' +
    '  Prints the batch object (JSON); --wait follows it to its end like `submit --wait`.',
  results:
    'nightshift results <batch-id>\n  Streams the results as NDJSON to stdout, one line per document.',
  cancel: 'nightshift cancel <batch-id>\n  Cancels the batch and prints it.',
  list: 'nightshift list [--limit N] [--after BATCH-ID]\n  Lists your batches, newest first.',
  workers: 'nightshift workers\n  Lists the workers the API knows of (GET /v1/workers).',
  schedules:
    'nightshift schedules list\n' +
    'nightshift schedules create <json | @file.json>\n' +
    'nightshift schedules delete <schedule-id>\n' +
    '  Thin wrappers over /v1/schedules; `create` sends the JSON body as given.',
};

const common = `Client options (every command but start):
  --url URL    API base URL (env NIGHTSHIFT_URL, default http://127.0.0.1:3000)
  --key KEY    API key (env NIGHTSHIFT_API_KEY)
  -h, --help   Show help

Exit codes:
  0  ok (for --wait: the batch completed, possibly with per-document errors)
  1  usage error (bad flags, missing key, unreadable file; for start: the stack could not
     start or a service died)
  2  the API answered with an error (its problem+json is printed to stderr)
  3  --wait: the batch ended failed, cancelled or expired
  4  the API could not be reached
  130  interrupted while following a batch (the batch goes on)`;

/** The full `nightshift --help` text. */
export function mainHelp(): string {
  return `nightshift: run Nightshift locally and talk to its API.

Commands:
${Object.values(commandUsage)
  .flatMap((usage) => usage.split('\n').filter((line) => line.startsWith('nightshift ')))
  .map((line) => `  ${line}`)
  .join('\n')}

Run 'nightshift <command> --help' for details.
start reads the whole configuration contract from the environment (see the README), plus
NIGHTSHIFT_HOME (where .nightshift/ lives) and NIGHTSHIFT_REDIS_SERVER (the redis-server binary).

${common}
`;
}

/** `nightshift <command> --help`. */
export function commandHelp(command: string): string {
  return `${commandUsage[command]}\n\n${common}\n`;
}
