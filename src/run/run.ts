import pLimit from 'p-limit';
import { worthHalving, type Chunk } from '../plan/plan.js';
import { buildRequest } from '../prompt/prompt.js';
import type { LlmRequest, SystemBlock } from '../llm/request.js';
import { splitChunk, type ReviewChunk } from '../context/context.js';
import type { HeadFiles } from '../context/files.js';
import { REVIEW_TOOL_NAME } from '../findings/schema.js';
import { LlmError, type CallOptions, type LlmClient, type LlmResult } from '../llm/client.js';
import { addUsage, formatUsd, ZERO_USAGE, type Prices, type Usage } from '../core/usage.js';
import { parseReview } from '../findings/findings.js';
import type { RawComment, WalkthroughEntry } from '../findings/schema.js';
import type { CheckedComment } from '../findings/verdict.js';
import { secondLook, toCheck, verifyTokens, type VerifyAnswer, type VerifyRules } from './verify.js';
import { Budget, OUTPUT_FLOOR, OUTPUT_FLOOR_THINKING, type Refusal } from './budget.js';
import { followUp, toolRound } from './turns.js';

export interface ChunkOutcome {
  /** The chunk reviewed: a planned chunk, or a piece of one after a split. */
  chunk: ReviewChunk;
  /** `ok`: reviewed; `failed`: the call failed or the model declined; `not-run`: not attempted (run stopped, or over the cost cap). */
  status: 'ok' | 'failed' | 'not-run';
  summary: string;
  /** What changed in each file of the chunk, as the model wrote it. */
  walkthrough: WalkthroughEntry[];
  comments: CheckedComment[];
  /** The second look at the part's findings, when one was asked for and there were findings. */
  verification?: Verification;
  /** Comments the model sent that failed validation. */
  rejected: string[];
  /** Usage of every call made for this chunk, failed ones included. */
  usage: Usage;
  /** USD of those calls, priced one by one at the run's prices (0 without prices). */
  usd?: number;
  calls: number;
  /** Explore mode: file reads and searches the model made. */
  toolCalls?: number;
  /** The error was one no later call can overcome (bad key, no credit): the run made no call after it. */
  fatal?: boolean;
  error?: string;
}

export interface RunOptions {
  call: Omit<CallOptions, 'onStart'>;
  /** Calls in flight at once. */
  concurrency: number;
  /** Prices the cap is enforced at (the known prices, or a stated stand-in); without them the cap cannot apply. */
  prices?: Prices | undefined;
  /** No call is made that could bring the run's cost past this (USD). */
  maxCostUsd?: number | undefined;
  /** The model's tokens per token of our count (1.3 for Claude 5.x; default 1). */
  tokenRatio?: number;
  /**
   * Whether a call's cache read + write is the prompt up to its last breakpoint (the Messages API's rule), so
   * the shared prefix can be reserved at the gateway's count. Not for Chat Completions, whose automatic caching
   * may report a shorter cached prefix than ours.
   */
  countsPrefix?: boolean;
  /**
   * Aborts at the run's deadline (`max-minutes`) or when the run is interrupted: calls in flight stop, calls not
   * started are not made. Its reason (an Error) says why, for the parts it leaves unreviewed.
   */
  signal?: AbortSignal;
  /** Why `signal` aborts when its reason does not say. */
  deadline?: string;
  /** How many times a chunk may be halved after a cut-off answer, a "prompt is too long", or to fit the cap. */
  maxSplitDepth?: number;
  log?: (message: string) => void;
  /** Told after each call settles, with the usage it reported (for a progress line). */
  onCall?: (usage: Usage | undefined) => void;
  /** Explore mode: the head commit's files the model may read and search, and how many tool calls a review may make. */
  explore?: { files: HeadFiles; maxToolCalls: number; base?: HeadFiles | undefined } | undefined;
  /** A second look at each part's findings before they are posted (`verify`): which it checks. */
  verify?: VerifyRules | undefined;
}

