import type { StoredComment } from './github.js';

/** A reaction as GitHub lists it on a review comment. */
export interface StoredReaction {
  id: number;
  content: string;
  user: { login: string; type: string };
}

/** A comment of a closed pull request, with what GitHub adds to it: who wrote it and their association. */
export interface PastComment extends StoredComment {
  author_association?: string;
}

/** A pull request closed before this run: its review comments, threads and reactions. */
export interface PastPull {
  number: number;
  merged: boolean;
  closedAt: string;
  comments: PastComment[];
  /** Root comment ids of resolved threads. */
  resolved: Set<number>;
}

/** A pull request the token opened (the learn mode's proposal). */
export interface OpenedPull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  html_url: string;
  state: 'open' | 'closed';
  merged_at: string | null;
  user: { login: string };
}

type Send = (status: number, payload: unknown, headers?: Record<string, string>) => void;
type Paged = (items: unknown[]) => void;

/** A pull request's review threads as GraphQL lists them: each root comment with its replies. */
export function threadNodes(comments: readonly StoredComment[], resolved: ReadonlySet<number>): unknown[] {
  return comments
    .filter((c) => c.in_reply_to_id === undefined && c.subject_type !== 'file')
    .map((root) => {
      const thread = [root, ...comments.filter((c) => c.in_reply_to_id === root.id)];
      return {
        id: `T_${root.id}`,
        isResolved: resolved.has(root.id),
        isOutdated: root.outdated === true,
        comments: {
          totalCount: thread.length,
          nodes: thread.map((c) => ({ author: { login: c.user.login.replace(/\[bot\]$/, '') }, body: c.body })),
        },
      };
    });
}

const REACTION_KEYS = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'];

/**
 * The repository beyond one pull request, as GitHub serves it: closed pull requests with their review
 * comments, reactions (listed, and rolled up on each comment) and threads; collaborators' permissions; the
 * default branch, refs and file writes on branches; pull requests opened by the token.
 */
export class FakeHistory {
  readonly pulls: PastPull[] = [];
  readonly reactions = new Map<number, StoredReaction[]>();
  /** Permission by login; a login not here is not a collaborator (404). */
  readonly permissions: Record<string, 'admin' | 'maintain' | 'write' | 'triage' | 'read'> = {};
  readonly defaultBranch = 'main';
  /** Branch heads by name. */
  readonly refs: Record<string, string> = { main: 'c'.repeat(40) };
  readonly opened: OpenedPull[] = [];
  /** Commits written through the contents API: branch, path, message, text. */
  readonly commits: { branch: string; path: string; message: string; text: string }[] = [];
  /** The token may not open pull requests ("Allow GitHub Actions to create and approve pull requests" is off). */
  pullCreationDenied = false;

  constructor(
    private readonly files: Record<string, Record<string, string>>,
    private readonly id: () => number,
    /** The login the token writes as. */
    private readonly login: () => string,
  ) {}

  /** A closed pull request, its comments as given (their reactions rolled up when listed). */
  close(number: number, comments: readonly StoredComment[], facts: { merged: boolean; closedAt: string }): PastPull {
    const pull: PastPull = { number, ...facts, comments: comments.map((c) => ({ ...c })), resolved: new Set() };
    this.pulls.push(pull);
    return pull;
  }

  react(commentId: number, content: string, login: string): void {
    const list = this.reactions.get(commentId) ?? [];
    list.push({ id: this.id(), content, user: { login, type: 'User' } });
    this.reactions.set(commentId, list);
  }

  /** The operation id whose OpenAPI body schema a write is validated against. */
  operationOf(method: string, path: string, base: string): string | undefined {
    if (method === 'POST' && path === `${base}/pulls`) return 'pulls/create';
    if (method === 'PATCH' && new RegExp(`^${base}/pulls/\\d+$`).test(path)) return 'pulls/update';
    if (method === 'POST' && path === `${base}/git/refs`) return 'git/create-ref';
    if (method === 'PATCH' && path.startsWith(`${base}/git/refs/`)) return 'git/update-ref';
    if (method === 'PUT' && path.startsWith(`${base}/contents/`)) return 'repos/create-or-update-file-contents';
    return undefined;
  }

  /** Review threads of a closed pull request, as GraphQL nodes; undefined for one it does not hold. */
  threads(number: number): unknown[] | undefined {
    const pull = this.pulls.find((p) => p.number === number);
    return pull ? threadNodes(pull.comments, pull.resolved) : undefined;
  }

  /** Answers a request about the repository; false when it is not one of these routes. */
  handle(method: string, url: URL, body: unknown, base: string, send: Send, paged: Paged): boolean {
    const path = url.pathname;
    const pastComments = new RegExp(`^${base}/pulls/(\\d+)/comments$`).exec(path);
    const pull = pastComments ? this.pulls.find((p) => p.number === Number(pastComments[1])) : undefined;
    const reactions = new RegExp(`^${base}/pulls/comments/(\\d+)/reactions$`).exec(path);
    const permission = new RegExp(`^${base}/collaborators/([^/]+)/permission$`).exec(path);
    if (method === 'GET' && path === base) send(200, { full_name: base.slice(7), default_branch: this.defaultBranch });
    else if (method === 'GET' && path === `${base}/pulls`) this.listPulls(url, paged);
    else if (method === 'GET' && pull) paged(pull.comments.map((c) => this.withRollup(c, pull.number, base)));
    else if (method === 'GET' && reactions) paged(this.reactions.get(Number(reactions[1])) ?? []);
    else if (method === 'GET' && permission) this.permission(decodeURIComponent(permission[1] ?? ''), send);
    else if (path.startsWith(`${base}/git/ref`))
      this.ref(method, decodeURIComponent(path.slice(base.length)), body, send);
    else if (method === 'PUT' && path.startsWith(`${base}/contents/`))
      this.write(decodeURIComponent(path.slice(`${base}/contents/`.length)), body, send);
    else if (method === 'POST' && path === `${base}/pulls`) this.open(body as OpenedPull, base, send, this.login());
    else if (method === 'PATCH' && new RegExp(`^${base}/pulls/\\d+$`).test(path)) {
      const found = this.opened.find((p) => p.number === Number(path.split('/').pop()));
      if (found) Object.assign(found, body);
      send(found ? 200 : 404, found ?? { message: 'Not Found' });
    } else return false;
    return true;
  }

