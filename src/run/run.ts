import { plural } from '../core/words.js';
import pLimit from 'p-limit';
import { worthHalving, type Chunk } from '../plan/plan.js';
import { forLook, partRequest } from '../prompt/prompt.js';
import type { LlmRequest, SystemBlock } from '../llm/request.js';
import { splitChunk, type ReviewChunk } from '../context/items.js';
import { formatUsd, ZERO_USAGE, type Usage } from '../core/usage.js';
import type { LlmClient } from '../llm/client.js';
import type { WalkthroughEntry } from '../findings/schema.js';
import type { CheckedComment } from '../findings/verdict.js';
import { mergeFindings } from '../findings/merge.js';
import { GENERAL_PASS, type Pass } from '../prompt/passes.js';
import { verified, type Verification } from './verify.js';
import { Budget, OUTPUT_FLOOR, OUTPUT_FLOOR_THINKING } from './budget.js';
import { addSpent, label, type RunOptions, type RunState, type Spent } from './calls.js';
import { runLook, type LookResult } from './pass.js';

export type { RunOptions } from './calls.js';
export type { Verification } from './verify.js';

/** What one look at a part did: its name, how it ended, and what it found (before the merge). */
export interface LookOutcome {
  name: Pass['name'];
  status: 'ok' | 'failed' | 'not-run';
  findings: number;
  error?: string;
}

export interface ChunkOutcome {
  /** The chunk reviewed: a planned chunk, or a piece of one after a split. */
  chunk: ReviewChunk;
  /** `ok`: reviewed (by one look at least); `failed`: the call failed or the model declined; `not-run`: not attempted (run stopped, or over the cost cap). */
  status: 'ok' | 'failed' | 'not-run';
  summary: string;
  /** What changed in each file of the chunk, as the model wrote it. */
  walkthrough: WalkthroughEntry[];
  comments: CheckedComment[];
  /** Each look at the part (`review-depth`), in order, when the part was reviewed. */
  looks?: LookOutcome[];
  /** Findings that two looks reported alike, merged into one before the second look. */
  merged?: number;
  /** The second look at the part's findings, when one was asked for and there were findings. */
  verification?: Verification;
  /** Comments the model sent that failed validation. */
  rejected: string[];
  /** Usage of every call made for this chunk, failed ones included. */
  usage: Usage;
  /** USD of those calls, priced one by one at the run's prices (0 without prices). */
  usd?: number;
  calls: number;
  /** Some of `usd` is the reservation of a call billed but stopped before it reported its usage (an estimate). */
  estimated?: boolean;
  /** Explore mode: file reads and searches the model made. */
  toolCalls?: number;
  /** The error was one no later call can overcome (bad key, no credit): the run made no call after it. */
  fatal?: boolean;
  error?: string;
}

/**
 * Reviews every chunk. The first call goes first, and the others start as soon as its answer begins to
 * stream, when the shared prefix is in the prompt cache; then up to `concurrency` calls are in flight. A part's
 * other looks (`review-depth`) start when its first look's answer begins, so they read the part from the
 * cache; its second look reads it from there too.
 *
 * Each call is checked against `max-cost-usd` before it is made, at a tight upper bound of its cost (see
 * budget.ts): no call can take the run past the cap. Near the cap a call gets the `max_tokens` that what is
 * left allows (never below a useful floor), and a part that still does not fit is halved, its first half
 * reviewed. An answer cut off at `max_tokens`, or a "prompt is too long" refusal, halves the chunk and tries
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
  const results = new Map<ReviewChunk, ChunkOutcome[]>();
  const review = (chunk: ReviewChunk, onStart?: () => void): Promise<void> =>
    reviewPart(run, chunk, 0, onStart).then((outcomes) => void results.set(chunk, outcomes));
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
  const passes = options.passes && options.passes.length > 0 ? options.passes : [GENERAL_PASS];
  const budget = new Budget({
    prices: options.prices,
    maxCostUsd: options.maxCostUsd,
    tokenRatio: options.tokenRatio ?? 1,
    countsPrefix: options.countsPrefix ?? false,
    maxTokens,
    floor: Math.min(maxTokens, thinks ? OUTPUT_FLOOR_THINKING : OUTPUT_FLOOR),
    onCall: options.onCall,
  });
  // Another call reads the part (a look, the second look): a breakpoint after it, so it is read from the cache.
  const sharePart = passes.length > 1 || options.verify !== undefined;
  // The part as every look and the second look send it, built once a part.
  const parts = new WeakMap<ReviewChunk, LlmRequest>();
  const partOf = (chunk: ReviewChunk): LlmRequest => {
    const part =
      parts.get(chunk) ??
      partRequest(prefix, chunk, chunks.length, {
        ...(explore ? { maxToolCalls: explore.maxToolCalls } : {}),
        forceTool: force,
        sharePart,
      });
    parts.set(chunk, part);
    return part;
  };
  const requestFor = (chunk: ReviewChunk, pass: Pass = passes[0] ?? GENERAL_PASS, first = true): LlmRequest =>
    forLook(partOf(chunk), { pass, firstPass: first, forceTool: force });
  return {
    llm,
    options,
    budget,
    limit: pLimit(Math.max(1, options.concurrency)),
    requestFor,
    explore,
    force,
    maxDepth: options.maxSplitDepth ?? 3,
    passes,
    stopped: undefined,
  };
}

/**
 * Reviews one part: its first look, then (when that look's answer begins, or when it ends without a reason to
 * stop) its other looks, their findings merged, then the second look. The first look decides a split.
 */
