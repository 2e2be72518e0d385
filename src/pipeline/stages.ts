import { errorText } from '../core/errors.js';
import { toFileDiff, type FileDiff } from '../diff/diff.js';
import { pushedPart } from '../source/incremental.js';
import { filterFiles, type SkippedFile } from '../filter/filter.js';
import { planChunks } from '../plan/plan.js';
import { estimateTokens } from '../core/tokens.js';
import { buildContext, contextSource } from '../context/context.js';
import type { ReviewChunk } from '../context/items.js';
import type { HeadFiles } from '../context/files.js';
import { buildPrefix, overviewRequest, sharedTools, type RepoRules } from '../prompt/prompt.js';
import { type SystemBlock } from '../llm/request.js';
import { runChunks, type ChunkOutcome } from '../run/run.js';
import { writeOverview, type Overview } from '../run/overview.js';
import { SEVERITIES } from '../core/severity.js';
import { dedupe, type Finding } from '../findings/findings.js';
import { placeComments } from '../findings/place.js';
import { sift, type SetAside } from '../findings/sift.js';
import type { Learning } from '../findings/learnings.js';
import { addUsage, totalTokens, ZERO_USAGE, type Usage } from '../core/usage.js';
import { passesFor } from '../prompt/passes.js';
import type { LlmClient } from '../llm/client.js';
import type { Settings } from '../settings/settings.js';
import { MAX_PR_FILES, type PullRequest } from '../core/pull-request.js';

export { estimateCost, TYPICAL_OUTPUT_TOKENS, type CostEstimate, type EstimateSettings } from './estimate.js';

/** Room left for the request's own framing and the estimate's error. */
const SAFETY_MARGIN_TOKENS = 2_000;

export interface ReviewPlan {
  pr: PullRequest;
  files: FileDiff[];
  reviewable: FileDiff[];
  skipped: SkippedFile[];
  prefix: SystemBlock[];
  /** Estimated tokens (the model's tokenizer) of the shared prefix: tool schema and system blocks. */
  prefixTokens: number;
  /** Estimated token budget (the model's tokenizer) of one chunk's diff. */
  chunkBudget: number;
  /** Tokens a request has for its diff and context: the context window less the prefix, output and margin. */
  room: number;
  /**
   * The model's tokens per token of our estimate (1.3 for Claude 5.x). Chunk and context token counts are in
   * estimate units; `prefixTokens`, `chunkBudget` and `room` in the model's.
   */
  tokenRatio: number;
  chunks: ReviewChunk[];
  /** The head commit's files, when context was added (`code` and `explore`). */
  headFiles?: HeadFiles | undefined;
  /** The base commit's files, for explore mode's reads of removed code. */
  baseFiles?: HeadFiles | undefined;
  /** The team's learnings the prompt shows (see findings/learnings.ts). */
  learnings: readonly Learning[];
}

export interface ReviewResult {
  plan: ReviewPlan;
  outcomes: ChunkOutcome[];
  /** Validated findings, placed and deduplicated within this run, that go on to be posted or listed. */
  findings: Finding[];
  /** Findings kept out of the comments: doubted by the second look or under min-confidence, or pre-existing. */
  setAside: SetAside[];
  duplicates: number;
  usage: Usage;
  calls: number;
  /** Undefined when the prices are unknown, or when a gateway answered without reporting usage. */
  usd: number | undefined;
  /** A call succeeded with no usage reported, so the token counts are short of the real bill. */
  usageMissing: boolean;
  /** Some of `usd` is the reservation of calls billed but stopped before they reported usage (Ctrl-C, the deadline). */
  costEstimated: boolean;
  /** One overview of a pull request reviewed in several parts (undefined: one part, or none was written). */
  overview?: string | undefined;
}

