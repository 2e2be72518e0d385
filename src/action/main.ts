import * as core from '@actions/core';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { toSarif } from '../publish/sarif.js';
import { VERSION } from '../core/version.js';
import {
  deprecationNotice,
  INPUT_DEFAULTS,
  parseSettings,
  settleDefaultModel,
  type Settings,
} from '../settings/settings.js';
import { authorGate, isForkPullRequestEvent, resolvePrNumber, type EventPayload } from '../source/event.js';
import { createOctokit, explainGitHubError, type Octokit } from '../github/client.js';
import { fetchPullRequest } from '../source/github.js';
import { whoAmI } from '../github/identity.js';
import { readAsk, type Ask, type CommentPayload } from '../source/conversation.js';
import { answerQuestion } from '../converse/converse.js';
import { readInstructionsFile, readRepoConfig } from '../source/repo.js';
import type { RepoRules } from '../prompt/prompt.js';
import type { PullRequest } from '../core/pull-request.js';
import {
  addContext,
  estimateCost,
  executePlan,
  makePlan,
  type ReviewPlan,
  type ReviewResult,
} from '../pipeline/review.js';
import { apiHeadFiles, checkoutOr } from '../context/files.js';
import { createLlmClient } from '../llm/factory.js';
import type { LlmClient } from '../llm/client.js';
import type { RetryPolicy } from '../llm/retry.js';
import { costTable, planReport } from '../publish/render.js';
import { logSafe } from '../safety/markdown.js';
import { redactor, type Redact } from '../safety/redact.js';
import { dryRun, previousState, publish, type Published } from '../publish/publish.js';
import { changedSince, restrictToChanges } from '../source/incremental.js';

/** What the run depends on from outside, so tests can pass their own. */
export interface RunDependencies {
  env?: NodeJS.ProcessEnv;
  /** Makes the LLM client; by default the adapter of the settings' wire format. */
  llm?: (settings: Settings) => LlmClient;
  /** Retry policy of LLM calls; tests pass one with short waits. */
  retry?: RetryPolicy;
  /** Milliseconds an LLM attempt may go without a byte (default 60 s); tests pass a short one. */
  idleMs?: number;
  /** Pace GitHub writes as GitHub asks (default true). */
  githubThrottle?: boolean;
}

/** Where the run writes: log lines (one line each: they carry paths, gateway and model text) with secrets redacted. */
interface Out {
  redact: Redact;
  info: (message: string) => void;
  /** A warning, as an annotation on a file and line when given. */
  warn: (message: string, where?: { file: string; line: number }) => void;
}

/**
 * The action's entry: one top-level catch that fails the step with a readable message. The secrets are
 * known (and masked) before anything else runs, so no text the action writes can carry them.
 */
export async function run(deps: RunDependencies = {}): Promise<void> {
  const env = deps.env ?? process.env;
  const raw = readInputs();
  const secrets = [raw['api-key'], raw['github-token'], env.GITHUB_TOKEN].flatMap((s) => (s?.trim() ? [s.trim()] : []));
  for (const secret of secrets) core.setSecret(secret);
  const redact = redactor(secrets);
  const out: Out = {
    redact,
    info: (message) => {
      core.info(logSafe(redact(message)));
    },
    warn: (message, where) => {
      core.warning(logSafe(redact(message)), where ? { file: where.file, startLine: where.line } : undefined);
    },
  };
  try {
    await review(deps, env, raw, out);
  } catch (error) {
    core.setFailed(redact(error instanceof Error ? error.message : String(error)));
  }
}

function readInputs(): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(INPUT_DEFAULTS)) raw[name] = core.getInput(name);
  return raw;
}

async function review(
  deps: RunDependencies,
  env: NodeJS.ProcessEnv,
  raw: Record<string, string>,
  out: Out,
): Promise<void> {
  const startedAt = Date.now();
  const settings = parseSettings(raw);
  const grace = watchdogGraceMs(settings.maxMinutes);
  const watchdog = setTimeout(
    () => {
      core.setFailed(
        `the run passed max-minutes (${settings.maxMinutes}) by ${(grace / 1000).toFixed(0)} s outside the review calls (a stalled GitHub request?); it was stopped`,
      );
      process.exit(1);
    },
    settings.maxMinutes * 60_000 + grace,
  );
  watchdog.unref();
  try {
    await reviewWith(deps, env, raw, out, settings, startedAt);
  } finally {
    clearTimeout(watchdog);
  }
}

