import parseDiff from 'parse-diff';
import type { ChangedFile } from '../core/pull-request.js';

export type Side = 'LEFT' | 'RIGHT';

/** One line of a hunk with its real line numbers: `oldLine` on the base side, `newLine` on the head side. */
export interface DiffLine {
  kind: 'add' | 'del' | 'context';
  oldLine?: number;
  newLine?: number;
  text: string;
}

export interface Hunk {
  /** The `@@ -a,b +c,d @@ section` line. */
  header: string;
  oldStart: number;
  newStart: number;
  lines: DiffLine[];
}

export interface FileDiff {
  path: string;
  previousPath?: string | undefined;
  status: ChangedFile['status'];
  /** True when GitHub sent no patch (binary, or too large for the API). */
  noPatch: boolean;
  hunks: Hunk[];
  additions: number;
  deletions: number;
}

/** Parses the hunks of one file's patch, with the line numbers of each line on both sides. */
export function parseHunks(patch: string): Hunk[] {
  const [file] = parseDiff(patch);
  if (!file) return [];
  return file.chunks.map((chunk) => ({
    header: chunk.content,
    oldStart: chunk.oldStart,
    newStart: chunk.newStart,
    lines: chunk.changes
      // parse-diff reports "\ No newline at end of file" as a copy of the line before it.
      .filter((change) => !change.content.startsWith('\\'))
      .map((change): DiffLine => {
        const text = change.content.slice(1);
        if (change.type === 'add') return { kind: 'add', newLine: change.ln, text };
        if (change.type === 'del') return { kind: 'del', oldLine: change.ln, text };
        return { kind: 'context', oldLine: change.ln1, newLine: change.ln2, text };
      }),
  }));
}

export function toFileDiff(file: ChangedFile): FileDiff {
  return {
    path: file.filename,
    previousPath: file.previous_filename,
    status: file.status,
    noPatch: file.patch === undefined || file.patch === '',
    hunks: file.patch ? parseHunks(file.patch) : [],
    additions: file.additions,
    deletions: file.deletions,
  };
}