export function makePlan(pr: PullRequest, settings: Settings, rules: string | RepoRules): ReviewPlan {
  // Each patch is parsed here, once.
  const all = pr.files.map(toFileDiff);
  const files = pr.pushed ? pushedPart(all, pr.pushed) : all;
  const globs = { include: settings.include, exclude: settings.exclude };
  const { reviewable, skipped } = filterFiles(files, globs);
  const unlisted = pr.pushed ? 0 : (pr.changedFiles ?? 0) - pr.files.length;
  if (unlisted > 0) {
    skipped.push({
      path: `(${unlisted} more files)`,
      reason: `GitHub lists at most ${MAX_PR_FILES} files of a pull request; split the PR to review them`,
    });
  }
  // A review of part of the pull request (a push) still lists all of its files in the shared prefix.
  const listed = pr.pushed ? filterFiles(all, globs).reviewable : reviewable;
  const asked = typeof rules === 'string' ? { instructions: rules } : rules;
  const prefix = buildPrefix(pr, { ...asked, walkthrough: settings.walkthrough }, listed);
  const ratio = settings.tokenRatio;
  const prefixTokens = Math.ceil(
    ratio *
      (estimateTokens(JSON.stringify(sharedTools())) + prefix.reduce((n, block) => n + estimateTokens(block.text), 0)),
  );
  const window = settings.contextWindow;
  const room = window - prefixTokens - settings.maxOutputTokens - SAFETY_MARGIN_TOKENS;
  if (room < 1000) {
    throw new Error(
      `the prompt prefix (${prefixTokens} tokens) and max-output-tokens (${settings.maxOutputTokens}) leave no room for the diff in a ${window}-token context window: shorten 'instructions' or lower 'max-output-tokens'`,
    );
  }
  const chunkBudget = Math.min(settings.chunkTokens, room);
  return {
    pr,
    files,
    reviewable,
    skipped,
    prefix,
    prefixTokens,
    chunkBudget,
    room,
    tokenRatio: ratio,
    learnings: asked.learnings ?? [],
    chunks: planChunks(reviewable, Math.floor(chunkBudget / ratio)),
  };
}

/**
 * The context stage: each chunk gets the code its hunks sit in and the definitions their added lines use,
 * read from the head commit, fitted into what the chunk has room for.
 */
export async function addContext(
  plan: ReviewPlan,
  files: HeadFiles,
  warn: (message: string) => void,
): Promise<ReviewPlan> {
  let contexts;
  try {
    contexts = await buildContext(plan.chunks, contextSource(files, warn), Math.floor(plan.room / plan.tokenRatio));
  } catch (error) {
    // The review goes on without context: the diff alone is what `context: diff` reviews.
    warn(`No code context (from ${files.origin}): ${errorText(error)}; the diff alone is reviewed.`);
    return plan;
  }
  return {
    ...plan,
    chunks: plan.chunks.map((chunk, i) => {
      const context = contexts[i];
      return context ? { ...chunk, context } : chunk;
    }),
    headFiles: files,
  };
}

export interface ExecuteOptions {
  /** When the review calls must end (epoch ms): the run's own deadline; default max-minutes from now. */
  until?: number;
  log?: (message: string) => void;
  /** Told after each call settles, with the usage it reported. */
  onCall?: (usage: Usage | undefined) => void;
  /** Stops the review calls early (Ctrl-C): what finished is kept, the rest is not reviewed, with the reason. */
  signal?: AbortSignal | undefined;
}

/** A cap needs prices: a run that calls a model (a review or an answer) under a cap it cannot price is refused. */
export function assertCapEnforceable(settings: Settings): void {
  if (settings.maxCostUsd !== undefined && !settings.capPrices) {
    throw new Error(
      `input 'max-cost-usd' (${settings.maxCostUsd}) cannot be enforced: no price is known for ${settings.model} on ${settings.provider.name}; set 'pricing' (e.g. {"input": 3, "output": 15}) or 'max-cost-usd: none' to run without a cap`,
    );
  }
}

export async function executePlan(
  plan: ReviewPlan,
  settings: Settings,
  llm: LlmClient,
  options: ExecuteOptions = {},
): Promise<ReviewResult> {
  // The deadline of the review calls: the run's, else `max-minutes` from here.
  const deadline = new AbortController();
  const why = `the run reached max-minutes (${settings.maxMinutes})`;
  const until = options.until ?? Date.now() + settings.maxMinutes * 60_000;
  const timer = setTimeout(
    () => {
      deadline.abort(new Error(why));
    },
    Math.max(0, until - Date.now()),
  );
  // An interrupt (Ctrl-C in the CLI) stops the calls the same way, with its own reason.
  const interrupt = (): void => {
    deadline.abort(options.signal?.reason instanceof Error ? options.signal.reason : new Error('interrupted'));
  };
  if (options.signal?.aborted) interrupt();
  options.signal?.addEventListener('abort', interrupt, { once: true });
  try {
    return await reviewChunks(plan, settings, llm, options, { signal: deadline.signal, deadline: why });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', interrupt);
  }
}

