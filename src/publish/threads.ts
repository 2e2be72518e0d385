import type { Octokit } from '../github/client.js';
import type { PullRequest } from '../core/pull-request.js';
import { fingerprintOf } from './render.js';

interface ThreadPage {
  repository: {
    pullRequest: {
      reviewThreads: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: {
          id: string;
          isResolved: boolean;
          isOutdated: boolean;
          comments: { totalCount: number; nodes: { author: { login: string } | null; body: string }[] };
        }[];
      };
    } | null;
  } | null;
}

const THREADS = `query($owner: String!, $repo: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved isOutdated comments(first: 50) { totalCount nodes { author { login } body } } }
      }
    }
  }
}`;

const RESOLVE = `mutation($id: ID!) { resolveReviewThread(input: { threadId: $id }) { thread { id isResolved } } }`;

/** GraphQL names a bot without REST's `[bot]` suffix. */
const sameLogin = (graphql: string, us: string): boolean =>
  graphql.toLowerCase() === us.toLowerCase() || `${graphql}[bot]`.toLowerCase() === us.toLowerCase();

/** A review thread of a pull request, with its first 50 comments. */
export type ReviewThread = NonNullable<
  NonNullable<ThreadPage['repository']>['pullRequest']
>['reviewThreads']['nodes'][number];

/** Every review thread of a pull request (GraphQL, 100 a page). */
export async function listThreads(
  octokit: Octokit,
  pr: { owner: string; repo: string; number: number },
): Promise<ReviewThread[]> {
  const all: ReviewThread[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: ThreadPage = await octokit.graphql<ThreadPage>(THREADS, {
      owner: pr.owner,
      repo: pr.repo,
      number: pr.number,
      cursor,
    });
    const threads = page.repository?.pullRequest?.reviewThreads;
    if (!threads) return all;
    all.push(...threads.nodes);
    if (!threads.pageInfo.hasNextPage) return all;
    cursor = threads.pageInfo.endCursor;
  }
}

/**
 * Resolves our review threads that a push made outdated (GitHub marks a thread outdated when its line
 * changed or went away), but only those in which no one else wrote (a thread with a reply is a conversation,
 * and other people's threads are never touched) and whose finding this run did not find again. Returns how
 * many were resolved.
 */
export async function resolveOutdatedThreads(
  octokit: Octokit,
  pr: PullRequest,
  us: string,
  /** Fingerprints found again by this run: their threads stay open (the line moved, the problem did not). */
  stillFound: ReadonlySet<string>,
): Promise<number> {
  let resolved = 0;
  for (const thread of await listThreads(octokit, pr)) {
    const authors = thread.comments.nodes.map((c) => c.author?.login ?? '');
    const onlyUs =
      thread.comments.totalCount === authors.length && authors.length > 0 && authors.every((a) => sameLogin(a, us));
    const fp = fingerprintOf(thread.comments.nodes[0]?.body ?? '');
    if (thread.isOutdated && !thread.isResolved && onlyUs && !(fp !== undefined && stillFound.has(fp))) {
      await octokit.graphql(RESOLVE, { id: thread.id });
      resolved += 1;
    }
  }
  return resolved;
}