/** What every part's review of one run shares: the client, the budget, the options, and a fatal error. */
interface RunState {
  llm: LlmClient;
  options: RunOptions;
  budget: Budget;
  requestFor: (chunk: ReviewChunk) => LlmRequest;
  explore: { files: HeadFiles; maxToolCalls: number; base?: HeadFiles | undefined } | undefined;
  /** Whether the review tool can be forced (else a text answer gets one follow-up turn). */
  force: boolean;
  maxDepth: number;
  /** An error no later call can overcome (bad key, no credit): the calls not yet made are not made. */
  stopped: string | undefined;
}

/** One part under review: its request so far and what its calls have spent. */
interface Part {
  chunk: ReviewChunk;
  depth: number;
  request: LlmRequest;
  spent: Spent;
  toolCalls: number;
  followUps: number;
  round: number;
  startedAt: number;
}

type Spent = Pick<ChunkOutcome, 'usage' | 'usd' | 'calls'>;

/** What a part's second look did and cost (its cost is also in the part's). */
export interface Verification {
  /** Findings it was asked about, and those that got a verdict citing a line of the part. */
  asked: number;
  verified: number;
  /** Why no verdict was given, when none was (the cap had no room, the call failed). */
  skipped?: string;
  usage: Usage;
  usd: number;
  calls: number;
}

type Attempt = { result: LlmResult; usd: number } | { error: unknown } | Refusal;

/**
 * Reviews every chunk. The first call goes first, and the others start as soon as its answer begins to
 * stream, when the shared prefix is in the prompt cache; then up to `concurrency` calls are in flight.
 *
 * Each call is checked against `max-cost-usd` before it is made, at a tight upper bound of its cost (its
 * tokens' ceiling times the model's tokenizer ratio plus RESERVE_MARGIN, the prefix at the cache-write price,
 * and its `max_tokens` of output), counting what has been spent and what is in flight: no call can take the
 * run past the cap (see budget.ts). Near the cap a call gets the `max_tokens` that what is left allows (never
 * below a useful floor), and a part that still does not fit is halved, its first half reviewed. Parts go in
 * plan order. An answer cut off at `max_tokens`, or a "prompt is too long" refusal, halves the chunk and tries
 * again, a bounded number of times. A failed or declined chunk is kept as such and the others go on; an error
 * no later call can overcome (bad key, no credit, unknown model) stops the calls not yet made.
 */
export async function runChunks(
  chunks: readonly ReviewChunk[],
  prefix: SystemBlock[],
  llm: LlmClient,
  options: RunOptions,
): Promise<ChunkOutcome[]> {
  const run = runState(chunks, prefix, llm, options);
  const limit = pLimit(Math.max(1, options.concurrency));
  const results = new Map<ReviewChunk, ChunkOutcome[]>();
  const review = (chunk: ReviewChunk, onStart?: () => void): Promise<void> =>
    limit(() => reviewPart(run, chunk, 0, onStart)).then((outcomes) => void results.set(chunk, outcomes));
  const [head, ...tail] = chunks;
  if (head) {
    let signalStart: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (signalStart = resolve));
    const first = review(head, signalStart);
    await Promise.race([started, first]);
    await Promise.all([first, ...tail.map((chunk) => review(chunk))]);
  }
  return chunks.flatMap((chunk) => results.get(chunk) ?? []);
}

function runState(
  chunks: readonly ReviewChunk[],
  prefix: SystemBlock[],
  llm: LlmClient,
  options: RunOptions,
): RunState {
  const maxTokens = options.call.maxTokens;
  const thinks = options.call.thinking !== undefined && options.call.thinking !== 'disabled';
  const explore = options.explore && options.explore.maxToolCalls > 0 ? options.explore : undefined;
  const force = options.call.forceTool ?? true;
  const budget = new Budget({
    prices: options.prices,
    maxCostUsd: options.maxCostUsd,
    tokenRatio: options.tokenRatio ?? 1,
    countsPrefix: options.countsPrefix ?? false,
    maxTokens,
    floor: Math.min(maxTokens, thinks ? OUTPUT_FLOOR_THINKING : OUTPUT_FLOOR),
    onCall: options.onCall,
  });
  const requestFor = (chunk: ReviewChunk): LlmRequest =>
    buildRequest(prefix, chunk, chunks.length, {
      ...(explore ? { maxToolCalls: explore.maxToolCalls } : {}),
      forceTool: force,
    });
  return { llm, options, budget, requestFor, explore, force, maxDepth: options.maxSplitDepth ?? 3, stopped: undefined };
}

