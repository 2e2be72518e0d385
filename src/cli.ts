import { runCli } from './cli/run.js';

// The command line: reviews the git diff of the repository it is run in. `npm run review` runs it from the
// package's folder, so INIT_CWD (where npm was started) is the repository meant. The first Ctrl-C stops the
// calls and has what finished printed and written; a second one ends the process at once.
const interrupt = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write('\nCtrl-C: stopping the calls; what finished is printed (Ctrl-C again to quit now)\n');
  interrupt.abort(new Error('interrupted (Ctrl-C)'));
});
const code = await runCli(process.argv.slice(2), {
  cwd: process.env.INIT_CWD ?? process.cwd(),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  tty: process.stderr.isTTY,
  interrupt: interrupt.signal,
});
process.exitCode = code;
