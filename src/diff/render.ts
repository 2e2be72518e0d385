import type { DiffLine, FileDiff, Hunk } from './diff.js';

/**
 * How a diff is shown to the model: lean, close to the raw patch, with just enough line numbers.
 *
 *   `12+text`  an added line, with its line number in the new file (side RIGHT)
 *   ` text`    an unchanged context line (side RIGHT; its number follows from the line before it)
 *   `-text`    a deleted line (side LEFT; its number counts from the hunk header's old start)
 *
 * Numbering only the added lines costs about 2-5 % over the raw patch, where a tag on every line cost
 * 19-25 % (measured by `npm run bench` with Anthropic's public tokenizer). Each finding quotes its line, so
 * a miscounted context or deleted line is moved to the line its quote matches (see findings/place.ts).
 * A long run of deleted lines is shortened to its first and last lines: the code is gone, and the model
 * needs to see what was removed, not all of it.
 */
export const DELETED_RUN_HEAD = 12;
export const DELETED_RUN_TAIL = 4;
/** Runs of deleted lines longer than this are shortened. */
export const DELETED_RUN_MAX = DELETED_RUN_HEAD + DELETED_RUN_TAIL + 8;

export function describeStatus(file: FileDiff): string {
  if (file.status === 'renamed' && file.previousPath) return `renamed from ${file.previousPath}`;
  return file.status;
}

export function renderFileHeader(file: FileDiff, part?: { index: number; count: number }): string {
  const partNote = part ? `, part ${part.index + 1} of ${part.count}` : '';
  return `## ${file.path} (${describeStatus(file)}${partNote})`;
}

export function renderLine(line: DiffLine): string {
  if (line.kind === 'add') return `${line.newLine ?? 0}+${line.text}`;
  if (line.kind === 'del') return `-${line.text}`;
  return ` ${line.text}`;
}

/** The hunk's lines as shown, with long runs of deleted lines shortened. */
export function renderHunk(hunk: Hunk): string {
  const out: string[] = [hunk.header];
  let run: DiffLine[] = [];
  const flush = (): void => {
    if (run.length > DELETED_RUN_MAX) {
      out.push(...run.slice(0, DELETED_RUN_HEAD).map(renderLine));
      out.push(`-… (${run.length - DELETED_RUN_HEAD - DELETED_RUN_TAIL} more deleted lines not shown)`);
      out.push(...run.slice(-DELETED_RUN_TAIL).map(renderLine));
    } else out.push(...run.map(renderLine));
    run = [];
  };
  for (const line of hunk.lines) {
    if (line.kind === 'del') {
      run.push(line);
      continue;
    }
    flush();
    out.push(renderLine(line));
  }
  flush();
  return out.join('\n');
}

/** A file's hunks under its header, as one block of the prompt. */
export function renderFile(file: FileDiff, hunks: readonly Hunk[], part?: { index: number; count: number }): string {
  return [renderFileHeader(file, part), ...hunks.map(renderHunk)].join('\n');
}