/**
 * The last resort of max-minutes: past it by this much (a fifth of the run, between 5 s and a minute), whatever
 * the stage, the run ends with an error. The stages end themselves before it: this is for a stalled request.
 */
function watchdogGraceMs(maxMinutes: number): number {
  return Math.min(60_000, Math.max(5_000, maxMinutes * 60_000 * 0.2));
}

async function reviewWith(
  deps: RunDependencies,
  env: NodeJS.ProcessEnv,
  raw: Record<string, string>,
  out: Out,
  settings: Settings,
  startedAt: number,
): Promise<void> {
  const { info } = out;
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const payload = await readEvent(env.GITHUB_EVENT_PATH);

  const conversation = COMMENT_EVENTS.includes(eventName);
  if (!settings.apiKey && isForkPullRequestEvent(eventName, payload)) {
    core.notice(
      "This pull request comes from a fork, and GitHub gives 'pull_request' runs from forks no secrets, so there is no API key and nothing was reviewed. " +
        "To review fork PRs, trigger on 'pull_request_target': it is safe with this action, which reads the diff through the API and never runs the PR's code.",
    );
    setOutputs(out.redact, undefined, {});
    return;
  }
  // On a comment event the gate is the commenter's association (readAsk), not the PR author's.
  const gated = conversation ? undefined : authorGate(payload, settings.allowedAssociations, settings.reviewLabel);
  if (gated) {
    core.notice(
      logSafe(
        `Not reviewed: the author ${gated.author} (${gated.association}) is not in allowed-associations (${settings.allowedAssociations.join(', ')})${settings.reviewLabel ? `; a maintainer can add the label '${settings.reviewLabel}' to have this pull request reviewed` : ''}. No model was called.`,
      ),
    );
    setOutputs(out.redact, undefined, {});
    return;
  }
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? payload.repository?.full_name ?? '').split('/');
  if (!owner || !repo) throw new Error('GITHUB_REPOSITORY is not set: run this action inside a GitHub workflow');
  const token = settings.githubToken || env.GITHUB_TOKEN || '';
  if (!token)
    throw new Error(
      "input 'github-token' is empty; expected a token with pull-requests: write (the default ${{ github.token }} works)",
    );

  const octokit = createOctokit({
    token,
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    throttle: deps.githubThrottle ?? true,
    log: info,
  });
  let ask: Ask | undefined;
  let us: string | undefined;
  if (conversation) {
    us = await whoAmI(octokit, info);
    ask = await readCommentEvent(octokit, { owner, repo }, eventName, payload, settings, us);
    if (ask.kind === 'ignore') {
      info(`Nothing to do: ${ask.why}. No model was called.`);
      setOutputs(out.redact, undefined, {});
      return;
    }
  }
  const number = ask && ask.kind !== 'ignore' ? ask.number : resolvePrNumber(eventName, payload, settings.prNumber);
  const pr = await core.group('Fetch the pull request', async () => {
    const fetched = await fetchPullRequest(octokit, { owner, repo, number }).catch((error: unknown) => {
      throw explainGitHubError(error, `read pull request #${number} of ${owner}/${repo}`);
    });
    info(`#${fetched.number} "${fetched.title}": ${fetched.files.length} files, head ${fetched.headSha}`);
    return fetched;
  });
  if (pr.draft && !conversation) {
    core.notice(`Pull request #${pr.number} is a draft; it will be reviewed when it is marked ready for review.`);
    setOutputs(out.redact, undefined, {});
    return;
  }
  const repoSetup = await core.group('Read the repository configuration', () =>
    withRepoConfig(octokit, pr, raw, settings, info),
  );
  if (ask?.kind === 'question') {
    const question = ask;
    const llm = deps.llm ? deps.llm(repoSetup.settings) : createLlmClient(repoSetup.settings, { log: info });
    await core.group('Answer the question', () =>
      answerQuestion({ octokit, pr, ...repoSetup, llm, redact: out.redact, log: info }, question),
    );
    setOutputs(out.redact, undefined, {});
    return;
  }
  // A dry run posts nothing and reads no earlier state: the whole pull request, as it is.
  const dry = repoSetup.settings.dryRun;
  const self = dry ? '' : (us ?? (await whoAmI(octokit, info)));
  if (!dry) info(`Posting as ${self}; only comments by ${self} count as ours`);
  // A review asked for in a comment is a review by hand: of the whole pull request, even at a reviewed head.
  const trigger = ask?.kind === 'review' ? 'workflow_dispatch' : eventName;
  const scope = dry
    ? { target: pr, text: `Dry run over the whole pull request at ${pr.headSha.slice(0, 7)}.` }
    : await core.group('Decide what to review', () =>
        reviewScope(octokit, pr, self, repoSetup.settings, trigger, info),
      );
  if (!scope) {
    core.notice(
      `Head ${pr.headSha.slice(0, 7)} was already reviewed; the summary comment has the findings. Run the workflow by hand (workflow_dispatch) to review it again.`,
    );
    setOutputs(out.redact, undefined, {});
    return;
  }
  await reviewPullRequest({ deps, env, out, octokit, pr, us: self, scope, startedAt, ...repoSetup });
}

