import { errorText } from '../core/errors.js';
import { spawn } from 'node:child_process';
import { lstat, readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import pLimit from 'p-limit';
import type { Octokit } from '../github/client.js';
import { git } from '../core/git.js';

/** Files larger than this are not read for context: generated, vendored or data, and too big to show anyway. */
export const MAX_CONTEXT_FILE_BYTES = 256 * 1024;
/** Blob requests one review may make through the API (the tree is one more). */
export const MAX_BLOB_REQUESTS = 120;
/** Blob requests in flight at once. */
const BLOB_CONCURRENCY = 6;
/** Hits one search returns. */
export const MAX_SEARCH_HITS = 30;

export interface SearchHit {
  path: string;
  line: number;
  text: string;
}

export interface SearchResult {
  hits: SearchHit[];
  /** Files searched, and files there are: the API path cannot read a whole large repository. */
  searched: number;
  total: number;
}

/**
 * The files of the pull request's head commit, wherever they come from (the checkout, the API, or the local
 * repository for the CLI). Their text is written by the PR's author: data, never instructions.
 */
export interface HeadFiles {
  /** Where the files come from, for the log. */
  readonly origin: string;
  /** Whether `search` reads every file (git), or only what its request budget allows (the API). */
  readonly searchesAll: boolean;
  /** Every regular file at the head (no symlinks, no submodules). */
  paths(): Promise<readonly string[]>;
  /** A file's text; undefined when it is absent, binary, larger than MAX_CONTEXT_FILE_BYTES, or out of requests. */
  read(path: string): Promise<string | undefined>;
  /** Lines that contain `text` (plain, case-sensitive), in path order. */
  search(text: string, maxHits?: number): Promise<SearchResult>;
}

/** A file reader that reads each path once: later calls share the first call's answer. */
function once(read: (path: string) => Promise<string | undefined>): (path: string) => Promise<string | undefined> {
  const cache = new Map<string, Promise<string | undefined>>();
  return (path) => {
    let text = cache.get(path);
    if (!text) cache.set(path, (text = read(path)));
    return text;
  };
}

function isText(text: string): boolean {
  return !text.includes('\u0000');
}

/** Search over files already read: the common part of every HeadFiles. */
function grep(files: Iterable<[string, string | undefined]>, needle: string, maxHits: number): SearchHit[] {
  const hits: SearchHit[] = [];
  for (const [path, text] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (text === undefined || !text.includes(needle)) continue;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length && hits.length < maxHits; i++) {
      if (lines[i]?.includes(needle)) hits.push({ path, line: i + 1, text: lines[i] ?? '' });
    }
    if (hits.length >= maxHits) break;
  }
  return hits;
}

/** Characters of `git grep` output one search reads at most (a bound on its time; memory is bounded per line). */
export const MAX_GREP_BYTES = 64 * 1024 * 1024;
/** Characters of one line of output kept: a hit in a huge one-line file does not fill memory. */
const MAX_GREP_LINE = 4096;
/** Characters of a hit's line kept (the model is shown fewer). */
const MAX_HIT_LINE = 1000;
/** Searches in flight at once, per source of files: a round of parallel tool calls runs them in turn. */
const SEARCH_CONCURRENCY = 2;

/**
 * `git grep` for a plain text, binary files skipped: in a commit, or in the working tree with its untracked
 * files (not the ignored ones). Streamed: it stops at `maxHits` hits that `accept` takes, or after
 * MAX_GREP_BYTES of output, and keeps MAX_GREP_LINE characters of a line. The hits in path and line order.
 */
function gitGrep(
  cwd: string,
  needle: string,
  where: { commit: string } | { untracked: true },
  accept: (path: string) => boolean,
  maxHits: number,
): Promise<SearchHit[]> {
  const args = ['grep', '-I', '-n', '-F', '-z', '--no-color', `--max-count=${maxHits}`];
  if ('untracked' in where) args.push('--untracked');
  args.push('-e', needle, ...('commit' in where ? [where.commit] : []), '--');
  // A hit in a commit is named `<commit>:<path>`.
  const prefix = 'commit' in where ? `${where.commit}:` : '';
  const hits: SearchHit[] = [];
  const take = (line: string): void => {
    const [name = '', number = '0', ...text] = line.split('\u0000');
    const path = name.slice(prefix.length);
    if (name.startsWith(prefix) && path && accept(path)) {
      hits.push({ path, line: Number(number), text: text.join('\u0000').slice(0, MAX_HIT_LINE) });
    }
  };
  return new Promise((done) => {
    const child = spawn('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    let pending = '';
    let bytes = 0;
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      child.kill();
      done(hits.slice(0, maxHits).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line)));
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (settled) return;
      bytes += chunk.length;
      let start = 0;
      for (let end = chunk.indexOf('\n'); end >= 0; end = chunk.indexOf('\n', start)) {
        take(pending + chunk.slice(start, end));
        pending = '';
        start = end + 1;
        if (hits.length >= maxHits) {
          finish();
          return;
        }
      }
      // A line is kept up to MAX_GREP_LINE characters (its path, number and the start of its text).
      if (pending.length < MAX_GREP_LINE) pending += chunk.slice(start, start + MAX_GREP_LINE - pending.length);
      if (bytes > MAX_GREP_BYTES) finish();
    });
    child.on('close', () => {
      if (!settled && pending) take(pending);
      finish();
    });
    child.on('error', finish);
  });
}

