import type { Octokit, RepoRef } from '../github/client.js';
import { MAX_PR_FILES, type ChangedFile, type PullRequest } from '../core/pull-request.js';

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
    baseSha: pr.base.sha,
    headRef: pr.head.ref,
    headSha: pr.head.sha,
    draft: pr.draft ?? false,
    changedFiles: pr.changed_files,
    files,
  };
}

/** A text file of the repository at a commit, through the API; undefined when it does not exist there. */
export async function readRepoFile(
  octokit: Octokit,
  ref: { owner: string; repo: string },
  path: string,
  commit: string,
): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.repos.getContent({ owner: ref.owner, repo: ref.repo, path, ref: commit });
    if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) {
      throw new Error(`${path} at ${commit.slice(0, 7)} is not a file`);
    }
    return Buffer.from(data.content, 'base64').toString('utf8');
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return undefined;
    throw error;
  }
}
