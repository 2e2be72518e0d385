// The command line run in this process on real git repositories a test creates.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli, type CliIo } from '../../src/cli/run.js';
import type { GatewayBody, Reply } from '../fakes/gateway.js';
import { scriptedReply } from './action.js';

/**
 * A git repository on a feature branch: main has one commit (with `base` files besides app.js), the branch a
 * second that adds and changes files.
 */
export function repo(base: Readonly<Record<string, string>> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 'T');
  writeFileSync(join(dir, 'app.js'), 'export function add(a, b) {\n  return a + b;\n}\n');
  for (const [path, text] of Object.entries(base)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git('add', '.');
  git('commit', '-qm', 'first');
  git('checkout', '-qb', 'feature');
  writeFileSync(join(dir, 'app.js'), 'export function add(a, b) {\n  return Number(a) + Number(b);\n}\n');
  writeFileSync(join(dir, 'util.js'), 'export const twice = (x) => x * 2;\nexport const thrice = (x) => x * 3;\n');
  writeFileSync(join(dir, 'package-lock.json'), '{}\n');
  git('add', '.');
  git('commit', '-qm', 'second: coerce numbers');
  return dir;
}

/** Runs the CLI in this process from `cwd`; what it wrote and its exit code. */
export async function cli(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
  tty = false,
  llm?: CliIo['llm'],
) {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    cwd,
    env,
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    tty,
    ...(llm ? { llm } : {}),
  });
  return { code, out, err };
}

/** repo() with a 3,000-line file added to the working tree (staged): a diff of several parts at --chunk-tokens 4000. */
export function repoOfParts(): string {
  const dir = repo();
  const big = Array.from({ length: 3000 }, (_, i) => `export const value${i} = compute(${i}, "${'x'.repeat(40)}");`);
  writeFileSync(join(dir, 'big.js'), `${big.join('\n')}\n`);
  execFileSync('git', ['add', '.'], { cwd: dir });
  return dir;
}

/**
 * A gateway's answers for a run a user stops: the first call answered by the scripted reviewer, the second with
 * `second` (a stall once billed, or a hang before any byte), and Ctrl-C (`interrupt`) 100 ms into it.
 */
export function ctrlCOnSecondCall(interrupt: AbortController, second: Reply): (body: GatewayBody, n: number) => Reply {
  return (body, n) => {
    if (n === 0) return scriptedReply(body);
    setTimeout(() => {
      interrupt.abort(new Error('interrupted (Ctrl-C)'));
    }, 100);
    return second;
  };
}
