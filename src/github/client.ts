import { errorText } from '../core/errors.js';
import { getOctokit } from '@actions/github';
import { throttling } from '@octokit/plugin-throttling';
import { retry } from '@octokit/plugin-retry';

export type Octokit = ReturnType<typeof getOctokit>;

/** The longest wait for a GitHub rate limit this action accepts; past it, the request fails and says so. */
export const MAX_GITHUB_WAIT_S = 60;

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
          if (retryAfter > MAX_GITHUB_WAIT_S) {
            log(
              `GitHub rate limit on ${req.method} ${req.url}: it asks for ${retryAfter}s, more than the ${MAX_GITHUB_WAIT_S}s this action waits; giving up`,
            );
            return false;
          }
          log(`GitHub rate limit on ${req.method} ${req.url}; retrying in ${retryAfter}s`);
          return retryCount < 2;
        },
        onSecondaryRateLimit: (retryAfter: number, req: { method: string; url: string }) => {
          log(`GitHub secondary rate limit on ${req.method} ${req.url} (retry-after ${retryAfter}s)`);
          // A POST is retried by the caller, once, after checking that GitHub did not create it anyway.
          return req.method === 'GET' && retryAfter <= MAX_GITHUB_WAIT_S;
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
  const message = errorText(error);
  if ((status === 403 || status === 429) && /rate limit/i.test(message)) {
    return new Error(
      `GitHub's rate limit stopped the request to ${doing} (${String(status)}: ${message}): this action waits at most ${MAX_GITHUB_WAIT_S}s for it; re-run the job later, or give it a token with a higher limit`,
      { cause: error },
    );
  }
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

/** True for GitHub's secondary rate limit (403 or 429 with its message). */
export function isSecondaryRateLimit(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  const message = errorText(error);
  return (status === 403 || status === 429) && /secondary rate limit/i.test(message);
}

/** Seconds GitHub asked us to wait (`retry-after`), at most MAX_GITHUB_WAIT_S; 60 when it did not say. */
export function retryAfterSeconds(error: unknown): number {
  const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers ?? {};
  const value = Number(headers['retry-after']);
  return Math.min(MAX_GITHUB_WAIT_S, Number.isFinite(value) && value >= 0 ? value : MAX_GITHUB_WAIT_S);
}

/** The HTTP status of an Octokit error, when it has one. */
export const statusOf = (error: unknown): unknown => (error as { status?: unknown }).status;