async function reviewPart(run: RunState, chunk: ReviewChunk, depth: number, onStart?: () => void) {
  const [firstPass, ...otherPasses] = run.passes;
  if (!firstPass) return [empty(chunk, 'not-run', 'not reviewed: no look was asked for')];
  const startedAt = Date.now();
  let release: (go: boolean) => void = () => undefined;
  const began = new Promise<boolean>((resolve) => (release = resolve));
  const first = runLook(run, chunk, firstPass, true, () => {
    onStart?.();
    release(true);
  }).then(
    (result) => {
      release(result.kind === 'ok' || (result.kind === 'failed' && !result.fatal && result.status === 'failed'));
      return result;
    },
    (error: unknown) => {
      release(false);
      throw error;
    },
  );
  const others = otherPasses.map(async (pass) => ((await began) ? runLook(run, chunk, pass, false) : undefined));
  const head = await first;
  const rest = await Promise.all(others);
  const spentByOthers = rest.reduce<Spent>((sum, r) => (r ? addSpent(sum, r.spent) : sum), noSpend());
  if (head.kind === 'split') return splitOrFail(run, chunk, depth, head.why, addSpent(head.spent, spentByOthers));
  if (head.kind === 'refused' && head.refusal.budget && head.first && pieceFits(run, chunk, depth)) {
    return splitOrFail(run, chunk, depth, 'it does not fit in what is left of max-cost-usd', head.spent);
  }
  const looks = [head, ...rest].map((result, i) => lookOutcome(run.passes[i] ?? firstPass, result));
  const done = [head, ...rest].filter((r): r is Extract<LookResult, { kind: 'ok' }> => r?.kind === 'ok');
  const spent = addSpent(head.spent, spentByOthers);
  if (done.length === 0) return [notReviewed(run, chunk, head, spent)];
  return reviewed(run, chunk, { done, looks, spent, startedAt });
}

/** A look as the outcome reports it. */
function lookOutcome(pass: Pass, result: LookResult | undefined): LookOutcome {
  const name = pass.name;
  if (!result) return { name, status: 'not-run', findings: 0, error: 'the first look did not begin' };
  if (result.kind === 'ok') return { name, status: 'ok', findings: result.review.comments.length };
  if (result.kind === 'refused') return { name, status: 'not-run', findings: 0, error: result.refusal.refused };
  const status = result.kind === 'failed' ? result.status : 'failed';
  return { name, status, findings: 0, error: result.why };
}

/** A part no look reviewed: as its first look ended. */
function notReviewed(run: RunState, chunk: ReviewChunk, head: LookResult, spent: Spent): ChunkOutcome {
  if (head.kind === 'refused') return { ...empty(chunk, 'not-run', `not reviewed: ${head.refusal.refused}`), ...spent };
  const why = head.kind === 'failed' ? head.why : 'not reviewed';
  const status = head.kind === 'failed' ? head.status : 'failed';
  if (status === 'failed') run.options.log?.(`${label(chunk)} failed: ${why}`);
  return { ...empty(chunk, status, why), ...spent, ...(head.kind === 'failed' && head.fatal ? { fatal: true } : {}) };
}

