import { createHash } from 'node:crypto';
import { commentableLines, hunkIndexOf, type FileDiff, type Side } from '../diff/diff.js';
import { rawCommentSchema, SEVERITIES, type RawComment, type Severity } from './schema.js';

/** A validated finding and where it goes: an inline comment on a diff line, or the summary. */
export interface Finding extends RawComment {
  side: Side;
  /** Stable identity across runs: path, side, line and the normalised title. */
  fingerprint: string;
  /** True when the line is in the diff, so it can be posted inline. */
  inline: boolean;
  /** Why it is not inline, when it is not. */
  note?: string;
}

export interface ParsedReview {
  summary: string;
  comments: RawComment[];
  /** Comments dropped because they did not match the schema, with the reason. */
  rejected: string[];
}

/**
 * Validates the model's tool input. A malformed comment is dropped on its own (and counted), so one bad
 * entry does not cost the chunk's other findings; a missing or malformed envelope throws.
 */
export function parseReview(toolInput: unknown): ParsedReview {
  if (toolInput === null || typeof toolInput !== 'object') {
    throw new Error('the model did not call submit_review with an object');
  }
  const input = toolInput as { summary?: unknown; comments?: unknown };
  const summary = typeof input.summary === 'string' ? input.summary : '';
  // Models now and then send the list as a JSON string; accept it when it parses.
  let list: unknown = input.comments ?? [];
  if (typeof list === 'string') list = safeJson(list);
  if (!Array.isArray(list)) throw new Error("submit_review input has no 'comments' list");
  const comments: RawComment[] = [];
  const rejected: string[] = [];
  for (const [i, entry] of (list as unknown[]).entries()) {
    const parsed = rawCommentSchema.safeParse(entry);
    if (parsed.success) comments.push(parsed.data);
    else {
      const issue = parsed.error.issues[0];
      rejected.push(`comment ${i + 1}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
    }
  }
  return { summary, comments, rejected };
}

export function fingerprint(path: string, side: Side, line: number, title: string): string {
  const normal = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  return createHash('sha256').update(`${path}\0${side}\0${line}\0${normal}`).digest('hex').slice(0, 16);
}

/**
 * Decides for each comment whether GitHub will accept it inline. A comment is inline only when its line is
 * shown in the diff on its side; a range keeps `start_line` only when the whole range is in one hunk;
 * a suggestion is kept only on the RIGHT side. Anything else goes to the summary with a note.
 */
export function placeComments(comments: readonly RawComment[], files: readonly FileDiff[]): Finding[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  return comments.map((comment): Finding => {
    const side: Side = comment.side ?? 'RIGHT';
    const file = byPath.get(comment.path) ?? byPath.get(comment.path.replace(/^(\.\/|a\/|b\/)/, ''));
    const path = file?.path ?? comment.path;
    const placed = { ...comment, path, side, fingerprint: fingerprint(path, side, comment.line, comment.title) };
    if (!file) return { ...placed, inline: false, note: 'file is not in the reviewed diff' };
    if (!commentableLines(file.hunks, side).has(comment.line)) {
      return { ...placed, inline: false, note: `line ${comment.line} (${side}) is not in the diff` };
    }
    const finding: Finding = { ...placed, inline: true };
    if (finding.start_line !== undefined) {
      const hunk = hunkIndexOf(file.hunks, side, comment.line);
      const valid = finding.start_line < comment.line && hunkIndexOf(file.hunks, side, finding.start_line) === hunk;
      if (!valid) {
        // The suggestion was written for the whole range: applied to one line it would be wrong.
        delete finding.start_line;
        delete finding.suggestion;
      }
    }
    if (side === 'LEFT') delete finding.suggestion;
    return finding;
  });
}

const rank = (s: Severity): number => SEVERITIES.indexOf(s);

/** Drops repeats within one run (same fingerprint), keeping the most severe of each. */
export function dedupe(findings: readonly Finding[]): { fresh: Finding[]; duplicates: number } {
  const seen = new Set<string>();
  const fresh: Finding[] = [];
  let duplicates = 0;
  for (const finding of [...findings].sort((a, b) => rank(a.severity) - rank(b.severity))) {
    if (seen.has(finding.fingerprint)) {
      duplicates += 1;
      continue;
    }
    seen.add(finding.fingerprint);
    fresh.push(finding);
  }
  return { fresh, duplicates };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
