import { errorText } from '../core/errors.js';
import type { LimitFunction } from 'p-limit';
import type { ReviewChunk } from '../context/items.js';
import type { Chunk } from '../plan/plan.js';
import type { HeadFiles } from '../context/files.js';
import { addUsage, ZERO_USAGE, type Prices, type Usage } from '../core/usage.js';
import { LlmError, type CallOptions, type LlmClient, type LlmResult } from '../llm/client.js';
import type { LlmRequest } from '../llm/request.js';
import type { Pass } from '../prompt/passes.js';
import type { Budget, Refusal } from './budget.js';
import type { VerifyRules } from './verify.js';

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
  explore?: Explore | undefined;
  /** A second look at each part's findings before they are posted (`verify`): which it checks. */
  verify?: VerifyRules | undefined;
  /** The looks each part gets (`review-depth`); default one general look. */
  passes?: readonly Pass[] | undefined;
}

export interface Explore {
  files: HeadFiles;
  maxToolCalls: number;
  base?: HeadFiles | undefined;
}

/** What every call of one run shares: the client, the budget, the limit on calls in flight, a fatal error. */
export interface RunState {
  llm: LlmClient;
  options: RunOptions;
  budget: Budget;
  /** At most `concurrency` calls in flight; a part's looks and second look each take a slot per call. */
  limit: LimitFunction;
  requestFor: (chunk: ReviewChunk, pass?: Pass, first?: boolean) => LlmRequest;
  explore: Explore | undefined;
  /** Whether the review tool can be forced (else a text answer gets one follow-up turn). */
  force: boolean;
  maxDepth: number;
  passes: readonly Pass[];
  /** An error no later call can overcome (bad key, no credit): the calls not yet made are not made. */
  stopped: string | undefined;
}

/** What a part's (or a look's) calls have spent. */
export interface Spent {
  usage: Usage;
  /** USD of those calls, priced one by one at the run's prices (0 without prices). */
  usd?: number;
  calls: number;
  /** Some of `usd` is the reservation of a call billed but stopped before it reported its usage (Ctrl-C, a deadline). */
  estimated?: boolean;
}

export function addSpent(a: Spent, b: Spent): Spent {
  const estimated = a.estimated === true || b.estimated === true;
  return {
    usage: addUsage(a.usage, b.usage),
    usd: (a.usd ?? 0) + (b.usd ?? 0),
    calls: a.calls + b.calls,
    ...(estimated ? { estimated } : {}),
  };
}

/**
 * How a call ended: its answer and cost; its error and what it spent (a call billed before it failed counts at
 * its reservation, an estimate, since no usage came back); or a refusal.
 */
export type Attempt = { result: LlmResult; usd: number } | { error: unknown; spent: Spent } | Refusal;

/**
 * One call under the cap and the concurrency limit: a slot first, then reserved before it is sent, booked at
 * what it reported when it settles.
 */
export function attempt(run: RunState, request: LlmRequest, onStart?: () => void, want?: number): Promise<Attempt> {
  return run.limit(() => reservedCall(run, request, onStart, want));
}

async function reservedCall(
  run: RunState,
  request: LlmRequest,
  onStart: (() => void) | undefined,
  want: number | undefined,
): Promise<Attempt> {
  const { budget, options } = run;
  if (run.stopped !== undefined) return { refused: run.stopped, budget: false };
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
    const usd = budget.book(slot, undefined, error instanceof LlmError && error.started);
    const spent: Spent = { usage: ZERO_USAGE, usd, calls: 1, ...(usd > 0 ? { estimated: true } : {}) };
    // An error no later call can overcome (bad key, no credit) stops the calls waiting for a slot, before
    // the slot goes to the next one.
    if (error instanceof LlmError && error.fatal) run.stopped ??= errorText(error);
    return { error, spent };
  }
}

/** Why the run's signal stopped it: its reason, else the deadline named in the options. */
export function stopReason(options: RunOptions, fallback = 'the run was stopped'): string {
  const reason: unknown = options.signal?.reason;
  return reason instanceof Error ? reason.message : (options.deadline ?? fallback);
}

/** A part as the log names it: its number, and its file when it is one piece of a long file. */
export function label(chunk: Chunk): string {
  return `part ${chunk.index + 1}${chunk.files.length === 1 && chunk.files[0]?.part ? ` (${chunk.files[0].file.path})` : ''}`;
}
