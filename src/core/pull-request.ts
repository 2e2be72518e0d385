/** GitHub lists at most this many files of a pull request. */
export const MAX_PR_FILES = 3000;

/** A changed file as GitHub's `pulls.listFiles` reports it (the local source builds the same shape). */
export interface ChangedFile {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  previous_filename?: string | undefined;
  /** Unified diff hunks without file headers; missing for binary and very large files. */
  patch?: string | undefined;
  additions: number;
  deletions: number;
}

/** What the review needs to know about a pull request (or a local diff). */
export interface PullRequest {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  author: string;
  baseRef: string;
  /** The base commit: where the repository's own configuration is read from (never the PR's head). */
  baseSha: string;
  headRef: string;
  /** The commit the review is posted on. */
  headSha: string;
  draft: boolean;
  files: ChangedFile[];
  /**
   * A review of the commits since our last review: the head lines they touched, by path. Only the files they
   * touched, and of each only the hunks of the pull request's diff that hold such a line, are reviewed; the
   * shared prefix still lists every file, so the model sees the whole change around the part it reviews.
   */
  pushed?: ReadonlyMap<string, ReadonlySet<number>>;
  /** Files the pull request changes, as GitHub counts them; more than `files` holds past GitHub's 3000-file listing limit. */
  changedFiles?: number;
}
