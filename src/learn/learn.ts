import { plural } from '../core/words.js';
import { explainGitHubError, type Octokit } from '../github/client.js';
import type { LlmClient } from '../llm/client.js';
import type { Settings } from '../settings/settings.js';
import { addUsage, costUsd, formatUsd, ZERO_USAGE, type Usage } from '../core/usage.js';
import { parseLearnings } from '../findings/learnings.js';
import { worstCaseUsd } from '../run/budget.js';
import { looksSecret } from '../source/state.js';
import { safeInline } from '../safety/markdown.js';
import { MAX_INSTRUCTIONS_BYTES } from '../prompt/instructions.js';
import { settleModel } from '../settings/discover.js';
import type { LlmRequest } from '../llm/request.js';
import { acceptRules, learnRequest, MIN_EVIDENCE_PULLS, shownOutcomes, type NewRule } from './distil.js';
import { withNewRules } from './file.js';
import { declinedRules, defaultBranchFile, propose, rulesMarker, type Proposal, type Repository } from './propose.js';
import { MAX_PULLS, outcomesOf, writeAccess, type Outcome, type PullFacts } from './signals.js';

/** Output of the learn call: a few rules, with room for a thinking model's floor. */
const LEARN_MAX_TOKENS = 4096;
const DAY_MS = 86_400_000;

export interface LearnContext {
  octokit: Octokit;
  repo: Repository;
  settings: Settings;
  /** Undefined without an API key (or in a dry run): the signals are read and the call is only estimated. */
  llm: LlmClient | undefined;
  /** The login our comments are written by. */
  us: string;
  log: (message: string) => void;
  /** Now, in milliseconds: the window ends here and `Learned:` is its date. */
  now: number;
}

/** What a learn run read, decided and proposed, and what its one call cost. */
export interface LearnReport {
  pulls: number;
  outcomes: Outcome[];
  rules: NewRule[];
  /** Rules the model recorded that did not hold, with why. */
  dropped: string[];
  proposal?: Proposal | undefined;
  /** Why no call was made or no rule proposed, when none was. */
  nothing?: string | undefined;
  usage: Usage;
  usd: number | undefined;
  calls: number;
  /** The call's worst case under the cap, for a run that did not call (dry run, no key). */
  estimateUsd?: number | undefined;
}

/** The pull requests closed in the window, newest first (at most MAX_PULLS). */
async function closedPulls(octokit: Octokit, repo: Repository, since: string): Promise<PullFacts[]> {
  const found: PullFacts[] = [];
  const pages = octokit.paginate.iterator(octokit.rest.pulls.list, {
    ...repo,
    state: 'closed',
    sort: 'updated',
    direction: 'desc',
    per_page: 100,
  });
  for await (const page of pages) {
    for (const p of page.data) {
      if (p.updated_at < since) return found;
      if (p.closed_at && p.closed_at >= since) found.push({ ...repo, number: p.number, merged: p.merged_at !== null });
      if (found.length >= MAX_PULLS) return found;
    }
  }
  return found;
}

/** The secret our markers are sealed with: without it no comment can be told to be ours. */
function sealingSecret(settings: Settings): string {
  const secret = settings.stateSecret || (looksSecret(settings.apiKey) ? settings.apiKey : '');
  if (!secret) {
    throw new Error(
      "learn: no secret tells our comments from look-alikes ('state-secret' is empty and 'api-key' looks like a placeholder); expected the same state-secret the reviews use",
    );
  }
  return secret;
}

/** Reads what maintainers did about our findings on the pull requests closed in `learn-window` days. */
async function gather(ctx: LearnContext): Promise<{ pulls: number; outcomes: Outcome[] }> {
  const since = new Date(ctx.now - ctx.settings.learnWindowDays * DAY_MS).toISOString();
  const pulls = await closedPulls(ctx.octokit, ctx.repo, since);
  const can = { write: writeAccess(ctx.octokit, ctx.repo), us: ctx.us, secret: sealingSecret(ctx.settings) };
  const outcomes: Outcome[] = [];
  for (const pull of pulls) outcomes.push(...(await outcomesOf(ctx.octokit, pull, can)));
  const dismissed = outcomes.filter((o) => o.verdict === 'dismissed').length;
  ctx.log(
    `learn: ${pulls.length} pull requests closed since ${since.slice(0, 10)}; ${outcomes.length} of our findings with a maintainer's signal, ${dismissed} dismissed`,
  );
  return { pulls: pulls.length, outcomes };
}

/**
 * The learn mode: what maintainers did about our findings in the window, one model call that turns repeated
 * dismissals into rules (only when dismissals on MIN_EVIDENCE_PULLS pull requests could make one), and a pull
 * request that adds the rules that hold to the learnings file.
 */