/** Paths and sizes of the regular files of a commit, from `git ls-tree -r -l -z`. */
async function lsTree(cwd: string, commit: string): Promise<Map<string, number>> {
  const out = await git(cwd, ['ls-tree', '-r', '-l', '-z', commit]);
  const files = new Map<string, number>();
  for (const entry of out.split('\u0000')) {
    const match = /^(\d+) blob [0-9a-f]+ +(\d+)\t(.+)$/s.exec(entry);
    if (match && (match[1] === '100644' || match[1] === '100755')) files.set(match[3] ?? '', Number(match[2]));
  }
  return files;
}

/**
 * A commit's files from a git repository on disk: the checkout the workflow made (when it holds the head
 * commit) or the CLI's repository at `--head`. Read from git's objects, not the working tree, so a symlink in
 * the PR is never followed out of the repository.
 */
export function gitHeadFiles(cwd: string, commit: string): HeadFiles {
  let listing: Promise<Map<string, number>> | undefined;
  const list = (): Promise<Map<string, number>> => (listing ??= lsTree(cwd, commit));
  const read = async (path: string): Promise<string | undefined> => {
    const size = (await list()).get(path);
    if (size === undefined || size > MAX_CONTEXT_FILE_BYTES) return undefined;
    const text = await git(cwd, ['cat-file', 'blob', `${commit}:${path}`]).catch(() => undefined);
    return text !== undefined && isText(text) ? text : undefined;
  };
  const searches = pLimit(SEARCH_CONCURRENCY);
  return {
    origin: `the git repository at ${commit.slice(0, 12)}`,
    searchesAll: true,
    paths: async () => [...(await list()).keys()],
    read: once(read),
    search: (needle, maxHits = MAX_SEARCH_HITS) =>
      searches(async () => {
        const files = await list();
        // git grep at the commit: every file searched, none written to disk.
        const accept = (path: string): boolean => {
          const size = files.get(path);
          return size !== undefined && size <= MAX_CONTEXT_FILE_BYTES;
        };
        const hits = await gitGrep(cwd, needle, { commit }, accept, maxHits);
        return { hits, searched: files.size, total: files.size };
      }),
  };
}

/** Whether `commit` is in the git repository at `cwd` (a checkout of the PR's head, or one that fetched it). */
export async function hasCommit(cwd: string, commit: string): Promise<boolean> {
  return git(cwd, ['cat-file', '-e', `${commit}^{commit}`]).then(
    () => true,
    () => false,
  );
}

/** The top folder of the git repository `cwd` is in. */
export async function repositoryRoot(cwd: string): Promise<string> {
  return (await git(cwd, ['rev-parse', '--show-toplevel'])).trim();
}

/**
 * Where a review's head files come from: the checkout at `workspace` when it holds the head commit (any
 * `actions/checkout` that fetched it), else `fallback` (the API). Read from git's objects at that commit, so a
 * checkout of the merge commit still gives the head's files.
 */
export async function checkoutOr(
  workspace: string | undefined,
  commit: string,
  fallback: () => HeadFiles,
): Promise<HeadFiles> {
  if (workspace && (await hasCommit(workspace, commit))) {
    const root = await repositoryRoot(workspace).catch(() => undefined);
    if (root) return gitHeadFiles(root, commit);
  }
  return fallback();
}

/**
 * The CLI's working tree (its default head): tracked and untracked files that git does not ignore, read from
 * disk. A symlink is not followed, and no path leaves the repository.
 */
export function worktreeFiles(cwd: string): HeadFiles {
  const root = resolve(cwd);
  let listing: Promise<Set<string>> | undefined;
  const list = (): Promise<Set<string>> =>
    (listing ??= git(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']).then(
      (out) => new Set(out.split('\u0000').filter(Boolean)),
    ));
  const read = async (path: string): Promise<string | undefined> => {
    const full = resolve(root, path);
    const inside = relative(root, full);
    if (inside.startsWith('..') || isAbsolute(inside) || !(await list()).has(path)) return undefined;
    const stat = await lstat(full).catch(() => undefined);
    if (!stat?.isFile() || stat.size > MAX_CONTEXT_FILE_BYTES) return undefined;
    const text = await readFile(full, 'utf8').catch(() => undefined);
    return text !== undefined && isText(text) ? text : undefined;
  };
  const searches = pLimit(SEARCH_CONCURRENCY);
  return {
    origin: `the working tree of ${root}`,
    searchesAll: true,
    paths: async () => [...(await list())],
    read: once(read),
    search: (needle, maxHits = MAX_SEARCH_HITS) =>
      searches(async () => {
        const paths = await list();
        // git grep over the working tree, untracked files too, ignored files not.
        const hits = await gitGrep(root, needle, { untracked: true }, (path) => paths.has(path), maxHits);
        return { hits, searched: paths.size, total: paths.size };
      }),
  };
}