/** Comment events: questions and review requests, answered in place (see source/conversation.ts). */
const COMMENT_EVENTS = ['issue_comment', 'pull_request_review_comment'];

/** What a comment event asks of us; for a reply in a thread, whether the thread is ours decides. */
async function readCommentEvent(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  eventName: string,
  payload: CommentPayload,
  settings: Settings,
  us: string,
): Promise<Ask> {
  const rootId = payload.comment?.in_reply_to_id;
  const threadRoot =
    eventName === 'pull_request_review_comment' && rootId !== undefined
      ? await octokit.rest.pulls
          .getReviewComment({ ...repo, comment_id: rootId })
          .then(({ data }) => ({ id: data.id, author: data.user.login }))
      : undefined;
  return readAsk(eventName, payload, {
    trigger: settings.trigger,
    replyInThreads: settings.replyInThreads,
    allowed: settings.allowedAssociations,
    us,
    threadRoot,
  });
}

/** What one run reviews: the whole pull request, or only the commits pushed since our last review. */
interface Scope {
  /** The pull request as reviewed: all of it, or the hunks the new commits touched. */
  target: PullRequest;
  /** One line for the summary. */
  text: string;
}

/**
 * The scope of this run, from the state in our summary: nothing (undefined) when this head was reviewed
 * already; the commits since the last reviewed head when it is still an ancestor (incremental: true, a
 * pull_request event); else the whole pull request (no state, a force-push or rebase, workflow_dispatch).
 */