  /** A comment as `GET /pulls/{n}/comments` lists it: its link, and its reactions counted by kind. */
  private withRollup(c: PastComment, number: number, base: string): unknown {
    const list = this.reactions.get(c.id) ?? [];
    const counts = Object.fromEntries(REACTION_KEYS.map((k) => [k, list.filter((r) => r.content === k).length]));
    return {
      ...c,
      html_url: `https://github.com/${base.slice(7)}/pull/${number}#discussion_r${c.id}`,
      author_association: c.author_association ?? 'NONE',
      reactions: { url: '', total_count: list.length, ...counts },
    };
  }

  private listPulls(url: URL, paged: Paged): void {
    const head = url.searchParams.get('head');
    if (head) {
      const branch = head.split(':').pop();
      const state = url.searchParams.get('state') ?? 'open';
      paged(this.opened.filter((p) => p.head === branch && (state === 'all' || p.state === state)));
      return;
    }
    const closed = [...this.pulls]
      .sort((a, b) => b.closedAt.localeCompare(a.closedAt))
      .map((p) => ({
        number: p.number,
        state: 'closed',
        updated_at: p.closedAt,
        closed_at: p.closedAt,
        merged_at: p.merged ? p.closedAt : null,
      }));
    paged(url.searchParams.get('state') === 'closed' ? closed : []);
  }

  private permission(login: string, send: Send): void {
    const level = this.permissions[login];
    if (!level) send(404, { message: `${login} is not a user` });
    // GitHub's `permission` folds maintain into write and triage into read; `role_name` keeps them.
    else
      send(200, {
        permission: level === 'maintain' ? 'write' : level === 'triage' ? 'read' : level,
        role_name: level,
        user: { login },
      });
  }

  /** `GET /git/ref/heads/{b}`, `POST /git/refs`, `PATCH /git/refs/heads/{b}`: a branch's files follow its head. */
  private ref(method: string, path: string, body: unknown, send: Send): void {
    const given = body as { ref?: string; sha?: string; force?: boolean } | undefined;
    const name =
      method === 'POST' ? (given?.ref ?? '').replace(/^refs\/heads\//, '') : path.replace(/^\/git\/refs?\/heads\//, '');
    const exists = this.refs[name] !== undefined;
    if (method === 'GET') {
      send(
        exists ? 200 : 404,
        exists ? { ref: `refs/heads/${name}`, object: { sha: this.refs[name] } } : { message: 'Not Found' },
      );
      return;
    }
    if ((method === 'POST') === exists) {
      send(method === 'POST' ? 422 : 404, { message: method === 'POST' ? 'Reference already exists' : 'Not Found' });
      return;
    }
    const sha = given?.sha ?? '';
    const from = Object.keys(this.refs).find((b) => this.refs[b] === sha);
    this.refs[name] = sha;
    this.files[name] = { ...(from ? this.files[from] : {}) };
    send(method === 'POST' ? 201 : 200, { ref: `refs/heads/${name}`, object: { sha } });
  }

  /** `PUT /contents/{path}`: the blob's current sha is required to replace a file, as on GitHub. */
  private write(path: string, body: unknown, send: Send): void {
    const given = body as { branch?: string; sha?: string; message: string; content: string };
    const branch = given.branch ?? this.defaultBranch;
    const files = this.files[branch];
    if (!files) {
      send(404, { message: `Branch ${branch} not found` });
      return;
    }
    if (files[path] !== undefined && given.sha !== `blob-${path}`) {
      send(409, { message: `${path} does not match ${given.sha ?? '(no sha)'}` });
      return;
    }
    const text = Buffer.from(given.content, 'base64').toString('utf8');
    const created = files[path] === undefined;
    files[path] = text;
    this.commits.push({ branch, path, message: given.message, text });
    send(created ? 201 : 200, { content: { path, sha: `blob-${path}` } });
  }

  /** A maintainer closes (or merges) a pull request the token opened. */
  closeOpened(number: number, merged: boolean): void {
    const found = this.opened.find((p) => p.number === number);
    if (found) Object.assign(found, { state: 'closed', merged_at: merged ? new Date().toISOString() : null });
  }

  private open(body: OpenedPull, base: string, send: Send, by: string): void {
    if (this.pullCreationDenied) {
      send(403, { message: 'GitHub Actions is not permitted to create or approve pull requests.' });
      return;
    }
    const number = this.id();
    const html_url = `https://github.com/${base.slice(7)}/pull/${number}`;
    const opened: OpenedPull = { ...body, number, html_url, state: 'open', merged_at: null, user: { login: by } };
    this.opened.push(opened);
    send(201, opened);
  }
}