/** One call under the cap: reserved before it is sent, booked at what it reported when it settles. */
async function attempt(run: RunState, request: LlmRequest, onStart?: () => void, want?: number): Promise<Attempt> {
  const { budget, options } = run;
  const slot = await budget.reserve(request, { signal: options.signal, why: () => stopReason(options) }, want);
  if ('refused' in slot) return slot;
  try {
    const result = await run.llm.call(request, {
      ...options.call,
      maxTokens: slot.maxTokens,
      ...(options.signal ? { signal: options.signal } : {}),
      beforeRetry: (billed) => {
        budget.beforeRetry(slot, billed);
      },
      ...(onStart ? { onStart } : {}),
    });
    return { result, usd: budget.book(slot, result.usage, true) };
  } catch (error) {
    // A last attempt that began to answer was billed: its reservation stays spent.
    budget.book(slot, undefined, error instanceof LlmError && error.started);
    return { error };
  }
}

/** Reviews one part: its calls, round after round (explore tools, a follow-up), until it ends one way or another. */
async function reviewPart(run: RunState, chunk: ReviewChunk, depth: number, onStart?: () => void) {
  const stop = run.stopped ?? (run.options.signal?.aborted ? stopReason(run.options) : undefined);
  if (stop !== undefined) return [empty(chunk, 'not-run', `not reviewed: ${stop}`)];
  const part: Part = {
    chunk,
    depth,
    request: run.requestFor(chunk),
    spent: { usage: ZERO_USAGE, usd: 0, calls: 0 },
    toolCalls: 0,
    followUps: 0,
    round: 0,
    startedAt: Date.now(),
  };
  for (; ; part.round++) {
    const outcome = await attempt(run, part.request, part.round === 0 ? onStart : undefined);
    if ('refused' in outcome) return refused(run, part, outcome);
    if ('error' in outcome) return callFailed(run, part, outcome.error);
    const { usage, usd = 0, calls } = part.spent;
    part.spent = { usage: addUsage(usage, outcome.result.usage), usd: usd + outcome.usd, calls: calls + 1 };
    const next = await afterAnswer(run, part, outcome.result);
    if (Array.isArray(next)) return next;
    part.request = next;
  }
}

/** A call the cap did not let go out: the half of the part that fits, if it can be halved; else not reviewed. */
function refused(run: RunState, part: Part, refusal: Refusal): ChunkOutcome[] | Promise<ChunkOutcome[]> {
  if (refusal.budget && part.round === 0 && pieceFits(run, part.chunk, part.depth)) {
    return splitOrFail(run, part, 'it does not fit in what is left of max-cost-usd');
  }
  return [{ ...empty(part.chunk, 'not-run', `not reviewed: ${refusal.refused}`), ...part.spent }];
}

/** A call that failed: split on "prompt is too long", stop the run on a fatal error, else this part failed. */
function callFailed(run: RunState, part: Part, error: unknown): ChunkOutcome[] | Promise<ChunkOutcome[]> {
  const message = error instanceof Error ? error.message : String(error);
  part.spent = { ...part.spent, calls: part.spent.calls + 1 };
  if (error instanceof LlmError && error.kind === 'too-large') return splitOrFail(run, part, message);
  const fatal = error instanceof LlmError && error.fatal;
  if (fatal) run.stopped = message;
  if (run.options.signal?.aborted) {
    return [{ ...empty(part.chunk, 'not-run', `not reviewed: ${stopReason(run.options, message)}`), ...part.spent }];
  }
  const outcomes = failed(run, part, message);
  return fatal ? outcomes.map((o) => ({ ...o, fatal: true })) : outcomes;
}

/** Why the run's signal stopped it: its reason, else the deadline named in the options. */
function stopReason(options: RunOptions, fallback = 'the run was stopped'): string {
  const reason: unknown = options.signal?.reason;
  return reason instanceof Error ? reason.message : (options.deadline ?? fallback);
}

function failed(run: RunState, part: Part, why: string): ChunkOutcome[] {
  run.options.log?.(`${label(part.chunk)} failed: ${why}`);
  return [{ ...empty(part.chunk, 'failed', why), ...part.spent }];
}

