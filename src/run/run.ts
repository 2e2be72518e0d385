import pLimit from 'p-limit';
import { chunkFileTokens, splitHunkInTwo, type Chunk, type ChunkFile } from '../plan/plan.js';
import { tokenCeiling } from '../core/tokens.js';
import { buildRequest } from '../prompt/prompt.js';
import { type ReviewRequest, type SystemBlock, type Turn } from '../llm/request.js';
import { contextOf, type ReviewChunk } from '../context/context.js';
import { runExploreTool } from '../context/explore.js';
import type { HeadFiles } from '../context/files.js';
import { REVIEW_TOOL_NAME } from '../findings/schema.js';
import { LlmError, type CallOptions, type LlmClient, type LlmResult } from '../llm/client.js';
import { addUsage, costUsd, formatUsd, ratesFor, totalTokens, ZERO_USAGE, type Usage } from '../core/usage.js';
import type { Prices } from '../core/usage.js';
import { parseReview } from '../findings/findings.js';
import type { RawComment, WalkthroughEntry } from '../findings/schema.js';

export interface ChunkOutcome {
  /** The chunk reviewed: a planned chunk, or a piece of one after a split. */
  chunk: ReviewChunk;
  /** `ok`: reviewed; `failed`: the call failed or the model declined; `not-run`: not attempted (run stopped, or over the cost cap). */
  status: 'ok' | 'failed' | 'not-run';
  summary: string;
  /** What changed in each file of the chunk, as the model wrote it. */
  walkthrough: WalkthroughEntry[];
  comments: RawComment[];
  /** Comments the model sent that failed validation. */
  rejected: string[];
  /** Usage of every call made for this chunk, failed ones included. */
  usage: Usage;
  /** USD of those calls, priced one by one at the run's prices (0 without prices). */
  usd?: number;
  calls: number;
  /** Explore mode: file reads and searches the model made. */
  toolCalls?: number;
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
  /** Aborts at the run's deadline (`max-minutes`): calls in flight stop, calls not started are not made. */
  signal?: AbortSignal;
  /** Why `signal` aborts, for the parts it leaves unreviewed. */
  deadline?: string;
  /** How many times a chunk may be halved after a cut-off answer, a "prompt is too long", or to fit the cap. */
  maxSplitDepth?: number;
  log?: (message: string) => void;
  /** Told after each call settles, with the usage it reported (for a progress line). */
  onCall?: (usage: Usage | undefined) => void;
  /** Explore mode: the head commit's files the model may read and search, and how many tool calls a review may make. */
  explore?: { files: HeadFiles; maxToolCalls: number } | undefined;
}

/** The least `max_tokens` a call is worth sending with: a review with its thinking needs room to be whole. */
export const OUTPUT_FLOOR = 2048;
export const OUTPUT_FLOOR_THINKING = 4096;
/** The stated margin on top of a request's token ceiling when it is reserved under the cap. */
export const RESERVE_MARGIN = 1.1;

/** The follow-up turn that asks a model which answered in text (it cannot be forced) to call the tool. */
export const SUBMIT_NOW = `Call ${REVIEW_TOOL_NAME} now with your review of this part (an empty list of comments is fine); write nothing else.`;

type Attempt = { result: LlmResult; usd: number } | { error: unknown } | { refused: string; budget: boolean };

/**
 * Reviews every chunk. The first call goes first, and the others start as soon as its answer begins to
 * stream, when the shared prefix is in the prompt cache; then up to `concurrency` calls are in flight.
 *
 * Each call is checked against `max-cost-usd` before it is made, at a tight upper bound of its cost (its
 * tokens' ceiling times the model's tokenizer ratio plus RESERVE_MARGIN, the prefix at the cache-write price,
 * and its `max_tokens` of output), counting what has been spent and what is in flight: no call can take the
 * run past the cap. Near the cap a call gets the `max_tokens` that what is left allows (never below a useful
 * floor), and a part that still does not fit is halved, its first half reviewed. Parts go in plan order.
 * An answer cut off at `max_tokens`, or a "prompt is too long" refusal, halves the chunk and tries again, a
 * bounded number of times. A failed or declined chunk is kept as such and the others go on; an error no later
 * call can overcome (bad key, no credit, unknown model) stops the calls not yet made.
 */
