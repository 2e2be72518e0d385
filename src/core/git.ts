import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs git in `cwd` and gives its output (up to 512 MB). */
export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, maxBuffer: 512 * 1024 * 1024 });
  return stdout;
}

/**
 * A file of a commit, read by one `git cat-file --batch` (no second process to ask whether it exists);
 * undefined when the commit has no file at that path (absent, or a folder).
 */
export async function gitFile(cwd: string, commit: string, path: string): Promise<string | undefined> {
  // The batch reads a line a request: a path with a line break is none git could hold here.
  if (/[\r\n]/.test(path)) return undefined;
  const run = exec('git', ['cat-file', '--batch'], { cwd, maxBuffer: 512 * 1024 * 1024, encoding: 'buffer' });
  run.child.stdin?.end(`${commit}:${path}\n`);
  const { stdout } = await run;
  const end = stdout.indexOf(10);
  const [, type, size] = stdout.subarray(0, end).toString('utf8').split(' ');
  if (type !== 'blob' || size === undefined) return undefined;
  return stdout.subarray(end + 1, end + 1 + Number(size)).toString('utf8');
}
