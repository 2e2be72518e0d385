import type { PullRequest } from '../core/pull-request.js';
import type { Usage } from '../core/usage.js';
import type { HeadFiles } from '../context/files.js';
import type { LlmClient } from '../llm/client.js';
import type { RepoRules } from '../prompt/prompt.js';
import { deprecationNotice, type Settings } from '../settings/settings.js';
import { settleModel } from '../settings/discover.js';
import {
  addContext,
  estimateCost,
  executePlan,
  makePlan,
  type CostEstimate,
  type ReviewPlan,
  type ReviewResult,
} from './stages.js';

/**
 * The one review pipeline, for the action and the command line alike:
 *
 *   source (the pull request, its rules, the head's files) → plan (filter, chunks under the window, the
 *   cached prefix) → context (code around each hunk) → run (the model calls, under the cap and the deadline)
 *   → findings (placed, deduplicated) → publisher (a GitHub review and summary, or a report on the terminal).
 *
 * What differs between the two lives behind `Source` and `Publisher`.
 */

/** Where the pull request comes from: GitHub's API, or a local git range. */
export interface Source {
  /** What this run reviews: the whole pull request, or the commits pushed since our last review. */
  pullRequest: PullRequest;
  /** The repository's review rules: instructions, path instructions, language. */
  rules: RepoRules;
  /** The head commit's files, for code context; asked for only when `context` is `code` or `explore`. */
  headFiles: () => Promise<HeadFiles>;
  /** The base commit's files (explore mode reads removed code there); none when the source cannot give them. */
  baseFiles?: () => Promise<HeadFiles>;
}

/** Where the review goes: GitHub (a review, the summary comment, outputs) or the terminal and a file. */
export interface Publisher {
  info: (message: string) => void;
  /** A warning, on a file and line when given. */
  warn: (message: string, where?: { file: string; line: number }) => void;
  /** A notice: something the user should know that is not wrong. */
  notice: (message: string) => void;
  /** Runs one stage of the pipeline under its name (a log group in the action). */
  stage: <T>(name: string, work: () => Promise<T>) => Promise<T>;
  /** The plan and its estimated cost, before any call. */
  plan: (plan: ReviewPlan, estimate: CostEstimate, settings: Settings) => void;
  /** No model is called (no API key, or a dry run without one): the plan is all there is. */
  planOnly: (plan: ReviewPlan, settings: Settings) => Promise<void>;
  /** After each model call, with the usage it reported. */
  called?: (usage: Usage | undefined) => void;
  /** What the review found. */
  publish: (result: ReviewResult, settings: Settings) => Promise<void>;
}

/** When the run began (max-minutes counts from here, over every stage), and what may stop it early. */
export interface Clock {
  startedAt: number;
  /** An interrupt (Ctrl-C in the CLI): the calls stop, and what finished is published. */
  signal?: AbortSignal | undefined;
}

/**
 * Reviews one pull request: plans it, gathers its context, calls the model part by part and publishes what
 * was found. Without an LLM client it stops after the plan. Returns the result, or undefined for a plan only.
 */
export async function reviewPullRequest(
  source: Source,
  publisher: Publisher,
  llm: LlmClient | undefined,
  given: Settings,
  clock: Clock = { startedAt: Date.now() },
): Promise<ReviewResult | undefined> {
  const settings = llm ? await settleModel(given, llm, { log: publisher.info, warn: publisher.warn }) : given;
  const until = deadlines(clock.startedAt, settings.maxMinutes);
  const plan = await publisher.stage('Plan the review', async () => {
    const made = await withContext(makePlan(source.pullRequest, settings, source.rules), source, settings, {
      ms: until.context(),
      warn: publisher.warn,
    });
    publisher.plan(made, estimateCost(made, settings), settings);
    return made;
  });
  if (!llm) {
    await publisher.planOnly(plan, settings);
    return undefined;
  }
  tellAboutTheModel(settings, publisher);
  const result = await publisher.stage(`Review ${plan.chunks.length} part(s) with ${settings.model}`, () =>
    executePlan(plan, settings, llm, {
      log: publisher.info,
      until: until.review,
      signal: clock.signal,
      ...(publisher.called ? { onCall: publisher.called } : {}),
    }),
  );
  if (result.usageMissing) {
    publisher.warn(
      `The gateway at ${settings.baseUrl} answered without reporting usable token usage (none, or counts that cannot be right), so the cost is reported as unknown and each such call counts at its reserved worst case under max-cost-usd; check its usage reporting (stream_options.include_usage for Chat Completions).`,
    );
  }
  const unverified = result.outcomes.filter((o) => o.verification?.skipped);
  if (unverified.length > 0) {
    const why = [...new Set(unverified.map((o) => o.verification?.skipped))].join('; ');
    publisher.notice(
      `The second look (verify) was skipped for ${unverified.length} of ${result.outcomes.length} parts, whose findings are posted as the review wrote them: ${why}`,
    );
  }
  await publisher.publish(result, settings);
  return result;
}

/**
 * The plan with each part's code context, when the settings ask for it: gathered within `ms` (a third of
 * what max-minutes leaves before the review calls), else the diff alone is reviewed.
 */
async function withContext(
  bare: ReviewPlan,
  source: Source,
  settings: Settings,
  limit: { ms: number; warn: (message: string) => void },
): Promise<ReviewPlan> {
  if (settings.context === 'diff' || bare.chunks.length === 0) return bare;
  const gather = async (): Promise<ReviewPlan> => {
    const plan = await addContext(bare, await source.headFiles(), limit.warn);
    const base = settings.context === 'explore' && source.baseFiles ? await source.baseFiles() : undefined;
    return base ? { ...plan, baseFiles: base } : plan;
  };
  return within(gather(), limit.ms, () => {
    limit.warn(
      `context: not gathered in ${(limit.ms / 1000).toFixed(1)} s (a third of what max-minutes leaves); reviewing the diff alone`,
    );
    return bare;
  });
}

/** A deprecated model, and a cap enforced at list price for lack of the gateway's own. */
function tellAboutTheModel(settings: Settings, publisher: Publisher): void {
  const deprecation = deprecationNotice(settings);
  if (deprecation) publisher.warn(deprecation);
  if (settings.maxCostUsd !== undefined && !settings.prices && settings.capPrices) {
    const p = settings.capPrices;
    const at = settings.modelInfo
      ? "Anthropic's list price"
      : "the most expensive price of its family in this version's model table";
    publisher.notice(
      `No price is known for ${settings.model} on ${settings.provider.name}: max-cost-usd (${settings.maxCostUsd}) is enforced at ${at} ($${p.input} / $${p.output} per million input / output tokens), and the cost is reported as unknown. Set 'pricing' for the gateway's own prices.`,
    );
  }
}

/**
 * The run's deadlines from max-minutes, counted from its start: the review calls end in time to post (a
 * fifth of the run, at most a minute, is kept for posting), and gathering context takes at most a third of
 * what is left before that.
 */
export function deadlines(startedAt: number, maxMinutes: number): { review: number; context: () => number } {
  const total = maxMinutes * 60_000;
  const review = startedAt + total - Math.min(60_000, total * 0.2);
  return { review, context: () => Math.max(0, (review - Date.now()) / 3) };
}

/** `work`, or `fallback` when it takes longer than `ms` (the work is left to finish unseen). */
async function within<T>(work: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      resolve(fallback());
    }, ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
