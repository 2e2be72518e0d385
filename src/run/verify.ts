import type { ReviewChunk } from '../context/items.js';
import { quoteMatches } from '../findings/place.js';
import type { RawComment } from '../findings/schema.js';
import { parseVerdicts, VERIFY_TOOL_NAME, type CheckedComment, type Verdict } from '../findings/verdict.js';
import type { LlmRequest } from '../llm/request.js';
import { verifyRequest } from '../prompt/verify.js';
import { better } from '../findings/merge.js';
import { ruleSettingAside, type Learning } from '../findings/learnings.js';
import { atLeast, mostSevereFirst, type Severity } from '../core/severity.js';
import { ZERO_USAGE, type Usage } from '../core/usage.js';
import { attempt, label, type RunState, type Spent } from './calls.js';
import { errorText } from '../core/errors.js';

/** Which findings of a part the second look checks: those that could be posted, the most severe first. */
export interface VerifyRules {
  /** Findings below this are listed in the summary whatever a second look says: not checked. */
  minSeverity: Severity;
  /** At most this many of a part (max-comments: no more can be posted). */
  maxFindings: number;
  /** The team's learnings: a finding one of them sets aside is never posted, so it is not checked. */
  learnings?: readonly Learning[] | undefined;
}

/** The indices of the findings the second look checks, in their order. */
export function toCheck(comments: readonly RawComment[], rules: VerifyRules): number[] {
  const indexed = comments
    .map((c, i) => ({ i, severity: c.severity, learned: ruleSettingAside(c, rules.learnings ?? []) !== undefined }))
    .filter((c) => !c.learned);
  return mostSevereFirst(indexed.filter((c) => atLeast(c.severity, rules.minSeverity)))
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
  /** Findings that got a verdict. */
  verified: number;
  /** Of them, those refuted by a line shown, and those left unsure. */
  refuted: number;
  unsure: number;
  /** Findings it named the same problem as another, left out (the better of each pair is kept). */
  duplicates: number;
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

/** A line that holds only a comment, in the common comment syntaxes (//, /*, *, #, --, <!--). */
export function commentOnly(text: string): boolean {
  return /^\s*(?:\/\/|\/\*|\*|#(?![\w!])|--|<!--)/.test(text);
}

/** A finding with its verdict: a confirmed one at the surer of the two confidences, an unsure one as the review scored it. */
function judged(comment: RawComment, verdict: Verdict): CheckedComment {
  const confidence =
    verdict.kind === 'confirmed'
      ? Math.max(verdict.confidence, comment.confidence ?? 0)
      : verdict.kind === 'refuted'
        ? verdict.confidence
        : comment.confidence;
  return { ...comment, ...(confidence !== undefined ? { confidence } : {}), verdict };
}

/**
 * One call that reads the shared prefix and the whole part from the cache (everything the review saw), then
 * the candidate findings, and gives each a verdict: confirmed, refuted (citing a shown line that prevents it)
 * or unsure (`ask` makes the call under the cap). Only a refutation sets a finding aside; a finding the second
 * look names as the same problem as another is left out, the better of the two kept.
 */
export async function secondLook(
  chunk: ReviewChunk,
  review: LlmRequest,
  comments: readonly RawComment[],
  ask: (request: LlmRequest) => Promise<VerifyAnswer>,
  chosen: readonly number[] = comments.map((_, i) => i),
): Promise<SecondLook> {
  const asked = chosen.flatMap((i) => comments[i] ?? []);
  const answer = await ask(verifyRequest(review, asked));
  const none = { verified: 0, refuted: 0, unsure: 0, duplicates: 0 };
  if ('missing' in answer) return { comments: [...comments], ...none, skipped: answer.missing };
  const shown = partLines(chunk);
  // A refutation cites code: a line that is only a comment (an author's "this is safe") prevents nothing,
  // unless it is the finding's own line (the line does not do what the finding says).
  const cited = (path: string, line: number, quote: string, finding: { path: string; line: number }): boolean => {
    const own = path === finding.path && line === finding.line;
    return (shown.get(`${path}:${line}`) ?? []).some(
      (text) => quoteMatches(quote, text) && (own || !commentOnly(text)),
    );
  };
  const { verdicts, sameAs } = parseVerdicts(answer.toolInput, asked, cited);
  const checked: CheckedComment[] = asked.map((c, k) => {
    const verdict = verdicts.get(k);
    return verdict ? judged(c, verdict) : c;
  });
  const dropped = new Set<number>();
  for (const [k, other] of sameAs) {
    const [a, b] = [checked[k], checked[other]];
    // One problem is in one file: a claim that findings in two files are one would hide one of them.
    if (!a || !b || a.path !== b.path || dropped.has(k) || dropped.has(other)) continue;
    dropped.add(better(a, b) === a ? other : k);
  }
  const byIndex = new Map(chosen.map((index, k) => [index, k]));
  const out = comments.flatMap((comment, i): CheckedComment[] => {
    const k = byIndex.get(i);
    if (k === undefined) return [comment];
    return dropped.has(k) ? [] : [checked[k] ?? comment];
  });
  const kinds = [...verdicts.values()].map((v) => v.kind);
  const skipped = verdicts.size === 0 ? `the ${VERIFY_TOOL_NAME} call gave no valid verdict` : undefined;
  return {
    comments: out,
    verified: verdicts.size,
    refuted: kinds.filter((k) => k === 'refuted').length,
    unsure: kinds.filter((k) => k === 'unsure').length,
    duplicates: dropped.size,
    ...(skipped ? { skipped } : {}),
  };
}

/** What a part's second look did and cost (its cost is also in the part's). */
export interface Verification {
  /** Findings it was asked about, those that got a verdict, and of them the refuted and the unsure. */
  asked: number;
  verified: number;
  refuted: number;
  unsure: number;
  /** Findings it named as the same problem as another, left out. */
  duplicates: number;
  /** Why no verdict was given, when none was (the cap had no room, the call failed). */
  skipped?: string;
  usage: Usage;
  usd: number;
  calls: number;
  /** Its cost is the reservation of a call stopped before it reported its usage. */
  estimated?: boolean;
}

/** The second look at a part's findings, under the cap, when the run asks for one and there is a finding to check. */
export async function verified(
  run: RunState,
  chunk: ReviewChunk,
  comments: RawComment[],
): Promise<{ comments: CheckedComment[]; verification: Verification } | undefined> {
  const chosen = run.options.verify ? toCheck(comments, run.options.verify) : [];
  if (chosen.length === 0) return undefined;
  let cost: Spent = { usage: ZERO_USAGE, usd: 0, calls: 0 };
  const want = verifyTokens(chosen.length, run.budget.floor, run.options.call.maxTokens);
  const ask = async (request: LlmRequest): Promise<VerifyAnswer> => {
    const outcome = await attempt(run, request, undefined, want);
    if ('refused' in outcome) return { missing: outcome.refused };
    if ('error' in outcome) {
      cost = outcome.spent;
      // An error no later call can overcome (bad key, no credit) stopped the run in attempt(), as a review's does.
      return { missing: errorText(outcome.error) };
    }
    cost = { usage: outcome.result.usage, usd: outcome.usd, calls: 1 };
    if (outcome.result.toolInput === undefined || outcome.result.stopReason === 'max_tokens')
      return { missing: 'the model gave no verdicts' };
    return { toolInput: outcome.result.toolInput };
  };
  const look = await secondLook(chunk, run.requestFor(chunk), comments, ask, chosen);
  const { comments: checked, skipped, ...counts } = look;
  const verification: Verification = {
    asked: chosen.length,
    ...counts,
    ...(skipped ? { skipped } : {}),
    usage: cost.usage,
    usd: cost.usd ?? 0,
    calls: cost.calls,
    ...(cost.estimated ? { estimated: true } : {}),
  };
  run.options.log?.(
    `${label(chunk)}: second look, ${look.verified} of ${chosen.length} judged: ${look.verified - look.refuted - look.unsure} confirmed, ${look.refuted} refuted, ${look.unsure} unsure, ${look.duplicates} duplicates${skipped ? ` (${skipped})` : ''}`,
  );
  return { comments: checked, verification };
}