/** What an answer leads to: the part's outcome, or the next request (a tool round, a follow-up). */
async function afterAnswer(run: RunState, part: Part, result: LlmResult): Promise<ChunkOutcome[] | LlmRequest> {
  if (result.stopReason === 'refusal') return failed(run, part, declined(result));
  if (result.stopReason === 'max_tokens') return splitOrFail(run, part, 'the answer was cut off at max-output-tokens');
  const asked = (result.calls ?? []).filter((c) => c.name !== REVIEW_TOOL_NAME);
  const { explore } = run;
  if (explore && result.toolInput === undefined && asked.length > 0) {
    // Our count ends the loop, whatever the model does (forced or not): once max-tool-calls tool calls are
    // spent the review was asked for once more, and a model that asks for tools again has not submitted.
    if (part.round > explore.maxToolCalls || part.toolCalls >= explore.maxToolCalls)
      return failed(run, part, 'not reviewed: the model did not submit its review');
    const next = await toolRound(part.request, result, explore, part.toolCalls, part.round);
    part.toolCalls = next.toolCalls;
    return next.request;
  }
  if (result.toolInput === undefined && part.followUps === 0 && !run.force) {
    // A model that cannot be forced answered in text: one bounded turn asks for the tool call.
    part.followUps += 1;
    return followUp(part.request, result);
  }
  if (result.toolInput === undefined) {
    const said = result.text ? `; it wrote: "${result.text.slice(0, 200)}${result.text.length > 200 ? '…' : ''}"` : '';
    return failed(run, part, `the model did not call submit_review${said}`);
  }
  return reviewed(run, part, result.toolInput);
}

/** The part's review as the model submitted it, validated, and given its second look. */
async function reviewed(run: RunState, part: Part, toolInput: unknown): Promise<ChunkOutcome[]> {
  let parsed: ReturnType<typeof parseReview>;
  try {
    parsed = parseReview(toolInput);
  } catch (error) {
    return failed(run, part, error instanceof Error ? error.message : String(error));
  }
  const { chunk, spent, toolCalls } = part;
  const files = `${chunk.files.length} file${chunk.files.length === 1 ? '' : 's'}${chunk.context?.items.length ? ` + ${chunk.context.items.length} context` : ''}`;
  const explored = run.explore ? `, ${toolCalls} tool call${toolCalls === 1 ? '' : 's'} in ${spent.calls} rounds` : '';
  const seconds = ((Date.now() - part.startedAt) / 1000).toFixed(1);
  const usd = run.options.prices ? `, ${formatUsd(spent.usd)}` : '';
  run.options.log?.(
    `${label(chunk)}: ${files}, ${usageLine(spent.usage)}${explored}, ${seconds} s${usd}: ${parsed.comments.length} findings`,
  );
  const { summary, walkthrough, rejected } = parsed;
  const checked = await verified(run, part, parsed.comments);
  const comments = checked?.comments ?? parsed.comments;
  const verification = checked?.verification;
  return [
    {
      chunk,
      status: 'ok',
      summary,
      walkthrough,
      comments,
      ...(verification ? { verification } : {}),
      rejected,
      ...part.spent,
      toolCalls,
    },
  ];
}