export async function runChunks(
  chunks: readonly ReviewChunk[],
  prefix: SystemBlock[],
  llm: LlmClient,
  options: RunOptions,
): Promise<ChunkOutcome[]> {
  const limit = pLimit(Math.max(1, options.concurrency));
  const maxDepth = options.maxSplitDepth ?? 3;
  const results = new Map<ReviewChunk, ChunkOutcome[]>();
  const ratio = options.tokenRatio ?? 1;
  const configured = options.call.maxTokens;
  const thinks = options.call.thinking !== undefined && options.call.thinking !== 'disabled';
  const floor = Math.min(configured, thinks ? OUTPUT_FLOOR_THINKING : OUTPUT_FLOOR);
  let stopped: string | undefined;
  let spent = 0;
  let inFlight = 0;
  /** Calls in flight, counted: a sum of reservations can keep a rounding residue after the last one settles. */
  let flying = 0;
  /** The shared prefix as the gateway counted it: the least cache read + write of any call (each reaches at least the prefix). */
  let prefixCounted: number | undefined;
  const booked = signal();

  const reserveOf = (request: ReviewRequest, maxTokens: number): number =>
    options.prices ? worstCaseUsd(request, options.prices, maxTokens, ratio, prefixCounted) : 0;
  const countPrefix = (usage: Usage | undefined): void => {
    const cached = usage && options.countsPrefix ? usage.cacheRead + usage.cacheWrite : 0;
    if (cached > 0) prefixCounted = Math.min(prefixCounted ?? cached, cached);
  };
  /** Whether a request could be sent now with the least useful output, were nothing else in flight. */
  const couldFit = (request: ReviewRequest): boolean =>
    options.maxCostUsd === undefined || spent + reserveOf(request, floor) <= options.maxCostUsd;

  /** The `max_tokens` a call may have under the cap right now: the configured one, or what is left, or none. */
  const outputRoom = (request: ReviewRequest): number | undefined => {
    if (options.maxCostUsd === undefined || !options.prices) return configured;
    const left = options.maxCostUsd - spent - inFlight - reserveOf(request, 0);
    const perToken = (reserveOf(request, 1_000_000) - reserveOf(request, 0)) / 1_000_000;
    const room = perToken > 0 ? Math.floor(left / perToken) : configured;
    const tokens = Math.min(configured, room);
    return tokens >= floor ? tokens : undefined;
  };

  /**
   * One call under the cap: reserved before it is sent (after waiting for calls in flight when it does not
   * fit), booked at what it reported when it settles.
   */
  const attempt = async (request: ReviewRequest, onStart?: () => void): Promise<Attempt> => {
    // Calls in flight usually cost far less than their reservations: wait for them before refusing.
    while (outputRoom(request) === undefined && flying > 0) await booked.next();
    const maxTokens = outputRoom(request);
    if (maxTokens === undefined) {
      const least = reserveOf(request, floor);
      return {
        refused: `this call could cost up to ${formatUsd(least)}, which would pass max-cost-usd (${formatUsd(options.maxCostUsd)}; ${formatUsd(spent)} spent)`,
        budget: true,
      };
    }
    if (options.signal?.aborted) return { refused: options.deadline ?? 'the run was stopped', budget: false };
    const reserve = reserveOf(request, maxTokens);
    inFlight += reserve;
    flying += 1;
    const overCap = (): string | undefined =>
      options.maxCostUsd !== undefined && spent + inFlight > options.maxCostUsd
        ? `this call could cost up to ${formatUsd(reserve)}, which would pass max-cost-usd (${formatUsd(options.maxCostUsd)}; ${formatUsd(spent + inFlight - reserve)} spent or in flight)`
        : undefined;
    /**
     * Books the call's cost in place of its reservation: the usage it reported; its whole reservation when it
     * was billed but reported nothing (the cap must not assume it was free); nothing when it never reached
     * the model.
     */
    const book = (usage: Usage | undefined, billed: boolean): number => {
      flying -= 1;
      inFlight = flying === 0 ? 0 : inFlight - reserve;
      countPrefix(usage);
      let cost = 0;
      if (options.prices && billed) {
        cost = usage !== undefined && totalTokens(usage) > 0 ? costUsd(usage, options.prices) : reserve;
        spent += cost;
      }
      booked.notify();
      options.onCall?.(usage);
      return cost;
    };
    /**
     * Before another attempt of this call: an attempt that began to answer was billed, so its reservation
     * is spent; the next attempt needs a reservation of its own that still fits under the cap.
     */
    const beforeRetry = (billed: boolean): void => {
      if (!billed) return;
      spent += reserve;
      const over = overCap();
      if (over) throw new LlmError('budget', `not retried: ${over}`);
    };
    try {
      const result = await llm.review(request, {
        ...options.call,
        maxTokens,
        ...(options.signal ? { signal: options.signal } : {}),
        beforeRetry,
        ...(onStart ? { onStart } : {}),
      });
      const usd = book(result.usage, true);
      return { result, usd };
    } catch (error) {
      // A last attempt that began to answer was billed: its reservation stays spent.
      book(undefined, error instanceof LlmError && error.started);
      return { error };
    }
  };

  const explore = options.explore && options.explore.maxToolCalls > 0 ? options.explore : undefined;
  const force = options.call.forceTool ?? true;
  const requestFor = (chunk: ReviewChunk): ReviewRequest =>
    buildRequest(prefix, chunk, chunks.length, {
      ...(explore ? { maxToolCalls: explore.maxToolCalls } : {}),
      forceTool: force,
    });
  /**
   * Whether halving a part the cap cannot cover is worth it: some piece of it, halving the smaller half each
   * time within the split depth, shows a change and could fit.
   */
  const pieceFits = (chunk: ReviewChunk, depth: number): boolean => {
    let piece = chunk;
    for (let d = depth; d < maxDepth + 2; d++) {
      const halves = worthHalving(piece) ? splitChunk(piece) : undefined;
      if (!halves) return false;
      piece = halves[0].tokens <= halves[1].tokens ? halves[0] : halves[1];
      if (couldFit(requestFor(piece))) return true;
    }
    return false;
  };

  const review = async (chunk: ReviewChunk, depth: number, onStart?: () => void): Promise<ChunkOutcome[]> => {
    if (stopped !== undefined) return [empty(chunk, 'not-run', `not reviewed: ${stopped}`)];
    if (options.signal?.aborted)
      return [empty(chunk, 'not-run', `not reviewed: ${options.deadline ?? 'the run was stopped'}`)];
    let request = requestFor(chunk);
    let usage = ZERO_USAGE;
    let usd = 0;
    let calls = 0;
    let toolCalls = 0;
    let followUps = 0;
    const started = Date.now();
    const spentSoFar = (): Pick<ChunkOutcome, 'usage' | 'usd' | 'calls'> => ({ usage, usd, calls });
    for (let round = 0; ; round++) {
      const outcome = await attempt(request, round === 0 ? onStart : undefined);
      if ('refused' in outcome) {
        // The cap cannot cover this part whole: review the half that fits, if the part can be halved.
        if (outcome.budget && round === 0 && pieceFits(chunk, depth)) {
          return splitOrFail(chunk, depth, spentSoFar(), 'it does not fit in what is left of max-cost-usd');
        }
        return [{ ...empty(chunk, 'not-run', `not reviewed: ${outcome.refused}`), ...spentSoFar() }];
      }
      if ('error' in outcome) {
        const { error } = outcome;
        const message = error instanceof Error ? error.message : String(error);
        calls += 1;
        if (error instanceof LlmError && error.kind === 'too-large')
          return splitOrFail(chunk, depth, spentSoFar(), message);
        if (error instanceof LlmError && error.fatal) stopped = message;
        if (options.signal?.aborted) {
          return [{ ...empty(chunk, 'not-run', `not reviewed: ${options.deadline ?? message}`), ...spentSoFar() }];
        }
        options.log?.(`${label(chunk)} failed: ${message}`);
        return [{ ...empty(chunk, 'failed', message), ...spentSoFar() }];
      }
      const { result } = outcome;
      usage = addUsage(usage, result.usage);
      usd += outcome.usd;
      calls += 1;
      const failed = (why: string): ChunkOutcome[] => {
        options.log?.(`${label(chunk)} failed: ${why}`);
        return [{ ...empty(chunk, 'failed', why), ...spentSoFar() }];
      };
      if (result.stopReason === 'refusal') return failed(declined(result));
      if (result.stopReason === 'max_tokens') {
        return splitOrFail(chunk, depth, spentSoFar(), 'the answer was cut off at max-output-tokens');
      }
      const asked = (result.calls ?? []).filter((c) => c.name !== REVIEW_TOOL_NAME);
      if (explore && result.toolInput === undefined && asked.length > 0) {
        // Our count ends the loop, whatever the model does (forced or not): once max-tool-calls tool calls are
        // spent the review was asked for once more, and a model that asks for tools again has not submitted.
        if (round > explore.maxToolCalls || toolCalls >= explore.maxToolCalls)
          return failed('not reviewed: the model did not submit its review');
        ({ request, toolCalls } = await toolRound(request, result, explore, toolCalls, round));
        continue;
      }
      if (result.toolInput === undefined && followUps === 0 && !force) {
        // A model that cannot be forced answered in text: one bounded turn asks for the tool call.
        followUps += 1;
        request = followUp(request, result);
        continue;
      }
      if (result.toolInput === undefined) {
        const said = result.text
          ? `; it wrote: "${result.text.slice(0, 200)}${result.text.length > 200 ? '…' : ''}"`
          : '';
        return failed(`the model did not call submit_review${said}`);
      }
      let parsed: ReturnType<typeof parseReview>;
      try {
        parsed = parseReview(result.toolInput);
      } catch (error) {
        return failed(error instanceof Error ? error.message : String(error));
      }
      const explored = explore ? `, ${toolCalls} tool call${toolCalls === 1 ? '' : 's'} in ${calls} rounds` : '';
      options.log?.(
        `${label(chunk)}: ${chunk.files.length} file${chunk.files.length === 1 ? '' : 's'}${chunk.context?.items.length ? ` + ${chunk.context.items.length} context` : ''}, ${usageLine(usage)}${explored}, ${((Date.now() - started) / 1000).toFixed(1)} s${options.prices ? `, ${formatUsd(usd)}` : ''}: ${parsed.comments.length} findings`,
      );
      return [
        {
          chunk,
          status: 'ok',
          summary: parsed.summary,
          walkthrough: parsed.walkthrough,
          comments: parsed.comments,
          rejected: parsed.rejected,
          ...spentSoFar(),
          toolCalls,
        },
      ];
    }
  };

  /** Halves a chunk and reviews both halves; what was spent on the whole stays counted on the first half. */
  const splitOrFail = async (
    chunk: ReviewChunk,
    depth: number,
    spentOnWhole: Pick<ChunkOutcome, 'usage' | 'usd' | 'calls'>,
    why: string,
  ): Promise<ChunkOutcome[]> => {
    const halves = depth < maxDepth + (why.includes('max-cost-usd') ? 2 : 0) ? splitChunk(chunk) : undefined;
    if (!halves) {
      const advice = "lower 'chunk-tokens' or raise 'max-output-tokens'";
      return [
        {
          ...empty(chunk, 'failed', `${why}, even after splitting the chunk ${depth} times (${advice})`),
          ...spentOnWhole,
        },
      ];
    }
    options.log?.(`${label(chunk)}: ${why}; splitting it in two`);
    // The halves run one after the other in this call's slot, so a split never exceeds `concurrency`.
    const parts: ChunkOutcome[] = [];
    for (const half of halves) parts.push(...(await review(half, depth + 1)));
    const [first, ...rest] = parts;
    if (!first) return [];
    return [
      {
        ...first,
        usage: addUsage(first.usage, spentOnWhole.usage),
        usd: (first.usd ?? 0) + (spentOnWhole.usd ?? 0),
        calls: first.calls + spentOnWhole.calls,
      },
      ...rest,
    ];
  };

  const [head, ...tail] = chunks;
  if (head) {
    let signalStart: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (signalStart = resolve));
    const first = limit(() => review(head, 0, signalStart)).then((outcomes) => {
      results.set(head, outcomes);
    });
    await Promise.race([started, first]);
    await Promise.all([
      first,
      ...tail.map((chunk) => limit(() => review(chunk, 0)).then((outcomes) => void results.set(chunk, outcomes))),
    ]);
  }
  return chunks.flatMap((chunk) => results.get(chunk) ?? []);
}

