import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

/** The repository's review instructions: the `instructions` text, then the `instructions-file` content. */
export async function loadInstructions(text: string, file: string, workspace: string): Promise<string> {
  if (!file) return text;
  const path = isAbsolute(file) ? file : resolve(workspace, file);
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(
      `input 'instructions-file': cannot read ${JSON.stringify(file)} (${code}); expected a path relative to the repository root of a checked-out file (add actions/checkout before this step)`,
      { cause: error },
    );
  }
  return [text, content.trim()].filter(Boolean).join('\n\n');
}
