import pLimit from 'p-limit';
import { chunkFileTokens, splitHunkInTwo, type Chunk, type ChunkFile } from '../plan/plan.js';
import { buildRequest, type ReviewRequest, type SystemBlock } from '../prompt/prompt.js';
import { contextOf, type ReviewChunk } from '../context/context.js';
import { runExploreTool } from '../context/explore.js';
import type { HeadFiles } from '../context/files.js';
import { REVIEW_TOOL_NAME } from '../findings/schema.js';
import { LlmError, type CallOptions, type LlmClient, type LlmResult } from '../llm/client.js';
import { addUsage, costUsd, formatUsd, ZERO_USAGE, type Usage } from '../llm/usage.js';
import type { Prices } from '../llm/models.js';
import { parseReview } from '../findings/findings.js';
import type { RawComment, WalkthroughEntry } from '../findings/schema.js';

/** Anthropic caches no prefix shorter than this (Sonnet). */
export const MIN_CACHEABLE_TOKENS = 1024;

export interface ChunkOutcome {
  /** The chunk reviewed: a planned chunk, or a piece of one after a split. */
  chunk: ReviewChunk;
  /** `ok`: reviewed; `failed`: the call failed; `not-run`: not attempted (run stopped, or over the cost cap). */
  status: 'ok' | 'failed' | 'not-run';
  summary: string;
  /** What changed in each file of the chunk, as the model wrote it. */
  walkthrough: WalkthroughEntry[];
  comments: RawComment[];
  /** Comments the model sent that failed validation. */
  rejected: string[];
  /** Usage of every call made for this chunk, failed ones included. */
  usage: Usage;
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
  /** Aborts at the run's deadline (`max-minutes`): calls in flight stop, calls not started are not made. */
  signal?: AbortSignal;
  /** Why `signal` aborts, for the parts it leaves unreviewed. */
  deadline?: string;
  /** How many times a chunk may be halved after a cut-off answer or a "prompt is too long". */
  maxSplitDepth?: number;
  log?: (message: string) => void;
  /** Told after each call settles, with the usage it reported (for a progress line). */
  onCall?: (usage: Usage | undefined) => void;
  /** Explore mode: the head commit's files the model may read and search, and how many tool calls a review may make. */
  explore?: { files: HeadFiles; maxToolCalls: number } | undefined;
}