/** A chunk whose halves would both still show a change: halving one that does not only makes a call about nothing. */
function worthHalving(chunk: ReviewChunk): boolean {
  const halves = splitChunk(chunk);
  const changes = (piece: ReviewChunk): boolean =>
    piece.files.some((f) => f.hunks.some((h) => h.lines.some((l) => l.kind !== 'context')));
  return halves !== undefined && halves.every(changes);
}

/** Why a part was not reviewed when the model declined it (`stop_reason: refusal`). */
function declined(result: LlmResult): string {
  const category = result.refusal?.category;
  const explanation = result.refusal?.explanation;
  return `not reviewed: the model declined${category ? ` (${category})` : ''}${explanation ? `: ${explanation.slice(0, 200)}` : ''}`;
}

/** The request once more, with the model's text answer and our request to call the tool appended. */
function followUp(request: ReviewRequest, result: LlmResult): ReviewRequest {
  const turns: Turn[] = [
    ...(request.turns ?? []),
    { role: 'assistant', calls: [], text: result.text, ...(result.blocks ? { blocks: result.blocks } : {}) },
    { role: 'user', text: SUBMIT_NOW },
  ];
  return { ...request, turns };
}

/**
 * The next round of an explore conversation: the model's tool calls answered from the head's files (those past
 * the budget refused), appended to the conversation; past the budget, or after max-tool-calls rounds, the review
 * tool is required.
 */
