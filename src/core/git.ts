import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs git in `cwd` and gives its output (up to 512 MB). */
export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, maxBuffer: 512 * 1024 * 1024 });
  return stdout;
}
