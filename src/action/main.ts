import { errorText } from '../core/errors.js';
import * as core from '@actions/core';
import { readFile } from 'node:fs/promises';
import { answerQuestion, type Question } from '../converse/converse.js';
import { createOctokit, type Octokit } from '../github/client.js';
import { whoAmI } from '../github/identity.js';
import type { LlmClient } from '../llm/client.js';
import { createLlmClient } from '../llm/factory.js';
import type { RetryPolicy } from '../llm/retry.js';
import { reviewPullRequest } from '../pipeline/review.js';
import { INPUT_DEFAULTS, parseSettings, type Settings } from '../settings/settings.js';
import { decideMode, isCommentEvent, type CommentFacts, type RunEvent } from './modes.js';
import { logFor, type Out } from './out.js';
import { learn } from './learn.js';
import { setOutputs } from './outputs.js';
import { githubPublisher } from './publisher.js';
import { githubSource, readPullRequest, startReview, type PullRequestOnGitHub } from './source.js';

export { OUTPUT_NAMES } from './outputs.js';

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

/** One run of the action: its inputs, its log and what it was started by. */
interface Run {
  deps: RunDependencies;
  env: NodeJS.ProcessEnv;
  raw: Record<string, string>;
  out: Out;
  settings: Settings;
  startedAt: number;
}

/**
 * The action's entry: one top-level catch that fails the step with a readable message. The secrets are
 * known (and masked) before anything else runs, so no text the action writes can carry them. Work a stage
 * gave up on at its deadline (a stalled context fetch) must not keep the step running past max-minutes:
 * the entry exits once this returns.
 */
export async function run(deps: RunDependencies = {}): Promise<void> {
  const startedAt = Date.now();
  const env = deps.env ?? process.env;
  const raw = readInputs();
  const secrets = [raw['api-key'], raw['state-secret'], raw['github-token'], env.GITHUB_TOKEN].flatMap((s) =>
    s?.trim() ? [s.trim()] : [],
  );
  const out = logFor(secrets);
  try {
    const settings = parseSettings(raw);
    await underWatchdog(settings.maxMinutes, () => act({ deps, env, raw, out, settings, startedAt }));
  } catch (error) {
    core.setFailed(out.redact(errorText(error)));
  }
}

function readInputs(): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(INPUT_DEFAULTS)) raw[name] = core.getInput(name);
  return raw;
}

/** Decides what the run does, then does it: a review, an answer, or nothing (with the reason). */
async function act(run: Run): Promise<void> {
  const event: RunEvent = {
    name: run.env.GITHUB_EVENT_NAME ?? '',
    payload: await readEvent(run.env.GITHUB_EVENT_PATH),
  };
  let octokit: Octokit | undefined;
  const github = (): Octokit => (octokit ??= githubClient(run, event));
  const facts = isCommentEvent(event)
    ? await commentFacts(github(), repositoryOf(run, event), event, run.out)
    : undefined;
  const mode = decideMode(event, run.settings, facts);
  if (mode.kind === 'skip') {
    if (mode.show === 'notice') core.notice(run.out.safe(mode.why));
    else run.out.info(mode.why);
    setOutputs(run.out.redact, undefined);
    return;
  }
  if (mode.kind === 'learn') {
    const llm = run.settings.apiKey && !run.settings.dryRun ? llmClient(run, run.settings) : undefined;
    await learn(github(), repositoryOf(run, event), { ...run, llm });
    return;
  }
  const ref = { ...repositoryOf(run, event), number: mode.kind === 'answer' ? mode.question.number : mode.number };
  const found = await core.group('Fetch the pull request', () =>
    readPullRequest(github(), ref, { settings: run.settings, raw: run.raw, log: run.out.info }),
  );
  if (mode.kind === 'answer') await answer(run, github(), found, mode.question);
  else await review(run, github(), found, { byHand: mode.byHand, us: facts?.us });
}

/** Answers a question asked in a comment, in place. */
async function answer(run: Run, octokit: Octokit, found: PullRequestOnGitHub, question: Question): Promise<void> {
  const llm = llmClient(run, found.settings);
  await core.group('Answer the question', () =>
    answerQuestion({ octokit, ...found, llm, redact: run.out.redact, log: run.out.info }, question),
  );
  setOutputs(run.out.redact, undefined);
}

