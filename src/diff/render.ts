import { estimateTokens } from '../core/tokens.js';
import type { DiffLine, FileDiff, Hunk } from './diff.js';

/**
 * How a diff is shown to the model: close to the raw patch, every line with its number.
 *
 *   `12+text`  an added line, with its number in the new file (side RIGHT)
 *   `12 text`  an unchanged context line, with its number in the new file (side RIGHT)
 *   `7-text`   a deleted line, with its number in the old file (side LEFT)
 *   `… old lines 20–41 not shown …`  deleted lines left out of a long removed block (no number first)
 *
 * A line is its number, one marker character, then the code exactly. The number is one token of the
 * tokenizer, so numbering every line costs one token a context or deleted line; the hunk header's ranges,
 * which the numbers make redundant, are left out to pay for part of it (`npm run bench` measures both).
 * Each finding still quotes its line, so a misread number is moved to the line its quote matches.
 */

/** Deleted lines a part shows whole, in estimated tokens: runs are given room smallest first. */
export const DELETED_TOKENS_PER_PART = 8000;
/** A shortened run keeps its first and last lines, and the definitions and checks between them. */
export const DELETED_RUN_HEAD = 10;
export const DELETED_RUN_TAIL = 3;
/** Lines of the middle of a shortened run kept because they define a name or check a condition. */
const MAX_KEPT_MIDDLE = 8;
/** Runs of deleted lines up to this long are always shown whole: shortening them saves nothing. */
export const DELETED_RUN_MAX = DELETED_RUN_HEAD + DELETED_RUN_TAIL + MAX_KEPT_MIDDLE + 3;

const DEFINES =
  /^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\*?\s+([\w$]+)|class\s+([\w$]+)|def\s+(\w+)|func\s+(?:\([^)]*\)\s*)?(\w+)|fn\s+(\w+)|(?:const|let|var)\s+([\w$]+)\s*=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*=>|[\w$]+\s*=>))/;
const METHOD = /^\s*(?:static\s+|async\s+|public\s+|private\s+|protected\s+)*([A-Za-z_$][\w$]*)\s*\([^)]*\)\s*\{\s*$/;
const CHECK = /^\s*(?:}\s*)?(?:if|else if|elif|unless|guard|assert)\b|\b(?:throw|raise)\b/;
const NOT_NAMES = new Set(['if', 'for', 'while', 'switch', 'catch', 'function', 'return']);

/** The name a deleted line defines (a function, class or method header), if any. */
export function definedName(text: string): string | undefined {
  const match = DEFINES.exec(text) ?? METHOD.exec(text);
  const name = match?.slice(1).find(Boolean);
  return name && !NOT_NAMES.has(name) ? name : undefined;
}

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
  if (line.kind === 'del') return `${line.oldLine ?? 0}-${line.text}`;
  return `${line.newLine ?? 0} ${line.text}`;
}

/** A hunk's heading as shown: `@@` and the section the patch names, without the ranges the numbers repeat. */
export function hunkHeading(hunk: Hunk): string {
  return `@@${hunk.header.replace(/^@@ [^@]* @@/, '')}`;
}

/** The runs of consecutive deleted lines of a hunk, as index ranges [start, end). */
function deletedRuns(hunk: Hunk): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  hunk.lines.forEach((line, i) => {
    if (line.kind === 'del' && start < 0) start = i;
    if (line.kind !== 'del' && start >= 0) {
      runs.push([start, i]);
      start = -1;
    }
  });
  if (start >= 0) runs.push([start, hunk.lines.length]);
  return runs;
}

const runTokens = (lines: readonly DiffLine[]): number =>
  lines.reduce((n, line) => n + estimateTokens(renderLine(line)) + 1, 0);

/**
 * The deleted runs of a part that are shortened: the long runs that do not fit in `budget` tokens once
 * the smaller ones have their room (first lines of the runs, by identity).
 */
export function shortenedRuns(hunks: readonly Hunk[], budget = DELETED_TOKENS_PER_PART): Set<DiffLine> {
  const long = hunks
    .flatMap((hunk) => deletedRuns(hunk).map(([a, b]) => hunk.lines.slice(a, b)))
    .filter((run) => run.length > DELETED_RUN_MAX)
    .map((run) => ({ run, tokens: runTokens(run) }))
    .sort((a, b) => a.tokens - b.tokens);
  const shortened = new Set<DiffLine>();
  let left = budget;
  for (const { run, tokens } of long) {
    if (tokens <= left) left -= tokens;
    else shortened.add(run[0] as DiffLine);
  }
  return shortened;
}

/** A long deleted run as its first and last lines, the lines between that define or check something, and notes of what is left out. */
export function renderShortRun(run: readonly DiffLine[], path: string): string[] {
  const middle = run.slice(DELETED_RUN_HEAD, run.length - DELETED_RUN_TAIL);
  const kept = new Set(
    middle.filter((line) => definedName(line.text) !== undefined || CHECK.test(line.text)).slice(0, MAX_KEPT_MIDDLE),
  );
  const out = run.slice(0, DELETED_RUN_HEAD).map(renderLine);
  let skipped: DiffLine[] = [];
  const flush = (): void => {
    const first = skipped[0];
    const last = skipped.at(-1);
    if (first && last) out.push(`… old lines ${first.oldLine ?? 0}–${last.oldLine ?? 0} not shown (deleted)`);
    skipped = [];
  };
  for (const line of middle) {
    if (!kept.has(line)) {
      skipped.push(line);
      continue;
    }
    flush();
    out.push(renderLine(line));
  }
  flush();
  out.push(...run.slice(run.length - DELETED_RUN_TAIL).map(renderLine));
  const names = [...new Set(run.flatMap((line) => definedName(line.text) ?? []))];
  const first = run[0]?.oldLine ?? 0;
  const last = run.at(-1)?.oldLine ?? 0;
  out.push(
    `… (${run.length} deleted lines, old ${first}–${last}, shortened${names.length > 0 ? `; they defined ${names.slice(0, 12).join(', ')}` : ''}; the whole block is ${path} at the base commit)`,
  );
  return out;
}

/** The hunk's lines as shown: every line numbered, the runs in `shortened` cut to their outline. */
export function renderHunk(hunk: Hunk, path = '', shortened: ReadonlySet<DiffLine> = new Set()): string {
  const out: string[] = [hunkHeading(hunk)];
  const runs = new Map(deletedRuns(hunk).map(([a, b]) => [a, b]));
  for (let i = 0; i < hunk.lines.length; i++) {
    const line = hunk.lines[i] as DiffLine;
    const end = runs.get(i);
    if (end !== undefined && shortened.has(line)) {
      out.push(...renderShortRun(hunk.lines.slice(i, end), path));
      i = end - 1;
      continue;
    }
    out.push(renderLine(line));
  }
  return out.join('\n');
}

/** A file's hunks under its header, as one block of the prompt. */
export function renderFile(
  file: FileDiff,
  hunks: readonly Hunk[],
  part?: { index: number; count: number },
  shortened: ReadonlySet<DiffLine> = new Set(),
): string {
  return [renderFileHeader(file, part), ...hunks.map((h) => renderHunk(h, file.path, shortened))].join('\n');
}
