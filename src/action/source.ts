import { plural } from '../core/words.js';
import { errorText } from '../core/errors.js';
import type { PullRequest } from '../core/pull-request.js';
import { apiHeadFiles, checkoutOr } from '../context/files.js';
import { explainGitHubError, type Octokit } from '../github/client.js';
import type { Source } from '../pipeline/review.js';
import type { RepoRules } from '../prompt/prompt.js';
import { NO_EARLIER_SUMMARY, readEarlierSummary, type EarlierSummary } from '../publish/publish.js';
import { type RawInputs, type Settings } from '../settings/settings.js';
import { fetchPullRequest } from '../source/github.js';
import { changedSince, restrictToChanges } from '../source/incremental.js';
import { runSeal } from '../source/state.js';
import { apiReader, withRepoConfig } from '../source/repo.js';

/** The pull request as GitHub has it, and what the repository and our earlier runs say of it. */
export interface PullRequestOnGitHub {
  pr: PullRequest;
  /** The settings with the repository's config file merged under the workflow's inputs. */
  settings: Settings;
  rules: RepoRules;
}

/** Reads the pull request, then the repository's config and instructions from its base commit. */
export async function readPullRequest(
  octokit: Octokit,
  ref: { owner: string; repo: string; number: number },
  inputs: { settings: Settings; raw: RawInputs; log: (message: string) => void },
): Promise<PullRequestOnGitHub> {
  const pr = await fetchPullRequest(octokit, ref).catch((error: unknown) => {
    throw explainGitHubError(error, `read pull request #${ref.number} of ${ref.owner}/${ref.repo}`);
  });
  inputs.log(`#${pr.number} "${pr.title}": ${pr.files.length} files, head ${pr.headSha}`);
  return { pr, ...(await withRepoConfig(apiReader(octokit, pr), pr, inputs)) };
}

/** What one run reviews: the whole pull request, or only the commits pushed since our last review. */
export interface Scope {
  /** The pull request as reviewed: all of it, or the hunks the new commits touched. */
  target: PullRequest;
  /** One line for the summary. */
  text: string;
}

/** What a review run knows before it plans: the scope, and our earlier summary (read once, here). */
export interface ReviewStart {
  scope: Scope | undefined;
  earlier: EarlierSummary;
}

/**
 * Our earlier summary and the scope of this run. A dry run reads nothing of earlier runs and reviews the
 * whole pull request; else see `reviewScope`.
 */
export async function startReview(
  octokit: Octokit,
  found: PullRequestOnGitHub,
  run: { us: string; byHand: boolean; log: (message: string) => void },
): Promise<ReviewStart> {
  const { pr, settings } = found;
  if (settings.dryRun) {
    const text = `Dry run over the whole pull request at ${pr.headSha.slice(0, 7)}.`;
    return { scope: { target: pr, text }, earlier: NO_EARLIER_SUMMARY };
  }
  const earlier = await readEarlierSummary(octokit, pr, run.us, runSeal(settings, pr));
  return { scope: await reviewScope(octokit, found, earlier, run), earlier };
}

/**
 * The scope of this run, from the state in our summary: nothing (undefined) when this head was reviewed
 * already; the commits since the last reviewed head when it is still an ancestor (incremental: true, a
 * pull_request event); else the whole pull request (no state, a force-push or rebase, a run by hand).
 */
async function reviewScope(
  octokit: Octokit,
  { pr, settings }: PullRequestOnGitHub,
  { state, unsealed, unkeyed }: EarlierSummary,
  run: { byHand: boolean; log: (message: string) => void },
): Promise<Scope | undefined> {
  const head = pr.headSha.slice(0, 7);
  const whole: Scope = { target: pr, text: `Reviewed the whole pull request at ${head}.` };
  if (run.byHand) return whole;
  if (unkeyed) {
    run.log(
      "no secret seals this action's state ('state-secret' is empty and 'api-key' looks like a placeholder): no earlier run is trusted, so every run reviews the whole pull request and may repeat its comments; set 'state-secret' from a secret of its own",
    );
    return {
      target: pr,
      text: `Reviewed the whole pull request at ${head}: without a secret to seal what earlier runs did ('state-secret'), none is trusted.`,
    };
  }
  if (!state && unsealed) {
    run.log(
      'a summary by this login is here whose state this action did not seal (a changed API key, or another workflow): reviewing the whole pull request',
    );
    return {
      target: pr,
      text: `Reviewed the whole pull request at ${head}: an earlier summary's state could not be verified (the API key changed, or another workflow posted it), so it was not trusted.`,
    };
  }
  if (state?.heads.includes(pr.headSha)) return undefined;
  const last = state?.heads.at(-1);
  if (!settings.incremental || !last) return whole;
  return sinceLastReview(octokit, pr, last, run.log);
}

/** The commits pushed since `last`, or the whole pull request when `last` is no longer part of it. */
async function sinceLastReview(
  octokit: Octokit,
  pr: PullRequest,
  last: string,
  log: (message: string) => void,
): Promise<Scope> {
  const head = pr.headSha.slice(0, 7);
  const changed = await changedSince(octokit, pr, last).catch((error: unknown) => {
    log(`compare ${last.slice(0, 7)}...${head} failed (${errorText(error)})`);
    return undefined;
  });
  if (!changed) {
    return {
      target: pr,
      text: `Reviewed the whole pull request at ${head}: the last reviewed head ${last.slice(0, 7)} is no longer part of it (a force-push or rebase).`,
    };
  }
  const target = restrictToChanges(pr, changed);
  const files = pr.files.filter((f) => changed.has(f.filename)).length;
  log(`Reviewing the commits since ${last.slice(0, 7)}: ${files} file(s) of the pull request changed`);
  return {
    target,
    text: `Reviewed the commits pushed since the last review, ${last.slice(0, 7)}..${head} (${plural(files, 'file')}).`,
  };
}

/** The pipeline's source: the scope's pull request, the rules, and the head's files (checkout, else the API). */
export function githubSource(
  octokit: Octokit,
  found: PullRequestOnGitHub,
  scope: Scope,
  workspace: { dir: string | undefined; log: (message: string) => void },
): Source {
  const { pr } = found;
  return {
    pullRequest: scope.target,
    rules: found.rules,
    headFiles: () =>
      checkoutOr(workspace.dir, pr.headSha, () =>
        apiHeadFiles(octokit, { owner: pr.owner, repo: pr.repo, commit: pr.headSha, log: workspace.log }),
      ),
    baseFiles: () =>
      checkoutOr(workspace.dir, pr.baseSha, () =>
        apiHeadFiles(octokit, { owner: pr.owner, repo: pr.repo, commit: pr.baseSha, log: workspace.log }),
      ),
  };
}
