import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** The most of an instructions file read into the prompt. */
export const MAX_INSTRUCTIONS_BYTES = 64 * 1024;

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

/**
 * The repository's review instructions: the `instructions` text, then the `instructions-file` content.
 * The file must be a relative path to a regular file inside the workspace, even after its symlinks are
 * followed (a symlink to /proc/self/environ would put the run's secrets in the prompt), of at most
 * MAX_INSTRUCTIONS_BYTES.
 */
export async function loadInstructions(text: string, file: string, workspace: string): Promise<string> {
  if (!file) return text;
  const fail = (why: string, cause?: unknown): Error =>
    new Error(
      `input 'instructions-file': ${JSON.stringify(file)} ${why}; expected a path relative to the repository root of a checked-out file of at most ${MAX_INSTRUCTIONS_BYTES / 1024} KiB (add actions/checkout before this step)`,
      cause === undefined ? undefined : { cause },
    );
  if (isAbsolute(file)) throw fail('is an absolute path');
  let root: string;
  let real: string;
  try {
    root = await realpath(workspace);
    real = await realpath(resolve(root, file));
  } catch (error) {
    throw fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`, error);
  }
  if (!inside(root, real)) throw fail('leads outside the repository');
  const handle = await open(real, 'r');
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw fail('is not a regular file');
    if (stat.size > MAX_INSTRUCTIONS_BYTES) throw fail(`is ${stat.size} bytes`);
    const content = await handle.readFile('utf8');
    return [text, content.trim()].filter(Boolean).join('\n\n');
  } finally {
    await handle.close();
  }
}
