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
  headRef: string;
  baseSha: string;
  headSha: string;
  draft: boolean;
  /** True when the head branch lives in another repository. */
  fromFork: boolean;
  url: string;
  files: ChangedFile[];
}