async function reviewChunks(
  plan: ReviewPlan,
  settings: Settings,
  llm: LlmClient,
  options: ExecuteOptions,
  stop: { signal: AbortSignal; deadline: string },
): Promise<ReviewResult> {
  assertCapEnforceable(settings);
  const outcomes = await runChunks(plan.chunks, plan.prefix, llm, {
    call: { model: settings.modelId, maxTokens: settings.maxOutputTokens, ...settings.shape },
    concurrency: settings.concurrency,
    tokenRatio: settings.tokenRatio,
    countsPrefix: settings.apiFormat === 'anthropic',
    prices: settings.capPrices,
    maxCostUsd: settings.maxCostUsd,
    ...stop,
    ...(options.log ? { log: options.log } : {}),
    ...(options.onCall ? { onCall: options.onCall } : {}),
    ...(settings.context === 'explore' && plan.headFiles
      ? { explore: { files: plan.headFiles, maxToolCalls: settings.maxToolCalls, base: plan.baseFiles } }
      : {}),
    verify: settings.verify
      ? { minSeverity: settings.minSeverity, maxFindings: settings.maxComments, learnings: plan.learnings }
      : undefined,
    passes: passesFor(settings.reviewDepth),
  });
  const placed = placeComments(
    outcomes.flatMap((o) => o.comments),
    plan.reviewable,
  );
  const { fresh: all, duplicates: repeated } = dedupe(placed);
  // Repeats within the run, reports of one problem by two looks, and those the second look named the same.
  const duplicates = repeated + outcomes.reduce((n, o) => n + (o.merged ?? 0) + (o.verification?.duplicates ?? 0), 0);
  const { kept: fresh, setAside } = sift(all, { ...settings, learnings: plan.learnings });
  const overview = await overviewOf(plan, settings, llm, { outcomes, findings: fresh, signal: stop.signal });
  if (overview?.missing) options.log?.(`overview: not written (${overview.missing}); the parts' summaries are shown`);
  if (overview && overview.calls > 0) options.onCall?.(overview.usage);
  const usage = addUsage(
    outcomes.reduce((sum, o) => addUsage(sum, o.usage), ZERO_USAGE),
    overview?.usage ?? ZERO_USAGE,
  );
  const prices = settings.prices;
  // No answer costs zero tokens: a zero usage means the gateway did not report it, and $0 would mislead.
  const usageMissing =
    outcomes.some((o) => o.status === 'ok' && totalTokens(o.usage) === 0) ||
    (overview !== undefined && overview.calls > 0 && totalTokens(overview.usage) === 0);
  return {
    plan,
    outcomes,
    findings: fresh,
    setAside,
    duplicates,
    usage,
    calls: outcomes.reduce((n, o) => n + o.calls, 0) + (overview?.calls ?? 0),
    usd: prices && !usageMissing ? outcomes.reduce((t, o) => t + (o.usd ?? 0), overview?.usd ?? 0) : undefined,
    usageMissing,
    costEstimated: outcomes.some((o) => o.estimated === true),
    overview: overview?.text,
  };
}

/**
 * One overview of a pull request reviewed in more than one part: a short call that reads the cached prefix,
 * under what is left of the cap. Undefined when there is one part or none (its own summary is the overview).
 */
async function overviewOf(
  plan: ReviewPlan,
  settings: Settings,
  llm: LlmClient,
  run: { outcomes: readonly ChunkOutcome[]; findings: readonly Finding[]; signal: AbortSignal },
): Promise<Overview | undefined> {
  const summaries = run.outcomes.filter((o) => o.status === 'ok' && o.summary.trim()).map((o) => o.summary.trim());
  // After an error no call can overcome (bad key, no credit), or past the deadline, no call is made.
  if (summaries.length < 2 || run.outcomes.some((o) => o.fatal) || run.signal.aborted) return undefined;
  const counts = SEVERITIES.map((s) => [s, run.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const found = counts.length > 0 ? `${run.findings.length} findings: ${counts.join(', ')}` : 'no findings';
  const explore = settings.context === 'explore' && plan.headFiles !== undefined && settings.maxToolCalls > 0;
  const spent = run.outcomes.reduce((t, o) => t + (o.usd ?? 0), 0);
  return writeOverview(overviewRequest(plan.prefix, summaries, found, explore), llm, {
    call: { model: settings.modelId, maxTokens: settings.maxOutputTokens, ...settings.shape },
    prices: settings.capPrices,
    left: settings.maxCostUsd === undefined ? undefined : settings.maxCostUsd - spent,
    tokenRatio: settings.tokenRatio,
    signal: run.signal,
  });
}