async function toolRound(
  request: ReviewRequest,
  result: LlmResult,
  explore: { files: HeadFiles; maxToolCalls: number },
  used: number,
  round: number,
): Promise<{ request: ReviewRequest; toolCalls: number }> {
  const calls = result.calls ?? [];
  const left = Math.max(0, explore.maxToolCalls - used);
  const toolCalls = used + Math.min(calls.length, left);
  // The budget is spent with this round: the next request is the last, and asks for the review (in words too,
  // for a model that cannot be forced).
  const force = toolCalls >= explore.maxToolCalls || round >= explore.maxToolCalls;
  const spent = `the ${explore.maxToolCalls} tool calls of this review are spent; call ${REVIEW_TOOL_NAME} now`;
  const results = await Promise.all(
    calls.map(async (call, i) => {
      if (i >= left) return { id: call.id, content: `refused: ${spent}` };
      const content = await runExploreTool(explore.files, call);
      return { id: call.id, content: force && i === calls.length - 1 ? `${content}\n\n(${spent})` : content };
    }),
  );
  const turns = [
    ...(request.turns ?? []),
    { role: 'assistant' as const, calls, text: result.text, ...(result.blocks ? { blocks: result.blocks } : {}) },
    { role: 'tool' as const, results },
  ];
  return { request: { ...request, turns, ...(force ? { choice: 'tool' as const } : {}) }, toolCalls };
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

/** Two halves of a chunk: by files, else by hunks of its one file, else its one hunk at line borders. */
export function splitChunk(chunk: ReviewChunk): [ReviewChunk, ReviewChunk] | undefined {
  const make = (files: ChunkFile[]): ReviewChunk => {
    const piece: Chunk = { index: chunk.index, files, tokens: files.reduce((n, f) => n + chunkFileTokens(f), 0) };
    const context = contextOf(chunk.context, piece);
    return context ? { ...piece, context } : piece;
  };
  if (chunk.files.length > 1) {
    let acc = 0;
    const half = chunk.tokens / 2;
    let cut = chunk.files.findIndex((f) => (acc += chunkFileTokens(f)) >= half);
    cut = Math.min(Math.max(cut, 1), chunk.files.length - 1);
    return [make(chunk.files.slice(0, cut)), make(chunk.files.slice(cut))];
  }
  const only = chunk.files[0];
  if (!only) return undefined;
  if (only.hunks.length > 1) {
    const cut = Math.ceil(only.hunks.length / 2);
    return [make([{ ...only, hunks: only.hunks.slice(0, cut) }]), make([{ ...only, hunks: only.hunks.slice(cut) }])];
  }
  const hunk = only.hunks[0];
  const pieces = hunk ? splitHunkInTwo(hunk) : undefined;
  if (!pieces) return undefined;
  return [make([{ ...only, hunks: [pieces[0]] }]), make([{ ...only, hunks: [pieces[1]] }])];
}

/**
 * The most one attempt of a request can cost: its tokens' ceiling (plan/tokenCeiling) times the model's
 * tokenizer ratio and RESERVE_MARGIN, the shared prefix (tools, system, the PR's data block) and earlier rounds
 * at the cache-write price, since the cache may miss, and `maxOutputTokens` of output (thinking included), at
 * the long-prompt tier when the prompt could reach it. `prefixTokens`, once the gateway has counted the shared
 * prefix (byte-identical in every call of a run), replaces its ceiling.
 */
export function worstCaseUsd(
  request: ReviewRequest,
  prices: Prices,
  maxOutputTokens: number,
  ratio = 1,
  prefixTokens?: number,
): number {
  const tokens = (text: string): number => Math.ceil(tokenCeiling(text) * ratio * RESERVE_MARGIN);
  const sum = (blocks: readonly SystemBlock[]): number => blocks.reduce((n, b) => n + tokens(b.text), 0);
  const shared =
    prefixTokens ??
    tokens(JSON.stringify(request.tools)) + sum(request.system) + sum(request.user.filter((b) => b.cache));
  const own = sum(request.user.filter((b) => !b.cache));
  // Earlier rounds of an explore conversation: cached at the last one, so priced as a cache write.
  const turns = request.turns ? tokens(JSON.stringify(request.turns)) : 0;
  const rates = ratesFor(prices, shared + own + turns);
  const prefixPrice = Math.max(rates.cacheWrite, rates.input);
  return (own * rates.input + (shared + turns) * prefixPrice + maxOutputTokens * rates.output) / 1_000_000;
}

/** A signal to wait on: `next()` resolves at the following `notify()`. */
function signal(): { next: () => Promise<void>; notify: () => void } {
  let waiters: (() => void)[] = [];
  return {
    next: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
      }),
    notify: () => {
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    },
  };
}