/** The second look at a part's findings, under the cap; its cost is added to the part's. */
async function verified(
  run: RunState,
  part: Part,
  comments: RawComment[],
): Promise<{ comments: CheckedComment[]; verification: Verification } | undefined> {
  const chosen = run.options.verify ? toCheck(comments, run.options.verify) : [];
  if (chosen.length === 0) return undefined;
  let cost: Spent = { usage: ZERO_USAGE, usd: 0, calls: 0 };
  const want = verifyTokens(chosen.length, run.budget.floor, run.options.call.maxTokens);
  const ask = async (request: LlmRequest): Promise<VerifyAnswer> => {
    if (run.stopped !== undefined || run.options.signal?.aborted) return { missing: 'the run was stopped' };
    const outcome = await attempt(run, request, undefined, want);
    if ('refused' in outcome) return { missing: outcome.refused };
    cost = { ...cost, calls: 1 };
    if ('error' in outcome) {
      const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      // An error no later call can overcome (bad key, no credit) stops the calls not yet made, as a review's does.
      if (outcome.error instanceof LlmError && outcome.error.fatal) run.stopped = message;
      return { missing: message };
    }
    cost = { usage: outcome.result.usage, usd: outcome.usd, calls: 1 };
    if (outcome.result.toolInput === undefined || outcome.result.stopReason === 'max_tokens')
      return { missing: 'the model gave no verdicts' };
    return { toolInput: outcome.result.toolInput };
  };
  const look = await secondLook(part.chunk, run.requestFor(part.chunk), comments, ask, chosen);
  const { usage, usd = 0, calls } = part.spent;
  part.spent = { usage: addUsage(usage, cost.usage), usd: usd + (cost.usd ?? 0), calls: calls + cost.calls };
  const verification: Verification = {
    asked: chosen.length,
    verified: look.verified,
    ...(look.skipped ? { skipped: look.skipped } : {}),
    usage: cost.usage,
    usd: cost.usd ?? 0,
    calls: cost.calls,
  };
  const dropped = look.comments.filter((c) => c.verdict && !c.verdict.real).length;
  run.options.log?.(
    `${label(part.chunk)}: second look, ${look.verified} of ${chosen.length} verified, ${dropped} judged not real${look.skipped ? ` (${look.skipped})` : ''}`,
  );
  return { comments: look.comments, verification };
}

/**
 * Whether halving a part the cap cannot cover is worth it: some piece of it, halving the smaller half each
 * time within the split depth, shows a change and could fit.
 */
function pieceFits(run: RunState, chunk: ReviewChunk, depth: number): boolean {
  let piece = chunk;
  for (let d = depth; d < run.maxDepth + 2; d++) {
    const halves = worthHalving(piece) ? splitChunk(piece) : undefined;
    if (!halves) return false;
    piece = halves[0].tokens <= halves[1].tokens ? halves[0] : halves[1];
    if (run.budget.couldFit(run.requestFor(piece))) return true;
  }
  return false;
}

/** Halves a part and reviews both halves; what was spent on the whole stays counted on the first half. */
async function splitOrFail(run: RunState, part: Part, why: string): Promise<ChunkOutcome[]> {
  const { chunk, depth, spent } = part;
  const halves = depth < run.maxDepth + (why.includes('max-cost-usd') ? 2 : 0) ? splitChunk(chunk) : undefined;
  if (!halves) {
    const advice = "lower 'chunk-tokens' or raise 'max-output-tokens'";
    return [
      { ...empty(chunk, 'failed', `${why}, even after splitting the chunk ${depth} times (${advice})`), ...spent },
    ];
  }
  run.options.log?.(`${label(chunk)}: ${why}; splitting it in two`);
  // The halves run one after the other in this call's slot, so a split never exceeds `concurrency`.
  const parts: ChunkOutcome[] = [];
  for (const half of halves) parts.push(...(await reviewPart(run, half, depth + 1)));
  const [first, ...rest] = parts;
  if (!first) return [];
  return [
    {
      ...first,
      usage: addUsage(first.usage, spent.usage),
      usd: (first.usd ?? 0) + (spent.usd ?? 0),
      calls: first.calls + spent.calls,
    },
    ...rest,
  ];
}

/** Why a part was not reviewed when the model declined it (`stop_reason: refusal`). */
function declined(result: LlmResult): string {
  const category = result.refusal?.category;
  const explanation = result.refusal?.explanation;
  return `not reviewed: the model declined${category ? ` (${category})` : ''}${explanation ? `: ${explanation.slice(0, 200)}` : ''}`;
}

/** Tokens of one call, as a log shows them. */
function usageLine(u: Usage): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  return `${n(u.input)} in + ${n(u.cacheRead)} cached + ${n(u.cacheWrite)} cache-written, ${n(u.output)} out`;
}

function label(chunk: Chunk): string {
  return `part ${chunk.index + 1}${chunk.files.length === 1 && chunk.files[0]?.part ? ` (${chunk.files[0].file.path})` : ''}`;
}

function empty(chunk: Chunk, status: ChunkOutcome['status'], error: string): ChunkOutcome {
  return {
    chunk,
    status,
    summary: '',
    walkthrough: [],
    comments: [],
    rejected: [],
    usage: ZERO_USAGE,
    calls: 0,
    error,
  };
}
