import type { ReviewChunk } from '../context/items.js';
import { ZERO_USAGE } from '../core/usage.js';
import { parseReview, type ParsedReview } from '../findings/findings.js';
import { REVIEW_TOOL_NAME } from '../findings/schema.js';
import { LlmError, type LlmResult } from '../llm/client.js';
import type { LlmRequest } from '../llm/request.js';
import type { Pass } from '../prompt/passes.js';
import type { Refusal } from './budget.js';
import { addSpent, attempt, stopReason, type RunState, type Spent } from './calls.js';
import { errorText } from '../core/errors.js';
import { followUp, toolRound } from './turns.js';

/** How one look at a part ended. */
export type LookResult =
  | { kind: 'ok'; review: ParsedReview; spent: Spent; toolCalls: number }
  /** The part must be halved: its prompt is too long, or the answer was cut off at max-output-tokens. */
  | { kind: 'split'; why: string; spent: Spent }
  /** The cap (or the deadline) let no call go out; `first` when it was the look's first call. */
  | { kind: 'refused'; refusal: Refusal; first: boolean; spent: Spent }
  | { kind: 'failed'; why: string; spent: Spent; status: 'failed' | 'not-run'; fatal: boolean };

/** One look's conversation so far. */
interface Look {
  request: LlmRequest;
  spent: Spent;
  toolCalls: number;
  followUps: number;
  round: number;
}

/**
 * One look at a part: its calls, round after round (explore tools, a follow-up for a model that answered in
 * text), until it submits its review or ends another way. `onStart` is told when its first answer begins.
 */
export async function runLook(
  run: RunState,
  chunk: ReviewChunk,
  pass: Pass,
  first: boolean,
  onStart?: () => void,
): Promise<LookResult> {
  const look: Look = {
    request: run.requestFor(chunk, pass, first),
    spent: { usage: ZERO_USAGE, usd: 0, calls: 0 },
    toolCalls: 0,
    followUps: 0,
    round: 0,
  };
  for (; ; look.round++) {
    const outcome = await attempt(run, look.request, look.round === 0 ? onStart : undefined);
    if ('refused' in outcome) return { kind: 'refused', refusal: outcome, first: look.round === 0, spent: look.spent };
    if ('error' in outcome) return callFailed(run, look, outcome.error, outcome.spent);
    look.spent = addSpent(look.spent, { usage: outcome.result.usage, usd: outcome.usd, calls: 1 });
    const next = await afterAnswer(run, look, outcome.result);
    if ('kind' in next) return next;
    look.request = next;
  }
}

/** A call that failed: a split on "prompt is too long", the run stopped on a fatal error, else this look failed. */
function callFailed(run: RunState, look: Look, error: unknown, failed: Spent): LookResult {
  const why = errorText(error);
  const spent = addSpent(look.spent, failed);
  if (error instanceof LlmError && error.kind === 'too-large') return { kind: 'split', why, spent };
  const fatal = error instanceof LlmError && error.fatal;
  if (run.options.signal?.aborted) {
    return { kind: 'failed', why: `not reviewed: ${stopReason(run.options, why)}`, spent, status: 'not-run', fatal };
  }
  return { kind: 'failed', why, spent, status: 'failed', fatal };
}

/** What an answer leads to: the look's end, or the next request (a tool round, a follow-up). */
async function afterAnswer(run: RunState, look: Look, result: LlmResult): Promise<LookResult | LlmRequest> {
  const failed = (why: string): LookResult => ({
    kind: 'failed',
    why,
    spent: look.spent,
    status: 'failed',
    fatal: false,
  });
  if (result.stopReason === 'refusal') return failed(declined(result));
  if (result.stopReason === 'max_tokens')
    return { kind: 'split', why: 'the answer was cut off at max-output-tokens', spent: look.spent };
  const asked = (result.calls ?? []).filter((c) => c.name !== REVIEW_TOOL_NAME);
  const { explore } = run;
  if (explore && result.toolInput === undefined && asked.length > 0) {
    // Our count ends the loop, whatever the model does (forced or not): once max-tool-calls tool calls are
    // spent the review was asked for once more, and a model that asks for tools again has not submitted.
    if (look.round > explore.maxToolCalls || look.toolCalls >= explore.maxToolCalls)
      return failed('not reviewed: the model did not submit its review');
    const next = await toolRound(look.request, result, explore, look.toolCalls, look.round);
    look.toolCalls = next.toolCalls;
    return next.request;
  }
  if (result.toolInput === undefined && look.followUps === 0 && !run.force) {
    // A model that cannot be forced answered in text: one bounded turn asks for the tool call.
    look.followUps += 1;
    return followUp(look.request, result);
  }
  if (result.toolInput === undefined) {
    const said = result.text ? `; it wrote: "${result.text.slice(0, 200)}${result.text.length > 200 ? '…' : ''}"` : '';
    return failed(`the model did not submit its review${said}`);
  }
  try {
    const review = parseReview(result.toolInput);
    return { kind: 'ok', review, spent: look.spent, toolCalls: look.toolCalls };
  } catch (error) {
    return failed(errorText(error));
  }
}

/** Why a part was not reviewed when the model declined it (`stop_reason: refusal`). */
function declined(result: LlmResult): string {
  const category = result.refusal?.category;
  const explanation = result.refusal?.explanation;
  return `not reviewed: the model declined${category ? ` (${category})` : ''}${explanation ? `: ${explanation.slice(0, 200)}` : ''}`;
}