/** The part's looks merged into one list of findings, and given the second look. */
async function reviewed(
  run: RunState,
  chunk: ReviewChunk,
  part: {
    done: Extract<LookResult, { kind: 'ok' }>[];
    looks: LookOutcome[];
    spent: Spent;
    startedAt: number;
  },
): Promise<ChunkOutcome[]> {
  const { done, looks } = part;
  const writer = done[0]?.review;
  const { comments, merged } = mergeFindings(done.map((d) => d.review.comments));
  const toolCalls = done.reduce((n, d) => n + d.toolCalls, 0);
  const found = looks.map((l) => (l.status === 'ok' ? `${l.name} ${l.findings}` : `${l.name} ${l.status}`));
  run.options.log?.(
    `${label(chunk)}: ${plural(chunk.files.length, 'file')}${chunk.context?.items.length ? ` + ${chunk.context.items.length} context` : ''}, ${usageLine(part.spent.usage)}${run.explore ? `, ${toolCalls} tool calls` : ''}, ${((Date.now() - part.startedAt) / 1000).toFixed(1)} s${run.options.prices ? `, ${formatUsd(part.spent.usd ?? 0)}` : ''}: ${comments.length} findings${looks.length > 1 ? ` (${found.join(', ')}; ${merged} merged)` : ''}`,
  );
  const mended = done.flatMap((d) => d.review.mended);
  if (mended.length > 0) {
    const shown = mended.slice(0, 3).join('; ') + (mended.length > 3 ? `; ${mended.length - 3} more` : '');
    run.options.log?.(
      `${label(chunk)}: ${plural(mended.length, 'field')} of an unexpected shape mended, findings kept (${shown})`,
    );
  }
  const checked = await verified(run, chunk, comments);
  const spent = checked ? addSpent(part.spent, checked.verification) : part.spent;
  return [
    {
      chunk,
      status: 'ok',
      summary: writer?.summary ?? '',
      walkthrough: writer?.walkthrough ?? [],
      comments: checked?.comments ?? comments,
      ...(looks.length > 1 ? { looks, merged } : {}),
      ...(checked ? { verification: checked.verification } : {}),
      // The same malformed comment from several looks is one.
      rejected: [...new Set(done.flatMap((d) => d.review.rejected))],
      ...spent,
      toolCalls,
    },
  ];
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
async function splitOrFail(
  run: RunState,
  chunk: ReviewChunk,
  depth: number,
  why: string,
  spent: Spent,
): Promise<ChunkOutcome[]> {
  const halves = depth < run.maxDepth + (why.includes('max-cost-usd') ? 2 : 0) ? splitChunk(chunk) : undefined;
  if (!halves) {
    const advice = "lower 'chunk-tokens' or raise 'max-output-tokens'";
    return [
      { ...empty(chunk, 'failed', `${why}, even after splitting the chunk ${depth} times (${advice})`), ...spent },
    ];
  }
  run.options.log?.(`${label(chunk)}: ${why}; splitting it in two`);
  // The halves run one after the other, so a split never takes more calls at once than the part did.
  const parts: ChunkOutcome[] = [];
  for (const half of halves) parts.push(...(await reviewPart(run, half, depth + 1)));
  const [first, ...rest] = parts;
  if (!first) return [];
  return [{ ...first, ...addSpent(first, spent) }, ...rest];
}

function noSpend(): Spent {
  return { usage: ZERO_USAGE, usd: 0, calls: 0 };
}

/** Tokens of one call, as a log shows them. */
function usageLine(u: Usage): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  return `${n(u.input)} in + ${n(u.cacheRead)} cached + ${n(u.cacheWrite)} cache-written, ${n(u.output)} out`;
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

/** The files of some parts (a file split over several counted once). */
export function filesOf(outcomes: readonly ChunkOutcome[]): Set<string> {
  return new Set(outcomes.flatMap((o) => o.chunk.files.map((cf) => cf.file.path)));
}
