import { getOctokit } from '@actions/github';
import { throttling } from '@octokit/plugin-throttling';
import { retry } from '@octokit/plugin-retry';
import { MAX_PR_FILES, type ChangedFile, type PullRequest } from '../source/types.js';
import type { Finding } from '../findings/findings.js';
import { commentBody, fingerprintsIn, SUMMARY_MARKER } from '../publish/render.js';

export type Octokit = ReturnType<typeof getOctokit>;

export interface OctokitOptions {
  token: string;
  /** `GITHUB_API_URL`: api.github.com or a GitHub Enterprise Server. */
  baseUrl: string;
  log?: (message: string) => void;
  /**
   * Keep GitHub's pacing of content-creating requests (one write a second, one notification-creating write
   * every 3 s). Default true; in-process tests turn it off to stay fast.
   */
  throttle?: boolean;
}

/**
 * Octokit with throttling and retries. GETs and PATCHes are retried (rate limits, 5xx); a POST never is:
 * it creates content, and a 5xx or a secondary rate limit can come after GitHub created it, so a retry
 * could post a second review or summary.
 */
export function createOctokit(options: OctokitOptions): Octokit {
  const log = options.log ?? (() => undefined);
  const octokit = getOctokit(
    options.token,
    {
      baseUrl: options.baseUrl,
      throttle: {
        enabled: options.throttle ?? true,
        onRateLimit: (
          retryAfter: number,
          req: { method: string; url: string },
          _octokit: unknown,
          retryCount: number,
        ) => {
          log(`GitHub rate limit on ${req.method} ${req.url}; retrying in ${retryAfter}s`);
          return retryCount < 2;
        },
        onSecondaryRateLimit: (retryAfter: number, req: { method: string; url: string }) => {
          log(`GitHub secondary rate limit on ${req.method} ${req.url} (retry-after ${retryAfter}s)`);
          return req.method === 'GET';
        },
      },
      retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    },
    throttling,
    retry,
  );
  octokit.hook.before('request', (request) => {
    if (request.method === 'POST') request.request = { ...request.request, retries: 0 };
  });
  return octokit;
}

/** A GitHub API error as a message that says what to fix. */
export function explainGitHubError(error: unknown, doing: string): Error {
  const status = (error as { status?: unknown }).status;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 403 || status === 401) {
    return new Error(
      `GitHub refused to ${doing} (${String(status)}: ${message}): the workflow's token needs 'permissions: pull-requests: write' and 'contents: read'; a 'pull_request' run from a fork only gets a read-only token (use 'pull_request_target')`,
      { cause: error },
    );
  }
  if (status === 404) {
    return new Error(
      `GitHub found nothing to ${doing} (404: ${message}): check 'pr-number' and that the token can see this repository`,
      {
        cause: error,
      },
    );
  }
  return new Error(`GitHub failed to ${doing}: ${message}`, { cause: error });
}

export interface RepoRef {
  owner: string;
  repo: string;
  number: number;
}

export async function fetchPullRequest(octokit: Octokit, ref: RepoRef): Promise<PullRequest> {
  const { data: pr } = await octokit.rest.pulls.get({ owner: ref.owner, repo: ref.repo, pull_number: ref.number });
  const files: ChangedFile[] = [];
  for await (const page of octokit.paginate.iterator(octokit.rest.pulls.listFiles, {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.number,
    per_page: 100,
  })) {
    for (const f of page.data) {
      files.push({
        filename: f.filename,
        status: f.status,
        previous_filename: f.previous_filename,
        patch: f.patch,
        additions: f.additions,
        deletions: f.deletions,
      });
    }
    if (files.length >= MAX_PR_FILES) break;
  }
  return {
    owner: ref.owner,
    repo: ref.repo,
    number: ref.number,
    title: pr.title,
    body: pr.body ?? '',
    author: (pr.user as { login: string } | null)?.login ?? 'unknown',
    baseRef: pr.base.ref,
    headRef: pr.head.ref,
    headSha: pr.head.sha,
    draft: pr.draft ?? false,
    changedFiles: pr.changed_files,
    files,
  };
}

/** What earlier runs already posted inline on this pull request. */
export interface PostedComments {
  /** Fingerprints our comments carry. */
  fingerprints: Set<string>;
  /** `path:side:line` of our comments that still sit on a line of the current diff. */
  lines: Set<string>;
}

export const lineKey = (path: string, side: string, line: number): string => `${path}:${side}:${line}`;

export async function postedComments(octokit: Octokit, ref: RepoRef): Promise<PostedComments> {
  const posted: PostedComments = { fingerprints: new Set(), lines: new Set() };
  for await (const page of octokit.paginate.iterator(octokit.rest.pulls.listReviewComments, {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.number,
    per_page: 100,
  })) {
    for (const comment of page.data) {
      const fingerprints = fingerprintsIn(comment.body);
      if (fingerprints.length === 0) continue; // not ours
      for (const fp of fingerprints) posted.fingerprints.add(fp);
      // `line` is null once the comment is outdated by a later push.
      const line = comment.line as number | null | undefined;
      if (line) posted.lines.add(lineKey(comment.path, comment.side ?? 'RIGHT', line));
    }
  }
  return posted;
}

/** The REST shape of one inline review comment. */
export interface ReviewCommentPayload {
  path: string;
  line: number;
  side: 'LEFT' | 'RIGHT';
  start_line?: number;
  start_side?: 'LEFT' | 'RIGHT';
  body: string;
}

export function toReviewComment(finding: Finding): ReviewCommentPayload {
  return {
    path: finding.path,
    line: finding.line,
    side: finding.side,
    ...(finding.start_line !== undefined ? { start_line: finding.start_line, start_side: finding.side } : {}),
    body: commentBody(finding),
  };
}

/** Posts one review with all inline comments. Called once; the caller handles a 422 without retrying. */
export async function createReview(
  octokit: Octokit,
  pr: PullRequest,
  findings: readonly Finding[],
  body: string,
  event: 'COMMENT' | 'REQUEST_CHANGES',
): Promise<number> {
  const { data } = await octokit.rest.pulls.createReview({
    owner: pr.owner,
    repo: pr.repo,
    pull_number: pr.number,
    commit_id: pr.headSha,
    event,
    body,
    comments: findings.map(toReviewComment),
  });
  return data.id;
}

/** Creates the summary comment, or edits ours in place when an earlier run left one (found by marker). */
export async function upsertSummary(octokit: Octokit, pr: PullRequest, body: string): Promise<number> {
  let existing: number | undefined;
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner: pr.owner,
    repo: pr.repo,
    issue_number: pr.number,
    per_page: 100,
  })) {
    const ours = page.data.find((c) => c.body?.includes(SUMMARY_MARKER));
    if (ours) {
      existing = ours.id;
      break;
    }
  }
  if (existing !== undefined) {
    await octokit.rest.issues.updateComment({ owner: pr.owner, repo: pr.repo, comment_id: existing, body });
    return existing;
  }
  const { data } = await octokit.rest.issues.createComment({
    owner: pr.owner,
    repo: pr.repo,
    issue_number: pr.number,
    body,
  });
  return data.id;
}
