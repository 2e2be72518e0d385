import { cleanInput } from '../safety/clean.js';
import { parseJson } from '../core/json.js';
import { createHash } from 'node:crypto';
import type { Side } from '../diff/diff.js';
import { mendComment } from './mend.js';
import { rawCommentSchema, walkthroughSchema, type RawComment, type WalkthroughEntry } from './schema.js';
import { mostSevereFirst } from '../core/severity.js';
import type { Verdict } from './verdict.js';

/**
 * Where a finding can be anchored: `line`, a line shown in the diff (an inline comment); `file`, a file of
 * the pull request but no line of its diff; `none`, no file of the reviewed diff.
 */
export type Anchor = 'line' | 'file' | 'none';

/** A validated finding and where it can go. */
export interface Finding extends RawComment {
  side: Side;
  /** Stable identity across runs and pushes (see fingerprint): no line number in it. */
  fingerprint: string;
  anchor: Anchor;
  /** How placement changed or limited it (moved by its quote, not on a diff line), when it did. */
  note?: string;
  /** What the second look said of it, when it gave a verdict. */
  verdict?: Verdict;
}

export interface ParsedReview {
  summary: string;
  /** What changed in each file, as the model wrote it (entries that do not validate are left out). */
  walkthrough: WalkthroughEntry[];
  comments: RawComment[];
  /** Comments dropped because they did not match the schema, with the reason. */
  rejected: string[];
  /** Fields of an odd but readable shape, mended or left out, each with its comment (kept, not dropped). */
  mended: string[];
}

/**
 * Validates the model's tool input. A malformed comment is dropped on its own (and counted), so one bad
 * entry does not cost the chunk's other findings; a missing or malformed envelope throws.
 */
export function parseReview(toolInput: unknown): ParsedReview {
  if (toolInput === null || typeof toolInput !== 'object') {
    throw new Error('the model submitted no review (its answer was not an object)');
  }
  const input = cleanInput(toolInput) as { summary?: unknown; comments?: unknown; walkthrough?: unknown };
  const summary = typeof input.summary === 'string' ? input.summary : '';
  // Models now and then send the list as a JSON string; accept it when it parses.
  let list: unknown = input.comments ?? [];
  if (typeof list === 'string') list = parseJson(list);
  if (!Array.isArray(list)) throw new Error('the review the model submitted has no list of findings');
  const comments: RawComment[] = [];
  const rejected: string[] = [];
  const mended: string[] = [];
  for (const [i, sent] of (list as unknown[]).entries()) {
    const { entry, mended: fields } = mendComment(sent);
    const parsed = rawCommentSchema.safeParse(entry);
    if (parsed.success) {
      comments.push(parsed.data);
      mended.push(...fields.map((f) => `comment ${i + 1}: ${f}`));
    } else {
      const issue = parsed.error.issues[0];
      rejected.push(`comment ${i + 1}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
    }
  }
  const walkthrough = Array.isArray(input.walkthrough)
    ? (input.walkthrough as unknown[]).flatMap((entry) => {
        const parsed = walkthroughSchema.safeParse(entry);
        return parsed.success ? [parsed.data] : [];
      })
    : [];
  return { summary, walkthrough, comments, rejected, mended };
}

/** A title as a fingerprint sees it: lower case, letters and digits, single spaces. */
export function normalTitle(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * A finding's identity across runs and pushes, without its line number: the path, the side, the category,
 * the normalised title and the normalised text of the code line it is on (or the line number, for a finding
 * that is not on a line of the diff). A finding whose line moved after a push keeps its fingerprint.
 */
export function fingerprint(
  f: { path: string; side: Side; category: string; title: string },
  anchorText: string,
): string {
  const title = normalTitle(f.title);
  const code = anchorText.replace(/\s+/g, ' ').trim();
  return createHash('sha256')
    .update(`${f.path}\0${f.side}\0${f.category}\0${title}\0${code}`)
    .digest('hex')
    .slice(0, 16);
}

/** Drops repeats within one run (same fingerprint), keeping the most severe of each. */
export function dedupe(findings: readonly Finding[]): { fresh: Finding[]; duplicates: number } {
  const seen = new Set<string>();
  const fresh: Finding[] = [];
  let duplicates = 0;
  for (const finding of mostSevereFirst(findings)) {
    if (seen.has(finding.fingerprint)) {
      duplicates += 1;
      continue;
    }
    seen.add(finding.fingerprint);
    fresh.push(finding);
  }
  return { fresh, duplicates };
}
