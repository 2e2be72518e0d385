import { runCli } from './cli/run.js';

// The command line: reviews the git diff of the repository it is run in. `npm run review` runs it from the
// package's folder, so INIT_CWD (where npm was started) is the repository meant.
const code = await runCli(process.argv.slice(2), {
  cwd: process.env.INIT_CWD ?? process.cwd(),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  tty: process.stderr.isTTY,
});
process.exitCode = code;
