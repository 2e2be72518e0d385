import type { ReviewChunk } from '../context/context.js';
import { quoteMatches } from '../findings/place.js';
import type { RawComment } from '../findings/schema.js';
import { parseVerdicts, VERIFY_TOOL_NAME, type CheckedComment } from '../findings/verdict.js';
import type { LlmRequest } from '../llm/request.js';
import { excerptFor, verifyRequest } from '../prompt/verify.js';
import { severityRank, type Severity } from '../core/severity.js';

/** Which findings of a part the second look checks: those that could be posted, the most severe first. */
export interface VerifyRules {
  /** Findings below this are listed in the summary whatever a second look says: not checked. */
  minSeverity: Severity;
  /** At most this many of a part (max-comments: no more can be posted). */
  maxFindings: number;
}

/** The indices of the findings the second look checks, in their order. */
export function toCheck(comments: readonly RawComment[], rules: VerifyRules): number[] {
  return comments
    .map((c, i) => ({ i, rank: severityRank(c.severity) }))
    .filter((c) => c.rank <= severityRank(rules.minSeverity))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .slice(0, rules.maxFindings)
    .map((c) => c.i)
    .sort((a, b) => a - b);
}

/** Output a second look may take: a verdict is short, and a thinking model needs its floor. */
const VERDICT_TOKENS = 300;
const VERIFY_BASE_TOKENS = 1024;

/** What a verify call gave back: the tool input, or why there is none. */
export type VerifyAnswer = { toolInput: unknown } | { missing: string };

/** What the second look did to a part's findings. */
export interface SecondLook {
  comments: CheckedComment[];
  /** Findings that got a verdict citing a line of the part. */
  verified: number;
  /** Why no verdict was given (the cap had no room, the call failed), when none was. */
  skipped?: string;
}

/** The text of every line a part (or an excerpt of one) shows, by `path:line`: its diff on both sides and its code context. */
export function partLines(chunk: ReviewChunk): Map<string, string[]> {
  const lines = new Map<string, string[]>();
  const add = (path: string, n: number | undefined, text: string): void => {
    if (n === undefined) return;
    const key = `${path}:${n}`;
    lines.set(key, [...(lines.get(key) ?? []), text]);
  };
  for (const cf of chunk.files)
    for (const hunk of cf.hunks)
      for (const line of hunk.lines) {
        add(cf.file.path, line.newLine, line.text);
        if (line.kind !== 'context') add(cf.file.path, line.oldLine, line.text);
      }
  for (const item of chunk.context?.items ?? []) for (const line of item.lines) add(item.path, line.n, line.text);
  return lines;
}

/** The output a second look over `count` findings asks for, within the run's own limit and floor. */
export function verifyTokens(count: number, floor: number, limit: number): number {
  return Math.min(limit, Math.max(floor, VERIFY_BASE_TOKENS + VERDICT_TOKENS * count));
}

/**
 * One call that reads the shared prefix from the cache, the excerpt of the part the findings need and the
 * candidate findings, and gives each a verdict and a confidence citing the line it checked (`ask` makes the
 * call under the cap). A verdict that cites no line of the excerpt is left out; a finding without one stays
 * as the review wrote it.
 */
export async function secondLook(
  chunk: ReviewChunk,
  review: LlmRequest,
  comments: readonly RawComment[],
  ask: (request: LlmRequest) => Promise<VerifyAnswer>,
  chosen: readonly number[] = comments.map((_, i) => i),
): Promise<SecondLook> {
  const asked = chosen.flatMap((i) => comments[i] ?? []);
  const excerpt = excerptFor(chunk, asked);
  const answer = await ask(verifyRequest(review, excerpt, asked));
  if ('missing' in answer) return { comments: [...comments], verified: 0, skipped: answer.missing };
  const shown = partLines(excerpt);
  const cited = (path: string, line: number, quote: string): boolean =>
    (shown.get(`${path}:${line}`) ?? []).some((text) => quoteMatches(quote, text));
  const verdicts = parseVerdicts(answer.toolInput, asked, cited);
  const byIndex = new Map(chosen.map((index, k) => [index, verdicts.get(k)]));
  const checked = comments.map((comment, i): CheckedComment => {
    const verdict = byIndex.get(i);
    return verdict ? { ...comment, confidence: verdict.confidence, verdict } : comment;
  });
  const skipped =
    verdicts.size === 0 ? `no verdict of the ${VERIFY_TOOL_NAME} call cited a line of the part` : undefined;
  return { comments: checked, verified: verdicts.size, ...(skipped ? { skipped } : {}) };
}
