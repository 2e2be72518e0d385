import type { Octokit, RepoRef } from './client.js';

/** A comment already on the pull request, as the review needs it: who wrote it, where, and what it says. */
export interface PostedComment {
  id: number;
  body: string;
  /** Login of the author, as REST reports it (`name[bot]` for an app or GITHUB_TOKEN). */
  author: string;
  /** Inline comments: the file, and the line on the current head (undefined once the comment is outdated). */
  path?: string;
  line?: number | undefined;
  side?: 'LEFT' | 'RIGHT';
  /** Inline comments: the review that holds it. */
  reviewId?: number | undefined;
  /** Inline comments: its place in the pull request's conversation, as GitHub links it. */
  url?: string;
}

/** Every inline review comment of the pull request, oldest first. */
export async function listReviewComments(octokit: Octokit, ref: RepoRef): Promise<PostedComment[]> {
  const where = { owner: ref.owner, repo: ref.repo, pull_number: ref.number, per_page: 100 };
  return octokit.paginate(octokit.rest.pulls.listReviewComments, where, (response) =>
    response.data.map((c) => ({
      id: c.id,
      body: c.body,
      author: c.user.login,
      path: c.path,
      // `line` is null once the comment is outdated by a later push.
      line: c.line ?? undefined,
      side: c.side === 'LEFT' ? ('LEFT' as const) : ('RIGHT' as const),
      reviewId: c.pull_request_review_id ?? undefined,
      url: c.html_url,
    })),
  );
}

/** Every conversation comment of the pull request, oldest first. */
export async function listIssueComments(octokit: Octokit, ref: RepoRef): Promise<PostedComment[]> {
  const where = { owner: ref.owner, repo: ref.repo, issue_number: ref.number, per_page: 100 };
  return octokit.paginate(octokit.rest.issues.listComments, where, (response) =>
    response.data.map((c) => ({ id: c.id, body: c.body ?? '', author: c.user?.login ?? '' })),
  );
}
