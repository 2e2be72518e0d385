import { parseHunks, type FileDiff, type Hunk } from '../diff/diff.js';
import type { Octokit } from '../github/client.js';
import type { PullRequest } from '../core/pull-request.js';

/** GitHub's compare lists at most this many files; a push that touches more gets a full review. */
const MAX_COMPARE_FILES = 300;

/** The head-file lines a push added or changed, by path. */
export type ChangedLines = Map<string, Set<number>>;

/** The new-file lines each hunk of a patch adds, and the line where a deletion happened. */
function touchedLines(patch: string | undefined): Set<number> {
  const lines = new Set<number>();
  for (const hunk of patch ? parseHunks(patch) : []) {
    let next = hunk.newStart;
    for (const l of hunk.lines) {
      if (l.kind === 'add') lines.add(l.newLine ?? next);
      if (l.kind === 'del') lines.add(next);
      if (l.newLine !== undefined) next = l.newLine + 1;
    }
  }
  return lines;
}

/**
 * What changed from the last reviewed head to this one, through `compare last...head`; undefined when the last
 * head is no longer an ancestor (a force-push or a rebase) or the push is too big to compare, where the whole
 * pull request is reviewed again.
 */
export async function changedSince(octokit: Octokit, pr: PullRequest, last: string): Promise<ChangedLines | undefined> {
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
    owner: pr.owner,
    repo: pr.repo,
    basehead: `${last}...${pr.headSha}`,
    per_page: 100,
  });
  if (data.status !== 'ahead' || (data.files?.length ?? 0) >= MAX_COMPARE_FILES) return undefined;
  const changed: ChangedLines = new Map();
  for (const f of data.files ?? []) changed.set(f.filename, touchedLines(f.patch));
  return changed;
}

/** A hunk of the pull request's diff is new to this push when it holds a line the push touched. */
function touches(hunk: Hunk, lines: ReadonlySet<number>): boolean {
  let next = hunk.newStart;
  for (const l of hunk.lines) {
    if (lines.has(l.newLine ?? next)) return true;
    if (l.newLine !== undefined) next = l.newLine + 1;
  }
  return false;
}

/** The pull request to review for a push: all of it, with the lines the push touched (see PullRequest.pushed). */
export function restrictToChanges(pr: PullRequest, changed: ChangedLines): PullRequest {
  return { ...pr, pushed: changed };
}

/**
 * The files a push changed, and of each only the hunks of the pull request's own diff that hold a changed
 * line, so every line shown can still carry a comment; a file without a patch is kept whole.
 */
export function pushedPart(files: readonly FileDiff[], pushed: ReadonlyMap<string, ReadonlySet<number>>): FileDiff[] {
  return files.flatMap((file) => {
    const lines = pushed.get(file.path);
    if (!lines) return [];
    if (file.noPatch) return [file];
    const hunks = file.hunks.filter((h) => touches(h, lines));
    return hunks.length > 0 ? [{ ...file, hunks }] : [];
  });
}
