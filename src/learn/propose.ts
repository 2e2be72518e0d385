import type { Octokit } from '../github/client.js';
import { statusOf } from '../github/client.js';
import { errorText } from '../core/errors.js';

/** The branch the learn mode proposes its rules from: remade from the default branch on every run. */
export const LEARNINGS_BRANCH = 'claude-review/learnings';

export interface Repository {
  owner: string;
  repo: string;
}

/** The default branch, its head, and the learnings file there with its blob (undefined when absent). */
export interface DefaultBranch {
  branch: string;
  sha: string;
  text: string | undefined;
  fileSha: string | undefined;
}

/** The default branch, its head, and the learnings file there (undefined when absent). */
export async function defaultBranchFile(octokit: Octokit, repo: Repository, path: string): Promise<DefaultBranch> {
  const { data } = await octokit.rest.repos.get({ ...repo });
  const branch = data.default_branch;
  const ref = await octokit.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
  const file = await blobAt(octokit, repo, path, branch);
  return { branch, sha: ref.data.object.sha, text: file?.text, fileSha: file?.sha };
}

async function blobAt(
  octokit: Octokit,
  repo: Repository,
  path: string,
  ref: string,
): Promise<{ text: string; sha: string } | undefined> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref });
    if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
    return { text: Buffer.from(data.content, 'base64').toString('utf8'), sha: data.sha };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

const RULES_MARKER = /<!-- claude-pr-reviewer:rules ([A-Za-z0-9+/=]+) -->/;

/** The hidden line of a proposal's description that names its rules, so a declined proposal is remembered. */
export function rulesMarker(rules: readonly string[]): string {
  return `<!-- claude-pr-reviewer:rules ${Buffer.from(JSON.stringify(rules)).toString('base64')} -->`;
}

function rulesIn(body: string | null): string[] {
  const encoded = RULES_MARKER.exec(body ?? '')?.[1];
  if (!encoded) return [];
  try {
    const list: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    return Array.isArray(list) ? list.filter((r): r is string => typeof r === 'string').slice(0, 50) : [];
  } catch {
    return [];
  }
}

/**
 * The rules of our proposals that maintainers closed without merging (the last 20): the learn mode does not
 * propose them again.
 */
export async function declinedRules(octokit: Octokit, repo: Repository, us: string): Promise<string[]> {
  const head = `${repo.owner}:${LEARNINGS_BRANCH}`;
  const { data } = await octokit.rest.pulls.list({ ...repo, head, state: 'closed', per_page: 20 });
  return data.filter((p) => p.merged_at === null && p.user?.login === us).flatMap((p) => rulesIn(p.body));
}

/** The proposal: where it is, and whether a pull request carries it. */
export interface Proposal {
  branch: string;
  /** The pull request proposing the file, or undefined when the token may not open one. */
  url: string | undefined;
  /** Why no pull request was opened, when none was. */
  missing?: string;
}

/** Points our branch at the default branch's head: created, or moved there (its earlier proposal is remade). */
async function resetBranch(octokit: Octokit, repo: Repository, sha: string): Promise<void> {
  try {
    await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${LEARNINGS_BRANCH}`, sha });
  } catch (error) {
    if (statusOf(error) !== 422) throw error;
    await octokit.rest.git.updateRef({ ...repo, ref: `heads/${LEARNINGS_BRANCH}`, sha, force: true });
  }
}

/**
 * Proposes the new learnings file through a pull request from LEARNINGS_BRANCH into the default branch: the
 * branch remade from the default branch with one commit, the pull request opened or its description updated.
 * When the token may not open pull requests (a repository setting), the branch stays and the reason is given.
 */
export async function propose(
  octokit: Octokit,
  repo: Repository,
  change: { base: DefaultBranch; path: string; text: string; title: string; body: string },
): Promise<Proposal> {
  // The branch now is the default branch's head: the file there is the one read from it.
  await resetBranch(octokit, repo, change.base.sha);
  await octokit.rest.repos.createOrUpdateFileContents({
    ...repo,
    path: change.path,
    branch: LEARNINGS_BRANCH,
    message: change.title,
    content: Buffer.from(change.text, 'utf8').toString('base64'),
    ...(change.base.fileSha ? { sha: change.base.fileSha } : {}),
  });
  const head = `${repo.owner}:${LEARNINGS_BRANCH}`;
  const open = await octokit.rest.pulls.list({ ...repo, head, base: change.base.branch, state: 'open', per_page: 1 });
  const found = open.data[0];
  try {
    if (found) {
      await octokit.rest.pulls.update({ ...repo, pull_number: found.number, title: change.title, body: change.body });
      return { branch: LEARNINGS_BRANCH, url: found.html_url };
    }
    const { data } = await octokit.rest.pulls.create({
      ...repo,
      head: LEARNINGS_BRANCH,
      base: change.base.branch,
      title: change.title,
      body: change.body,
    });
    return { branch: LEARNINGS_BRANCH, url: data.html_url };
  } catch (error) {
    if (statusOf(error) !== 403 && statusOf(error) !== 422) throw error;
    const why =
      statusOf(error) === 403
        ? `the token may not open pull requests (${errorText(error)}): allow GitHub Actions to create pull requests (Settings → Actions → General), or open one from the branch`
        : errorText(error);
    return { branch: LEARNINGS_BRANCH, url: undefined, missing: why };
  }
}
