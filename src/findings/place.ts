import type { DiffLine, FileDiff, Hunk, Side } from '../diff/diff.js';
import type { RawComment } from './schema.js';
import type { CheckedComment } from './verdict.js';
import { fingerprint, type Finding } from './findings.js';

/**
 * One line a review comment can sit on: its side, its number on that side, its hunk and its text, and where
 * it falls in each side's numbering (a deleted line sits between two new-file lines), so distances to a
 * cited number are measured in the cited side's numbers.
 */
interface Spot {
  side: Side;
  line: number;
  hunk: number;
  text: string;
  /** An added or deleted line (not context). */
  changed: boolean;
  at: Record<Side, number>;
}

/** Every commentable line of a file, on both sides (a context line is a spot on each side). */
function spotsOf(hunks: readonly Hunk[]): Spot[] {
  const spots: Spot[] = [];
  hunks.forEach((hunk, index) => {
    let old = hunk.oldStart;
    let next = hunk.newStart;
    for (const l of hunk.lines) {
      const at = { LEFT: l.oldLine ?? old, RIGHT: l.newLine ?? next };
      const spot = { hunk: index, text: l.text, changed: l.kind !== 'context', at };
      if (l.newLine !== undefined) spots.push({ ...spot, side: 'RIGHT', line: l.newLine });
      if (l.oldLine !== undefined) spots.push({ ...spot, side: 'LEFT', line: l.oldLine });
      if (l.oldLine !== undefined) old = l.oldLine + 1;
      if (l.newLine !== undefined) next = l.newLine + 1;
    }
  });
  return spots;
}

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** True when a quote names this line: the same text up to whitespace, with or without a copied diff marker. */
export function quoteMatches(quote: string, text: string): boolean {
  const line = squash(text);
  if (!line) return false;
  const q = squash(quote);
  const unmarked = squash(quote.replace(/^\s*\d*[+-]/, ''));
  for (const candidate of [q, unmarked]) {
    if (candidate === line) return true;
    const cut = /^(.*?)\s*(?:\.\.\.|…)$/.exec(candidate)?.[1];
    if (cut && cut.length >= 8 && line.startsWith(cut)) return true;
  }
  return false;
}

/** How far a spot is from a cited line, in the cited side's numbers; the other side costs half a line more. */
const distance = (s: Spot, side: Side, line: number): number =>
  Math.abs(s.at[side] - line) + (s.side === side ? 0 : 0.5);

/** How far a quote may move a comment from a cited line that is in the diff. */
const MAX_MOVE = 20;

/**
 * Where a comment really belongs: its own line when that is in the diff and its quote (if any) agrees;
 * else the diff line nearest to the cited number whose text the quote matches (on the cited side first,
 * within MAX_MOVE lines when the cited line is itself in the diff). Undefined when neither the number nor
 * the quote finds a diff line.
 */
function resolveSpot(spots: readonly Spot[], side: Side, line: number, quote: string | undefined): Spot | undefined {
  const cited = spots.find((s) => s.side === side && s.line === line);
  const usable = quote !== undefined && squash(quote).length > 0;
  if (cited && (!usable || quoteMatches(quote, cited.text))) return cited;
  if (!usable) return undefined;
  const [best] = spots
    .filter((s) => quoteMatches(quote, s.text))
    .sort((a, b) => distance(a, side, line) - distance(b, side, line));
  // A quote that matches nowhere near may be paraphrased: the cited diff line is then the best guess.
  if (cited && (!best || distance(best, side, line) > MAX_MOVE)) return cited;
  return best;
}

/** The new-file text of lines from..to of one hunk (RIGHT side), for re-indenting a suggestion. */
function rightText(hunk: Hunk, from: number, to: number): string[] {
  return hunk.lines
    .filter((l): l is DiffLine & { newLine: number } => l.newLine !== undefined)
    .filter((l) => l.newLine >= from && l.newLine <= to)
    .map((l) => l.text);
}

const indentOf = (s: string): string => /^[ \t]*/.exec(s)?.[0] ?? '';

/**
 * The suggestion as GitHub will apply it: no trailing newline, CRLF made LF, and the indentation of the lines
 * it replaces when the model sent it dedented (every line short of the original's indent by the same prefix).
 */