export interface ApiFilesOptions {
  owner: string;
  repo: string;
  commit: string;
  /** Blob requests allowed (default MAX_BLOB_REQUESTS). */
  maxRequests?: number;
  log?: (message: string) => void;
}

interface TreeEntry {
  sha: string;
  size: number;
}

/**
 * A commit's files through the REST API: one recursive tree request, then one blob request a file, each file
 * fetched once, at most `maxRequests` blobs in all. A search reads the files already fetched and, while the
 * budget lasts, the files nearest the ones already read.
 */
export function apiHeadFiles(octokit: Octokit, options: ApiFilesOptions): HeadFiles {
  const budget = { left: options.maxRequests ?? MAX_BLOB_REQUESTS };
  const limit = pLimit(BLOB_CONCURRENCY);
  let tree: Promise<Map<string, TreeEntry>> | undefined;
  const list = (): Promise<Map<string, TreeEntry>> => (tree ??= treeOf(octokit, options));
  const cache = new Map<string, Promise<string | undefined>>();
  /** A blob's text: a failed tree request fails the read (and the context stage says so); a failed blob is left out. */
  const fetchBlob = async (path: string): Promise<string | undefined> => {
    const entry = (await list()).get(path);
    if (!entry || entry.size > MAX_CONTEXT_FILE_BYTES || budget.left <= 0) return undefined;
    budget.left -= 1;
    return limit(() => blobText(octokit, options, path, entry));
  };
  const read = (path: string): Promise<string | undefined> => {
    let text = cache.get(path);
    if (!text) cache.set(path, (text = fetchBlob(path)));
    return text;
  };
  return {
    origin: `the GitHub API at ${options.commit.slice(0, 12)}`,
    searchesAll: false,
    paths: async () => [...(await list()).keys()],
    read,
    search: async (needle, maxHits = MAX_SEARCH_HITS) => {
      const files = await list();
      for (const path of nearestUnread(files, cache).slice(0, Math.max(0, budget.left))) void read(path);
      const texts = await Promise.all(
        [...cache.keys()].map(async (p) => [p, await read(p)] as [string, string | undefined]),
      );
      const searched = texts.filter(([, t]) => t !== undefined).length;
      return { hits: grep(texts, needle, maxHits), searched, total: files.size };
    },
  };
}

/** The commit's regular files (no symlinks, no submodules), from one recursive tree request. */
async function treeOf(octokit: Octokit, options: ApiFilesOptions): Promise<Map<string, TreeEntry>> {
  const { data } = await octokit.rest.git.getTree({
    owner: options.owner,
    repo: options.repo,
    tree_sha: options.commit,
    recursive: 'true',
  });
  if (data.truncated)
    options.log?.('the head commit has more files than GitHub lists in one tree; some are not searched');
  const files = new Map<string, TreeEntry>();
  for (const entry of data.tree) {
    const regular = entry.mode === '100644' || entry.mode === '100755';
    if (entry.type === 'blob' && entry.path && entry.sha && regular) {
      files.set(entry.path, { sha: entry.sha, size: entry.size ?? 0 });
    }
  }
  return files;
}

/** One blob as text; undefined (and a log line) when it cannot be read, undefined when it is binary. */
async function blobText(
  octokit: Octokit,
  options: ApiFilesOptions,
  path: string,
  entry: TreeEntry,
): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.git.getBlob({ owner: options.owner, repo: options.repo, file_sha: entry.sha });
    const text = Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
    return isText(text) ? text : undefined;
  } catch (error) {
    options.log?.(`could not read ${path} at the head: ${errorText(error)}`);
    return undefined;
  }
}

/** The files not read yet, those beside the ones read first, then those of the same kind. */
function nearestUnread(files: ReadonlyMap<string, TreeEntry>, read: ReadonlyMap<string, unknown>): string[] {
  const seen = [...read.keys()];
  const dirs = new Set(seen.map((p) => p.slice(0, p.lastIndexOf('/') + 1)));
  const exts = new Set(seen.map(extensionOf));
  const rank = (p: string): number =>
    (dirs.has(p.slice(0, p.lastIndexOf('/') + 1)) ? 0 : 2) + (exts.has(extensionOf(p)) ? 0 : 1);
  return [...files.keys()].filter((p) => !read.has(p)).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
}

export function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.includes('.') ? name.slice(name.lastIndexOf('.')) : '';
}
