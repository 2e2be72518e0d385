import { run } from './action/main.js';

await run().finally(() => process.exit(process.exitCode ?? 0));
