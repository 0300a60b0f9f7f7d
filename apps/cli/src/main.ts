import { runCli } from './cli.ts';

const argv = process.argv.slice(2);
const controller = new AbortController();
// Only commands that can stop gracefully take over Ctrl-C; the rest die at once as usual.
if (argv[0] === 'start' || argv.includes('--wait')) {
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals === 1) controller.abort();
    else {
      process.stderr.write('nightshift: second signal, exiting now\n');
      process.exit(130); // the start command's exit hook SIGKILLs whatever still runs
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

process.exitCode = await runCli(argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