/**
 * Reviews every chunk. The first call goes first, and the others start as soon as its answer begins to
 * stream, when the shared prefix is in the prompt cache; then up to `concurrency` calls are in flight.
 *
 * Each call is checked against `max-cost-usd` before it is made, at its worst case (its input plus
 * `max-output-tokens` of output), counting what has been spent and what is in flight: no call can take
 * the run past the cap. An answer cut off at `max_tokens`, or a "prompt is too long" refusal, halves the
 * chunk and tries again, a bounded number of times. A failed chunk is kept as failed and the others go
 * on; an error no later call can overcome (bad key, no credit, unknown model) stops the calls not yet
 * made, and their chunks are reported as not run.
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
  let stopped: string | undefined;
  let spent = 0;
  let inFlight = 0;

  const worstCase = (request: ReviewRequest): number =>
    options.prices ? worstCaseUsd(request, options.prices, options.call.maxTokens) : 0;

  const booked = signal();

  type Attempt = { result: LlmResult } | { error: unknown } | { refused: string };

  /**
   * One call under the cap: reserved at its worst case before it is sent (after waiting for calls in flight
   * when the reservation does not fit), booked at what it reported when it settles.
   */
  const attempt = async (request: ReviewRequest, onStart?: () => void): Promise<Attempt> => {
    const reserve = worstCase(request);
    const overCap = (): string | undefined =>
      options.maxCostUsd !== undefined && spent + inFlight + reserve > options.maxCostUsd
        ? `this call could cost up to ${formatUsd(reserve)}, which would pass max-cost-usd (${formatUsd(options.maxCostUsd)}; ${formatUsd(spent + inFlight)} spent or in flight)`
        : undefined;
    // Calls in flight usually cost far less than their reservations: wait for them before refusing.
    while (overCap() !== undefined && inFlight > 0) await booked.next();
    const refused = overCap();
    if (refused) return { refused };
    if (options.signal?.aborted) return { refused: options.deadline ?? 'the run was stopped' };
    inFlight += reserve;
    /**
     * Books the call's cost in place of its reservation: the usage it reported; its whole reservation when it
     * was billed but reported nothing (the cap must not assume it was free); nothing when it never reached
     * the model.
     */
    const book = (usage: Usage | undefined, billed: boolean): void => {
      inFlight -= reserve;
      if (options.prices && billed) {
        const reported = usage !== undefined && usage.input + usage.output + usage.cacheRead + usage.cacheWrite > 0;
        spent += reported ? costUsd(usage, options.prices) : reserve;
      }
      booked.notify();
      options.onCall?.(usage);
    };
    /**
     * Before another attempt of this call: an attempt that began to answer was billed, so its reservation
     * is spent; the next attempt needs a reservation of its own that still fits under the cap.
     */
    const beforeRetry = (billed: boolean): void => {
      if (!billed) return;
      inFlight -= reserve;
      spent += reserve;
      const over = overCap();
      if (over) {
        inFlight += reserve; // released by book() when the call settles
        throw new LlmError('budget', `not retried: ${over}`);
      }
      inFlight += reserve;
    };
    try {
      const result = await llm.review(request, {
        ...options.call,
        ...(options.signal ? { signal: options.signal } : {}),
        beforeRetry,
        ...(onStart ? { onStart } : {}),
      });
      book(result.usage, true);
      return { result };
    } catch (error) {
      // A last attempt that began to answer was billed: its reservation stays spent.
      book(undefined, error instanceof LlmError && error.started);
      return { error };
    }
  };

  const explore = options.explore && options.explore.maxToolCalls > 0 ? options.explore : undefined;

  const review = async (chunk: ReviewChunk, depth: number, onStart?: () => void): Promise<ChunkOutcome[]> => {
    if (stopped !== undefined) return [empty(chunk, 'not-run', `not reviewed: ${stopped}`)];
    if (options.signal?.aborted)
      return [empty(chunk, 'not-run', `not reviewed: ${options.deadline ?? 'the run was stopped'}`)];
    let request = buildRequest(prefix, chunk, chunks.length, explore ? { maxToolCalls: explore.maxToolCalls } : {});
    let usage = ZERO_USAGE;
    let calls = 0;
    let toolCalls = 0;
    const started = Date.now();
    for (let round = 0; ; round++) {
      const outcome = await attempt(request, round === 0 ? onStart : undefined);
      if ('refused' in outcome) {
        return [{ ...empty(chunk, 'not-run', `not reviewed: ${outcome.refused}`), usage, calls }];
      }
      if ('error' in outcome) {
        const { error } = outcome;
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof LlmError && error.kind === 'too-large')
          return splitOrFail(chunk, depth, usage, message, calls + 1);
        if (error instanceof LlmError && error.fatal) stopped = message;
        if (options.signal?.aborted) {
          return [
            { ...empty(chunk, 'not-run', `not reviewed: ${options.deadline ?? message}`), usage, calls: calls + 1 },
          ];
        }
        options.log?.(`${label(chunk)} failed: ${message}`);
        return [{ ...empty(chunk, 'failed', message), usage, calls: calls + 1 }];
      }
      const { result } = outcome;
      usage = addUsage(usage, result.usage);
      calls += 1;
      if (result.stopReason === 'max_tokens') {
        return splitOrFail(chunk, depth, usage, 'the answer was cut off at max-output-tokens', calls);
      }
      const asked = (result.calls ?? []).filter((c) => c.name !== REVIEW_TOOL_NAME);
      if (explore && result.toolInput === undefined && asked.length > 0) {
        ({ request, toolCalls } = await toolRound(request, result, explore, toolCalls, round));
        continue;
      }
      const failed = (why: string): ChunkOutcome[] => {
        options.log?.(`${label(chunk)} failed: ${why}`);
        return [{ ...empty(chunk, 'failed', why), usage, calls }];
      };
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
        `${label(chunk)}: ${chunk.files.length} file${chunk.files.length === 1 ? '' : 's'}${chunk.context?.items.length ? ` + ${chunk.context.items.length} context` : ''}, ${usageLine(usage)}${explored}, ${((Date.now() - started) / 1000).toFixed(1)} s${options.prices ? `, ${formatUsd(costUsd(usage, options.prices))}` : ''}: ${parsed.comments.length} findings`,
      );
      return [
        {
          chunk,
          status: 'ok',
          summary: parsed.summary,
          walkthrough: parsed.walkthrough,
          comments: parsed.comments,
          rejected: parsed.rejected,
          usage,
          calls,
          toolCalls,
        },
      ];
    }
  };

  /** Halves a chunk that was too big for one answer and reviews both halves; the failed call's usage stays counted. */
  const splitOrFail = async (
    chunk: ReviewChunk,
    depth: number,
    usage: Usage,
    why: string,
    calls: number,
  ): Promise<ChunkOutcome[]> => {
    const halves = depth < maxDepth ? splitChunk(chunk) : undefined;
    if (!halves) {
      const advice = "lower 'chunk-tokens' or raise 'max-output-tokens'";
      return [
        {
          ...empty(chunk, 'failed', `${why}, even after splitting the chunk ${depth} times (${advice})`),
          usage,
          calls,
        },
      ];
    }
    options.log?.(`${label(chunk)}: ${why}; splitting it in two`);
    // The halves run one after the other in this call's slot, so a split never exceeds `concurrency`.
    const parts: ChunkOutcome[] = [];
    for (const half of halves) parts.push(...(await review(half, depth + 1)));
    const [first, ...rest] = parts;
    if (!first) return [];
    return [{ ...first, usage: addUsage(first.usage, usage), calls: first.calls + calls }, ...rest];
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
  const results = await Promise.all(
    calls.map(async (call, i) => ({
      id: call.id,
      content:
        i < left
          ? await runExploreTool(explore.files, call)
          : `refused: the ${explore.maxToolCalls} tool calls of this review are spent; call ${REVIEW_TOOL_NAME} now`,
    })),
  );
  const turns = [
    ...(request.turns ?? []),
    { role: 'assistant' as const, calls, text: result.text },
    { role: 'tool' as const, results },
  ];
  const force = left === 0 || round >= explore.maxToolCalls;
  return {
    request: { ...request, turns, ...(force ? { choice: 'tool' as const } : {}) },
    toolCalls: used + Math.min(calls.length, left),
  };
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
 * The most one attempt of a request can cost: every byte of it as a token (no byte-level BPE tokenizer
 * makes more tokens than bytes, whatever whitespace, letter runs or base64 a diff holds), the shared prefix
 * (tool, system, the PR's data block) at the cache-write price, since the cache may miss, and
 * `max-output-tokens` of output.
 */
export function worstCaseUsd(request: ReviewRequest, prices: Prices, maxOutputTokens: number): number {
  const bytes = (blocks: readonly SystemBlock[]): number =>
    blocks.reduce((n, b) => n + Buffer.byteLength(b.text, 'utf8'), 0);
  const shared =
    Buffer.byteLength(JSON.stringify(request.tools), 'utf8') +
    bytes(request.system) +
    bytes(request.user.filter((b) => b.cache));
  const own = bytes(request.user.filter((b) => !b.cache));
  const prefixPrice = Math.max(prices.cacheWrite, prices.input);
  // Earlier rounds of an explore conversation: cached at the last one, so priced as a cache write.
  const turns = request.turns ? Buffer.byteLength(JSON.stringify(request.turns), 'utf8') : 0;
  return (own * prices.input + (shared + turns) * prefixPrice + maxOutputTokens * prices.output) / 1_000_000;
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