async function reviewScope(
  octokit: Octokit,
  pr: PullRequest,
  us: string,
  settings: Settings,
  eventName: string,
  info: (message: string) => void,
): Promise<Scope | undefined> {
  const head = pr.headSha.slice(0, 7);
  const whole: Scope = { target: pr, text: `Reviewed the whole pull request at ${head}.` };
  if (eventName === 'workflow_dispatch') return whole;
  const { state, unsealed } = await previousState(octokit, pr, us, settings.apiKey);
  if (!state && unsealed) {
    info(
      'a summary by this login is here whose state this action did not seal (a changed API key, or another workflow): reviewing the whole pull request',
    );
    return {
      target: pr,
      text: `Reviewed the whole pull request at ${head}: an earlier summary's state could not be verified (the API key changed, or another workflow posted it), so it was not trusted.`,
    };
  }
  if (state?.heads.includes(pr.headSha) && !settings.dryRun) return undefined;
  const last = state?.heads.at(-1);
  if (!settings.incremental || !last) return whole;
  const changed = await changedSince(octokit, pr, last).catch((error: unknown) => {
    info(`compare ${last.slice(0, 7)}...${head} failed (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  });
  if (!changed) {
    return {
      target: pr,
      text: `Reviewed the whole pull request at ${head}: the last reviewed head ${last.slice(0, 7)} is no longer part of it (a force-push or rebase).`,
    };
  }
  const target = restrictToChanges(pr, changed);
  info(`Reviewing the commits since ${last.slice(0, 7)}: ${target.files.length} file(s) of the pull request changed`);
  return {
    target,
    text: `Reviewed the commits pushed since the last review, ${last.slice(0, 7)}..${head} (${target.files.length} file${target.files.length === 1 ? '' : 's'}).`,
  };
}

/**
 * The settings with the repository's config file (from the base commit) under the workflow's inputs, and the
 * repository's review rules: the `instructions` input, the config file's, and `instructions-file`.
 */
async function withRepoConfig(
  octokit: Octokit,
  pr: PullRequest,
  raw: Record<string, string>,
  given: Settings,
  info: (message: string) => void,
): Promise<{ settings: Settings; rules: RepoRules }> {
  const config = await readRepoConfig(octokit, pr, given.configFile);
  const fileText = await readInstructionsFile(octokit, pr, given.instructionsFile);
  if (!config) {
    return { settings: given, rules: { instructions: [given.instructions, fileText].filter(Boolean).join('\n\n') } };
  }
  info(
    `Read ${config.file} from the base commit ${pr.baseSha.slice(0, 7)}: ${Object.keys(config.inputs).join(', ') || 'instructions only'}`,
  );
  const fromConfig = Object.fromEntries(Object.keys(config.inputs).map((k) => [k, `key '${k}' in ${config.file}`]));
  const set = Object.fromEntries(Object.entries(raw).filter(([, value]) => value.trim() !== ''));
  const settings = parseSettings({ ...config.inputs, ...set }, fromConfig);
  return {
    settings,
    rules: {
      instructions: [given.instructions, config.instructions, fileText].filter(Boolean).join('\n\n'),
      pathInstructions: config.pathInstructions,
      language: config.language,
    },
  };
}

interface ReviewContext {
  deps: RunDependencies;
  env: NodeJS.ProcessEnv;
  out: Out;
  octokit: Octokit;
  pr: PullRequest;
  us: string;
  scope: Scope;
  settings: Settings;
  rules: RepoRules;
  /** When the run began: max-minutes counts from here, over every stage. */
  startedAt: number;
}

/**
 * The run's deadlines from max-minutes, counted from its start: the review calls end in time to post (a
 * fifth of the run, at most a minute, is kept for posting), and gathering context takes at most a third of
 * what is left before that.
 */
function deadlines(startedAt: number, maxMinutes: number): { review: number; context: () => number } {
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

/** Plan, review and publish one pull request. */
async function reviewPullRequest(ctx: ReviewContext): Promise<void> {
  const { deps, env, out, octokit, pr, us, scope, rules } = ctx;
  const { info, warn } = out;
  if (!ctx.settings.apiKey && !ctx.settings.dryRun) {
    throw new Error(
      "input 'api-key' is empty; expected the gateway's API key from a secret, e.g. api-key: ${{ secrets.ANTHROPIC_API_KEY }} (or set dry-run: true to print the plan only)",
    );
  }
  const llm = ctx.settings.apiKey
    ? deps.llm
      ? deps.llm(ctx.settings)
      : createLlmClient(ctx.settings, {
          ...(deps.retry ? { retry: deps.retry } : {}),
          ...(deps.idleMs ? { idleMs: deps.idleMs } : {}),
          log: info,
        })
    : undefined;
  const settings = llm ? await settleDefaultModel(ctx.settings, llm, info) : ctx.settings;
  const until = deadlines(ctx.startedAt, settings.maxMinutes);
  const plan = await core.group('Plan the review', async () => {
    let made = makePlan(scope.target, settings, rules);
    if (settings.context !== 'diff' && made.chunks.length > 0) {
      const bare = made;
      const ms = until.context();
      const gather = async (): Promise<ReviewPlan> => {
        const files = await checkoutOr(env.GITHUB_WORKSPACE, pr.headSha, () =>
          apiHeadFiles(octokit, { owner: pr.owner, repo: pr.repo, commit: pr.headSha, log: info }),
        );
        return addContext(bare, files, warn);
      };
      made = await within(gather(), ms, () => {
        warn(
          `context: not gathered in ${(ms / 1000).toFixed(1)} s (a third of what max-minutes leaves); reviewing the diff alone`,
        );
        return bare;
      });
    }
    core.info(
      out.redact(
        planReport(
          made,
          estimateCost(made, settings),
          settings.model,
          settings.maxCostUsd,
          settings.context === 'explore' ? settings.maxToolCalls : undefined,
        ),
      ),
    );
    return made;
  });

  if (!llm) {
    core.notice('dry-run without api-key: the plan and the estimated cost are in the log; no model was called.');
    setOutputs(out.redact, undefined, { plan });
    return;
  }

  const deprecation = deprecationNotice(settings);
  if (deprecation) core.warning(deprecation);
  if (settings.maxCostUsd !== undefined && !settings.prices && settings.capPrices) {
    const p = settings.capPrices;
    core.notice(
      `No price is known for ${settings.model} on ${settings.provider.name}: max-cost-usd (${settings.maxCostUsd}) is enforced at Anthropic's list price ($${p.input} / $${p.output} per million input / output tokens), and the cost is reported as unknown. Set 'pricing' for the gateway's own prices.`,
    );
  }
  const result = await core.group(`Review ${plan.chunks.length} part(s) with ${settings.model}`, () =>
    executePlan(plan, settings, llm, { log: info, until: until.review }),
  );
  if (result.usageMissing) {
    core.warning(
      `The gateway at ${settings.baseUrl} answered without reporting token usage, so the cost is reported as unknown; check its usage reporting (stream_options.include_usage for Chat Completions).`,
    );
  }
  const published = settings.dryRun
    ? dryRun(settings, result, out.redact)
    : await core.group('Post the review', async () =>
        publish({ octokit, pr, settings, us, redact: out.redact, log: info, warn, scope: scope.text }, result).catch(
          (error: unknown) => {
            throw explainGitHubError(error, 'post the summary comment');
          },
        ),
      );
  await finish(result, published, settings, env, out);
}

async function readEvent(path: string | undefined): Promise<EventPayload> {
  if (!path) return {};
  try {
    return JSON.parse(await readFile(path, 'utf8')) as EventPayload;
  } catch (error) {
    throw new Error(`cannot read the event payload at GITHUB_EVENT_PATH=${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Job summary, outputs, and the step's verdict: failed parts, and `fail-on`, after everything is posted. */
async function finish(
  result: ReviewResult,
  published: Published,
  settings: Settings,
  env: NodeJS.ProcessEnv,
  out: Out,
): Promise<void> {
  // Appended directly rather than through core.summary, which keeps the first file path it saw.
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, `${published.summary}\n`);
  core.info(costTable(result, settings.model));
  const sarifFile = settings.sarifFile ? resolve(env.GITHUB_WORKSPACE ?? process.cwd(), settings.sarifFile) : '';
  if (sarifFile) {
    await mkdir(dirname(sarifFile), { recursive: true });
    await writeFile(sarifFile, out.redact(`${JSON.stringify(toSarif(result.findings, VERSION), null, 2)}\n`));
    out.info(`SARIF with ${result.findings.length} result(s) written to ${sarifFile}`);
  }
  setOutputs(out.redact, result, {
    sarifFile,
    reviewId: published.reviewId,
    summaryCommentId: published.summaryCommentId,
    posted: published.posted.length,
  });
  const failed = result.outcomes.filter((o) => o.status !== 'ok');
  if (failed.length === result.outcomes.length && failed.length > 0) {
    throw new Error(`no part of the pull request could be reviewed: ${failed[0]?.error ?? 'unknown error'}`);
  }
  if (failed.length > 0)
    out.warn(`${failed.length} of ${result.outcomes.length} parts were not reviewed; the summary lists them.`);
  if (published.failing) {
    const f = published.failing;
    throw new Error(
      `a ${f.severity} finding reached fail-on: ${f.path}:${f.line} ${f.title.replace(/\s+/g, ' ').slice(0, 200)}`,
    );
  }
}

/** Every output of action.yml; the record below makes the compiler check that each one is set. */
export const OUTPUT_NAMES = [
  'review-id',
  'summary-comment-id',
  'comments-posted',
  'findings',
  'chunks',
  'llm-calls',
  'input-tokens',
  'output-tokens',
  'cache-read-tokens',
  'cache-write-tokens',
  'cost-usd',
  'skipped-files',
  'sarif-file',
] as const;

function setOutputs(
  redact: Redact,
  result: ReviewResult | undefined,
  extra: {
    reviewId?: number | undefined;
    summaryCommentId?: number | undefined;
    posted?: number;
    plan?: ReviewPlan;
    sarifFile?: string;
  },
): void {
  const plan = result?.plan ?? extra.plan;
  const outputs: Record<(typeof OUTPUT_NAMES)[number], string | number> = {
    'review-id': extra.reviewId ?? '',
    'summary-comment-id': extra.summaryCommentId ?? '',
    'comments-posted': extra.posted ?? 0,
    findings: result?.findings.length ?? 0,
    chunks: plan?.chunks.length ?? 0,
    'llm-calls': result?.calls ?? 0,
    'input-tokens': result?.usage.input ?? 0,
    'output-tokens': result?.usage.output ?? 0,
    'cache-read-tokens': result?.usage.cacheRead ?? 0,
    'cache-write-tokens': result?.usage.cacheWrite ?? 0,
    'cost-usd': result?.usd === undefined ? (result ? 'unknown' : '0') : result.usd.toFixed(6),
    'skipped-files': JSON.stringify(plan?.skipped ?? []),
    'sarif-file': extra.sarifFile ?? '',
  };
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, redact(String(value)));
}