export function fitSuggestion(suggestion: string, original: readonly string[]): string {
  const lines = suggestion.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
  const first = original.find((l) => l.trim() !== '');
  const shown = lines.filter((l) => l.trim() !== '');
  if (first === undefined || shown.length === 0) return lines.join('\n');
  const want = indentOf(first);
  const least = shown.map(indentOf).reduce((a, b) => (b.length < a.length ? b : a));
  if (least.length >= want.length || !want.startsWith(least)) return lines.join('\n');
  const add = want.slice(least.length);
  return lines.map((l) => (l.trim() === '' ? l : add + l)).join('\n');
}

/**
 * Decides for each comment where it can go. `line`: a line shown in the diff on its side (moved there by its
 * quote when the number was off); a range keeps `start_line` only inside that hunk; a suggestion only on the
 * RIGHT side, re-indented to the lines it replaces. `file`: a file of the PR but no diff line (a file-level
 * comment or the summary). `none`: not a file of the reviewed diff (the summary). Each move or drop is noted.
 */
export function placeComments(comments: readonly CheckedComment[], files: readonly FileDiff[]): Finding[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  return comments.map((comment): Finding => {
    const file = byPath.get(comment.path) ?? byPath.get(comment.path.replace(/^(\.\/|a\/|b\/)/, ''));
    const side: Side = comment.side ?? 'RIGHT';
    const path = file?.path ?? comment.path;
    const base = { ...comment, path, side };
    const keyed = (f: Omit<Finding, 'fingerprint'>, code?: string): Finding => ({
      ...f,
      fingerprint: fingerprint(f, code ?? `line ${f.line}`),
    });
    // Off the diff, a range or a suggestion has no lines to apply to.
    const lineless = { ...base };
    delete lineless.start_line;
    delete lineless.suggestion;
    if (!file) return keyed({ ...lineless, anchor: 'none', note: 'file is not in the reviewed diff' });
    const spots = spotsOf(file.hunks);
    const spot = resolveSpot(spots, side, comment.line, comment.quote);
    if (!spot)
      return keyed({
        ...lineless,
        anchor: 'file',
        note: `line ${comment.line} of the ${side === 'LEFT' ? 'old' : 'new'} version is not in the diff`,
      });
    const finding: Omit<Finding, 'fingerprint'> = { ...base, side: spot.side, line: spot.line, anchor: 'line' };
    if (spot.side !== side || spot.line !== comment.line) {
      finding.note = `moved from line ${comment.line}${spot.side !== side ? ` (${side})` : ''}: its quote is on line ${spot.line}`;
    }
    placeRange(finding, file.hunks, spot, comment);
    // On an added or deleted line, this pull request introduced it, whatever the model (or the author) says.
    if (onChangedLine(spots, finding)) finding.introduced = true;
    return keyed(finding, spot.text);
  });
}

/** Whether a placed finding's lines (its range, or its line) hold an added or deleted line. */
function onChangedLine(
  spots: readonly Spot[],
  f: { side: Side; line: number; start_line?: number | undefined },
): boolean {
  const first = f.start_line ?? f.line;
  return spots.some((s) => s.side === f.side && s.line >= first && s.line <= f.line && s.changed);
}

/** Keeps a range (shifted as its end was) only inside the end's hunk, and a suggestion only on RIGHT lines of it. */
function placeRange(
  finding: Omit<Finding, 'fingerprint'>,
  hunks: readonly Hunk[],
  end: Spot,
  comment: RawComment,
): void {
  const spots = spotsOf(hunks);
  let start = end.line;
  if (comment.start_line !== undefined && end.side === (comment.side ?? 'RIGHT')) {
    const shifted = comment.start_line + (end.line - comment.line);
    const first = spots.find((s) => s.side === end.side && s.line === shifted);
    if (shifted < end.line && first?.hunk === end.hunk) start = shifted;
  }
  if (start < end.line) finding.start_line = start;
  else delete finding.start_line;
  // A suggestion written for a range that could not be kept would replace the wrong lines.
  const rangeKept = comment.start_line === undefined || finding.start_line !== undefined;
  if (finding.suggestion === undefined) return;
  const hunk = hunks[end.hunk];
  if (end.side !== 'RIGHT' || !rangeKept || !hunk) {
    delete finding.suggestion;
    return;
  }
  finding.suggestion = fitSuggestion(finding.suggestion, rightText(hunk, start, end.line));
}
