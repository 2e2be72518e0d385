import { git } from '../core/git.js';
import type { ChangedFile, PullRequest } from '../core/pull-request.js';
/**
 * GitHub's limit on one file's diff (its repository limits page: 20,000 lines or 500 KB of raw diff), past which
 * `pulls.listFiles` sends no patch.
 */
export const MAX_FILE_PATCH_BYTES = 500 * 1024;
export const MAX_FILE_PATCH_LINES = 20_000;

/** Git's id of the empty tree: the base of a repository's first commit. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/**
 * Splits `git diff` output into GitHub-shaped changed files: status from the extended headers, the patch
 * from the first hunk on (as `pulls.listFiles` sends it), no patch for binary files.
 */
export function splitGitDiff(diff: string): ChangedFile[] {
  const files: ChangedFile[] = [];
  for (const section of diff.split(/^(?=diff --git )/m)) {
    if (!section.startsWith('diff --git ')) continue;
    const header = section.slice(0, section.search(/^@@ /m) === -1 ? section.length : section.search(/^@@ /m));
    const patchStart = section.search(/^@@ /m);
    const patch = patchStart === -1 ? undefined : section.slice(patchStart).replace(/\n$/, '');
    const renameFrom = /^rename from (.+)$/m.exec(header)?.[1];
    const renameTo = /^rename to (.+)$/m.exec(header)?.[1];
    const plusPath = /^\+\+\+ b\/(.+)$/m.exec(header)?.[1];
    const minusPath = /^--- a\/(.+)$/m.exec(header)?.[1];
    const gitPaths = /^diff --git a\/(.+) b\/(.+)$/m.exec(header);
    const filename = renameTo ?? plusPath ?? minusPath ?? gitPaths?.[2] ?? '';
    const status: ChangedFile['status'] = /^new file mode/m.test(header)
      ? 'added'
      : /^deleted file mode/m.test(header)
        ? 'removed'
        : renameFrom
          ? 'renamed'
          : 'modified';
    let additions = 0;
    let deletions = 0;
    for (const line of (patch ?? '').split('\n')) {
      if (line.startsWith('+')) additions += 1;
      else if (line.startsWith('-')) deletions += 1;
    }
    // GitHub sends no patch for a file whose diff passes its limit; the same file is skipped the same way here.
    const tooLarge =
      patch !== undefined && (patch.length > MAX_FILE_PATCH_BYTES || additions + deletions > MAX_FILE_PATCH_LINES);
    files.push({
      filename,
      status,
      previous_filename: renameFrom,
      patch: tooLarge ? undefined : patch,
      additions,
      deletions,
    });
  }
  return files;
}

export interface LocalRange {
  cwd: string;
  /** Base revision; default: the merge base with the upstream or default branch (see defaultBase). */
  base?: string | undefined;
  /** Head revision; default: the working tree. */
  head?: string | undefined;
}

/** A git failure said the way a user fixes it: which flag, which revision, which directory. */
export class LocalGitError extends Error {
  override name = 'LocalGitError';
}

async function commitOf(cwd: string, rev: string): Promise<string | undefined> {
  return git(cwd, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]).then(
    (out) => out.trim(),
    () => undefined,
  );
}

/**
 * What a branch is compared with by default: the merge base with its upstream, else with the remote's default
 * branch, else with a local main or master. On that branch itself (nothing of its own), or with none of those,
 * the last commit: HEAD's parent, or the empty tree in a first commit.
 */
export async function defaultBase(cwd: string): Promise<string> {
  const head = await commitOf(cwd, 'HEAD');
  if (head === undefined) return EMPTY_TREE;
  for (const candidate of ['@{upstream}', 'origin/HEAD', 'main', 'master']) {
    if ((await commitOf(cwd, candidate)) === undefined) continue;
    const mergeBase = await git(cwd, ['merge-base', 'HEAD', candidate]).then(
      (out) => out.trim(),
      () => undefined,
    );
    if (mergeBase && mergeBase !== head) return mergeBase;
  }
  return (await commitOf(cwd, 'HEAD~1')) ? 'HEAD~1' : EMPTY_TREE;
}

/** A local `git diff` as a PullRequest, so the same pipeline reviews it. */
export async function localPullRequest(range: LocalRange): Promise<PullRequest> {
  const inside = await git(range.cwd, ['rev-parse', '--is-inside-work-tree']).then(
    (out) => out.trim() === 'true',
    () => false,
  );
  if (!inside) throw new LocalGitError(`not a git repository (${range.cwd}): run it inside one`);
  for (const [flag, rev] of [
    ['--base', range.base],
    ['--head', range.head],
  ] as const) {
    if (rev !== undefined && (await commitOf(range.cwd, rev)) === undefined) {
      throw new LocalGitError(`${flag} ${rev}: no such revision in ${range.cwd}`);
    }
  }
  const base = range.base ?? (await defaultBase(range.cwd));
  const revs = range.head ? [base, range.head] : [base];
  // core.quotePath=false keeps non-ASCII paths as they are instead of octal-escaped and quoted.
  const diff = await git(range.cwd, [
    '-c',
    'core.quotePath=false',
    'diff',
    '--no-color',
    '--no-ext-diff',
    '-M',
    ...revs,
  ]);
  const subject = range.head
    ? (await git(range.cwd, ['log', '-1', '--format=%s', range.head])).trim()
    : 'Local changes';
  const headSha = range.head ? (await git(range.cwd, ['rev-parse', range.head])).trim() : 'WORKTREE';
  const baseSha = base === EMPTY_TREE ? EMPTY_TREE : (await git(range.cwd, ['rev-parse', base])).trim();
  return {
    owner: 'local',
    repo: 'local',
    number: 0,
    title: subject,
    body: '',
    author: 'local',
    baseRef: base === EMPTY_TREE ? '(empty tree)' : base.length === 40 ? base.slice(0, 12) : base,
    baseSha,
    headRef: range.head ?? '(working tree)',
    headSha,
    draft: false,
    files: splitGitDiff(diff),
  };
}