export async function learnFromReviews(ctx: LearnContext): Promise<LearnReport> {
  const { settings } = ctx;
  const { pulls, outcomes } = await gather(ctx);
  const none = { pulls, outcomes, rules: [], dropped: [], usage: ZERO_USAGE, usd: 0, calls: 0 };
  const dismissedPulls = new Set(outcomes.filter((o) => o.verdict === 'dismissed').map((o) => o.pr)).size;
  if (dismissedPulls < MIN_EVIDENCE_PULLS) {
    return {
      ...none,
      nothing: `dismissals on ${dismissedPulls} pull requests, fewer than the ${MIN_EVIDENCE_PULLS} a rule needs: no model call`,
    };
  }
  const { base, existing } = await currentFile(ctx);
  const declined = await declinedRules(ctx.octokit, ctx.repo, ctx.us);
  const shown = shownOutcomes(outcomes);
  // The model as a review settles it: the gateway's newest Sonnet when none is set, a new model's limits.
  const model = ctx.llm ? await settleModel(settings, ctx.llm, { log: ctx.log, warn: ctx.log }) : settings;
  const answer = await callOnce({ ...ctx, settings: model }, learnRequest(shown, existing, declined));
  if (!('spent' in answer)) {
    const nothing = `no call made (dry run or no api-key); it would cost at most ${formatUsd(answer.worst)}`;
    return { ...none, estimateUsd: answer.worst, nothing };
  }
  const { spent } = answer;
  const today = new Date(ctx.now).toISOString().slice(0, 10);
  const { rules, dropped } = acceptRules(answer.toolInput, shown, { existing, declined }, today);
  for (const why of dropped) ctx.log(`learn: a rule was not kept: ${why}`);
  if (rules.length === 0) return { ...none, ...spent, dropped, nothing: 'no new rule holds' };
  const proposal = await propose(ctx.octokit, ctx.repo, {
    base,
    path: settings.learningsFile,
    text: withNewRules(base.text, rules),
    title: `Claude review: ${plural(rules.length, 'new learning')}`,
    body: `${proposalBody(rules, { pulls, days: settings.learnWindowDays, usd: spent.usd })}\n\n${rulesMarker(rules.map((r) => r.rule))}`,
  }).catch((error: unknown) => {
    throw explainGitHubError(
      error,
      `propose ${settings.learningsFile} (the token needs contents: write and pull-requests: write)`,
    );
  });
  return { pulls, outcomes, rules, dropped, proposal, ...spent };
}

/**
 * The learnings file on the default branch and its rules. One past what reviews read (64 KiB) stops the run:
 * rules added to it would reach no review.
 */
async function currentFile(ctx: LearnContext) {
  const file = ctx.settings.learningsFile;
  const base = await defaultBranchFile(ctx.octokit, ctx.repo, file).catch((error: unknown) => {
    throw explainGitHubError(error, `read ${file} on the default branch`);
  });
  const bytes = Buffer.byteLength(base.text ?? '', 'utf8');
  if (bytes > MAX_INSTRUCTIONS_BYTES) {
    throw new Error(
      `learn: ${file} on ${base.branch} is ${bytes} bytes, more than the ${MAX_INSTRUCTIONS_BYTES / 1024} KiB a review reads; expected it trimmed (delete old rules, or their evidence lines) before rules are added`,
    );
  }
  return { base, existing: parseLearnings(base.text ?? '').learnings };
}

/**
 * The one call of a learn run, reserved at its worst case under max-cost-usd and stopped at max-minutes from
 * the run's start; without a client (a dry run, no key), only the worst case.
 */
async function callOnce(
  ctx: LearnContext,
  request: LlmRequest,
): Promise<
  { toolInput: unknown; spent: Pick<LearnReport, 'usage' | 'usd' | 'calls'> } | { worst: number | undefined }
> {
  const { settings } = ctx;
  const maxTokens = Math.min(settings.maxOutputTokens, LEARN_MAX_TOKENS);
  const worst = settings.capPrices
    ? worstCaseUsd(request, settings.capPrices, maxTokens, settings.tokenRatio)
    : undefined;
  if (!ctx.llm) return { worst };
  if (worst !== undefined && settings.maxCostUsd !== undefined && worst > settings.maxCostUsd) {
    throw new Error(
      `learn: the call could cost up to ${formatUsd(worst)}, more than max-cost-usd (${formatUsd(settings.maxCostUsd)}); expected a higher max-cost-usd or a shorter learn-window`,
    );
  }
  const left = ctx.now + settings.maxMinutes * 60_000 - Date.now();
  const signal = AbortSignal.timeout(Math.max(1_000, left));
  const result = await ctx.llm.call(request, { model: settings.modelId, maxTokens, ...settings.shape, signal });
  const usage = addUsage(ZERO_USAGE, result.usage);
  return {
    toolInput: result.toolInput,
    spent: { usage, usd: settings.prices ? costUsd(usage, settings.prices) : undefined, calls: 1 },
  };
}

/** The proposal's description: each rule and how many dismissals it rests on; no mention of anyone. */
function proposalBody(
  rules: readonly NewRule[],
  run: { pulls: number; days: number; usd: number | undefined },
): string {
  const lines = rules.map((r) => {
    const pulls = new Set(r.evidence.map((o) => o.pr)).size;
    return `- ${safeInline(r.rule)} (up to ${r.upTo}): ${r.evidence.length} dismissed findings on ${pulls} pull requests`;
  });
  return [
    `The learn mode read the ${run.pulls} pull requests closed in the last ${run.days} days and what maintainers did about the reviewer's comments (reactions, replies and resolved threads of people with write access). It proposes these rules; every later review reads them from the default branch once this is merged.`,
    '',
    ...lines,
    '',
    `Edit or delete any rule before merging; the file lists the evidence of each. One model call: ${formatUsd(run.usd)}.`,
  ].join('\n');
}
