import { run } from './action/main.js';

await run();
// Work a stage gave up on at its deadline (a stalled context fetch) must not keep the step running past
// max-minutes: the run is over once run() returns.
process.exit(process.exitCode ?? 0);