/** Reviews the pull request through the pipeline, unless its head was reviewed already. */
async function review(
  run: Run,
  octokit: Octokit,
  found: PullRequestOnGitHub,
  mode: { byHand: boolean; us: string | undefined },
): Promise<void> {
  const { pr, settings } = found;
  if (!settings.apiKey && !settings.dryRun) {
    throw new Error(
      "input 'api-key' is empty; expected the gateway's API key from a secret, e.g. api-key: ${{ secrets.ANTHROPIC_API_KEY }} (or set dry-run: true to print the plan only)",
    );
  }
  // A dry run posts nothing and reads no earlier state: the whole pull request, as it is.
  const us = settings.dryRun ? '' : (mode.us ?? (await whoAmI(octokit, run.out.info)));
  if (!settings.dryRun) run.out.info(`Posting as ${us}; only comments by ${us} count as ours`);
  const start = await core.group('Decide what to review', () =>
    startReview(octokit, found, { us, byHand: mode.byHand, log: run.out.info }),
  );
  if (!start.scope) {
    core.notice(
      `Head ${pr.headSha.slice(0, 7)} was already reviewed; the summary comment has the findings. Run the workflow by hand (workflow_dispatch) to review it again.`,
    );
    setOutputs(run.out.redact, undefined);
    return;
  }
  const source = githubSource(octokit, found, start.scope, { dir: run.env.GITHUB_WORKSPACE, log: run.out.info });
  const target = { octokit, pr, us, scope: start.scope.text, earlier: start.earlier, env: run.env };
  const llm = settings.apiKey ? llmClient(run, settings) : undefined;
  await reviewPullRequest(source, githubPublisher(target, run.out), llm, settings, run);
}

function llmClient(run: Run, settings: Settings): LlmClient {
  if (run.deps.llm) return run.deps.llm(settings);
  return createLlmClient(settings, {
    ...(run.deps.retry ? { retry: run.deps.retry } : {}),
    ...(run.deps.idleMs ? { idleMs: run.deps.idleMs } : {}),
    log: run.out.info,
  });
}

function repositoryOf(run: Run, event: RunEvent): { owner: string; repo: string } {
  const [owner, repo] = (run.env.GITHUB_REPOSITORY ?? event.payload.repository?.full_name ?? '').split('/');
  if (!owner || !repo) throw new Error('GITHUB_REPOSITORY is not set: run this action inside a GitHub workflow');
  return { owner, repo };
}

function githubClient(run: Run, event: RunEvent): Octokit {
  repositoryOf(run, event);
  const token = run.settings.githubToken || run.env.GITHUB_TOKEN || '';
  if (!token)
    throw new Error(
      "input 'github-token' is empty; expected a token with pull-requests: write (the default ${{ github.token }} works)",
    );
  return createOctokit({
    token,
    baseUrl: run.env.GITHUB_API_URL || 'https://api.github.com',
    throttle: run.deps.githubThrottle ?? true,
    log: run.out.info,
  });
}

/** What a comment event is decided with: our login, and for a reply in a thread, the thread's first comment. */
async function commentFacts(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  event: RunEvent,
  out: Out,
): Promise<CommentFacts> {
  const us = await whoAmI(octokit, out.info);
  const rootId = event.payload.comment?.in_reply_to_id;
  if (event.name !== 'pull_request_review_comment' || rootId === undefined) return { us };
  const { data } = await octokit.rest.pulls.getReviewComment({ ...repo, comment_id: rootId });
  return { us, threadRoot: { id: data.id, author: data.user.login } };
}

async function readEvent(path: string | undefined): Promise<RunEvent['payload']> {
  if (!path) return {};
  try {
    return JSON.parse(await readFile(path, 'utf8')) as RunEvent['payload'];
  } catch (error) {
    throw new Error(`cannot read the event payload at GITHUB_EVENT_PATH=${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * The last resort of max-minutes: past it by a fifth of the run (between 5 s and a minute), whatever the
 * stage, the run ends with an error. The stages end themselves before it: this is for a stalled request.
 */
async function underWatchdog(maxMinutes: number, work: () => Promise<void>): Promise<void> {
  const grace = Math.min(60_000, Math.max(5_000, maxMinutes * 60_000 * 0.2));
  const watchdog = setTimeout(
    () => {
      core.setFailed(
        `the run passed max-minutes (${maxMinutes}) by ${(grace / 1000).toFixed(0)} s outside the review calls (a stalled GitHub request?); it was stopped`,
      );
      process.exit(1);
    },
    maxMinutes * 60_000 + grace,
  );
  watchdog.unref();
  try {
    await work();
  } finally {
    clearTimeout(watchdog);
  }
}
