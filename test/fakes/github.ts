import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLocal, readBody, type LocalServer } from './http.js';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { validate as validateGraphql } from '@octokit/graphql-schema';
import type { ChangedFile } from '../../src/core/pull-request.js';
import { FakeHistory, threadNodes } from './history.js';

/** Request-body schemas from GitHub's OpenAPI description (scripts/extract-openapi.ts). */
const openapi = JSON.parse(readFileSync(new URL('../fixtures/github-openapi.json', import.meta.url), 'utf8')) as {
  requestBodies: Record<string, object>;
};
// Formats (date-time, uri) are not checked: ajv knows none without ajv-formats, and GitHub's bodies we send carry none.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const validators: Record<string, ValidateFunction> = Object.fromEntries(
  Object.entries(openapi.requestBodies).map(([operation, schema]) => [operation, ajv.compile(schema)]),
);

/** A check run as the fake keeps it: the fields last sent, and every annotation of every request. */
export interface StoredCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status?: string;
  conclusion?: string;
  output?: { title?: string; summary?: string };
  annotations: object[];
}

/** A request the fake received, for assertions. */
export interface Recorded {
  method: string;
  path: string;
  body: unknown;
  status: number;
}

export interface FakePullRequest {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  headSha: string;
  baseSha: string;
  draft?: boolean;
  headRepo?: string;
  /** `changed_files` as GitHub reports it; defaults to the number of files. */
  changedFiles?: number;
  files: ChangedFile[];
}

export interface StoredComment {
  id: number;
  body: string;
  path?: string;
  line?: number | null;
  side?: string;
  subject_type?: string;
  pull_request_review_id?: number | null;
  /** A reply: the comment that started the thread. */
  in_reply_to_id?: number;
  /** GitHub marked it outdated: a push changed or removed its line (its `line` is then null). */
  outdated?: boolean;
  /** The text of its line when it was posted, to tell when a push changed it. */
  lineText?: string;
  user: { login: string; type?: string };
}

export interface StoredReview {
  id: number;
  body: string;
  /** COMMENT, REQUEST_CHANGES, or PENDING (created without an event; only its author sees it). */
  event: string;
  commit_id: string;
  comments: unknown[];
  user: { login: string };
}

/**
 * Who the token is. `GITHUB_TOKEN` and app installation tokens get 403 on `GET /user` and answer GraphQL
 * `viewer` as a Bot (whose GraphQL login has no `[bot]` suffix); a personal token answers both as a User.
 */
export interface FakeIdentity {
  /** The login REST shows on the comments the token writes. */
  login: string;
  kind: 'bot' | 'user';
  /** GraphQL `viewer` fails too (e.g. a GHES without it): the action must fall back. */
  graphqlFails?: boolean;
}

/**
 * The lines GitHub lets a review comment sit on, computed from the raw patch text on its own (not with the
 * code under test): per side, every line a hunk shows.
 */
export function linesInPatch(patch: string | undefined): { LEFT: Set<number>; RIGHT: Set<number> } {
  const sides = { LEFT: new Set<number>(), RIGHT: new Set<number>() };
  let oldLine = 0;
  let newLine = 0;
  for (const line of (patch ?? '').split('\n')) {
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (header) {
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
    } else if (line.startsWith('+')) sides.RIGHT.add(newLine++);
    else if (line.startsWith('-')) sides.LEFT.add(oldLine++);
    else if (line.startsWith('\\') || line === '') continue;
    else {
      sides.LEFT.add(oldLine++);
      sides.RIGHT.add(newLine++);
    }
  }
  return sides;
}

/** The text of a line of a patch on a side, or undefined when the patch does not show it. */
export function lineTextIn(patch: string | undefined, side: string, line: number): string | undefined {
  let oldLine = 0;
  let newLine = 0;
  for (const l of (patch ?? '').split('\n')) {
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(l);
    if (header) {
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      continue;
    }
    if (l.startsWith('\\')) continue;
    const mark = l[0];
    const text = l.slice(1);
    if (mark === '+') {
      if (side === 'RIGHT' && newLine === line) return text;
      newLine++;
    } else if (mark === '-') {
      if (side === 'LEFT' && oldLine === line) return text;
      oldLine++;
    } else {
      if ((side === 'RIGHT' && newLine === line) || (side === 'LEFT' && oldLine === line)) return text;
      oldLine++;
      newLine++;
    }
  }
  return undefined;
}

/**
 * A fake GitHub REST API on 127.0.0.1 for one pull request: pulls.get, paginated listFiles and
 * listReviewComments, createReview (422 "Line could not be resolved" for any comment outside the diff,
 * like GitHub), and issue comments (list, create, update).
 */
export class FakeGitHub {
  readonly requests: Recorded[] = [];
  readonly reviews: StoredReview[] = [];
  readonly reviewComments: StoredComment[] = [];
  readonly issueComments: StoredComment[] = [];
  readonly token = 'ghs_faketoken123';
  /**
   * Scripted refusals: a request that matches gets this status, message and headers, as GitHub sends them;
   * `times` limits how often (default: always); `afterCreate` carries the request out first, as GitHub
   * sometimes does before answering with a secondary rate limit.
   */
  readonly refusals: {
    method: string;
    path: RegExp;
    status: number;
    message: string;
    headers?: Record<string, string>;
    times?: number;
    afterCreate?: boolean;
  }[] = [];
  /** Comments GitHub refuses although their line is in the diff (returns the reason), e.g. a diff it sees differently. */
  refuseComment: ((comment: { path: string; line: number; side?: string }) => string | undefined) | undefined;
  identity: FakeIdentity = { login: 'github-actions[bot]', kind: 'bot' };
  /** Answers of `GET /compare/{base}...{head}`, by `base...head`. */
  readonly compares: Record<string, { status: string; files: ChangedFile[] }> = {};
  /** Reactions added, as `kind:commentId:content`. */
  readonly reactions: string[] = [];
  /** Review threads resolved, by their root comment's id. */
  readonly resolvedThreads = new Set<number>();
  /** Requests whose path matches wait this long before they are answered (a slow API). */
  readonly delays: { path: RegExp; ms: number }[] = [];
  /** Check runs created on the pull request's commits, with every annotation sent. */
  readonly checkRuns: StoredCheckRun[] = [];
  /** The token may not write checks (no `checks: write`): the checks API answers 403. */
  checksDenied = false;
  /** Files of the repository by commit SHA, then path: what the contents API serves. */
  readonly repoFiles: Record<string, Record<string, string>> = {};
  private server: LocalServer | undefined;
  private nextId = 1000;
  /** The repository's closed pull requests, collaborators, branches and opened pull requests (the learn mode). */
  readonly history = new FakeHistory(
    this.repoFiles,
    () => this.nextId++,
    () => this.identity.login,
  );

  constructor(readonly pr: FakePullRequest) {}

  /** Back to a pull request with no review, comment, refusal or request, so one server can serve many runs. */
  reset(): void {
    for (const list of [
      this.requests,
      this.reviews,
      this.reviewComments,
      this.issueComments,
      this.refusals,
      this.checkRuns,
    ]) {
      list.length = 0;
    }
    this.refuseComment = undefined;
    this.identity = { login: 'github-actions[bot]', kind: 'bot' };
  }

  /**
   * The checks API: list by ref and name, create, update. As GitHub: the annotations of an update are appended
   * (their count a request and the summary's length are checked against the OpenAPI schema before); 403
   * without `checks: write`.
   */
  private checks(method: string, url: URL, body: unknown, send: (status: number, payload: unknown) => void): void {
    if (this.checksDenied) {
      send(403, { message: 'Resource not accessible by integration' });
      return;
    }
    const listed = /\/commits\/([^/]+)\/check-runs$/.exec(url.pathname);
    if (method === 'GET' && listed) {
      const name = url.searchParams.get('check_name');
      const runs = this.checkRuns.filter((r) => r.head_sha === listed[1] && (!name || r.name === name));
      send(200, { total_count: runs.length, check_runs: runs });
      return;
    }
    const given = body as Partial<StoredCheckRun> & { output?: { annotations?: unknown[] } };
    // At most 50 annotations a request, a summary of at most 65,535 characters: the OpenAPI schema checked both.
    const annotations = given.output?.annotations ?? [];
    const id = Number(url.pathname.split('/').pop());
    const run = method === 'POST' ? undefined : this.checkRuns.find((r) => r.id === id);
    if (method === 'PATCH' && !run) {
      send(404, { message: 'Not Found' });
      return;
    }
    const stored: StoredCheckRun = run ?? { id: this.nextId++, name: '', head_sha: '', annotations: [] };
    if (!run) this.checkRuns.push(stored);
    Object.assign(stored, { ...given, annotations: [...stored.annotations, ...(annotations as object[])] });
    send(run ? 200 : 201, stored);
  }

  get url(): string {
    if (!this.server) throw new Error('the fake GitHub is not started');
    return this.server.url;
  }

  async start(): Promise<this> {
    this.server = await listenLocal(
      (req, res) => this.handle(req, res),
      (error) => ({ message: `fake GitHub failed: ${String(error)}` }),
    );
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }

  count(method: string, pattern: RegExp): number {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path)).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const body: unknown = text ? JSON.parse(text) : undefined;
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const delay = this.delays.find((d) => d.path.test(url.pathname));
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay.ms));
    const refusal = this.refusals.find((r) => r.method === method && r.path.test(url.pathname));
    if (refusal?.times !== undefined && --refusal.times <= 0) this.refusals.splice(this.refusals.indexOf(refusal), 1);
    const refused = refusal
      ? {
          status: refusal.status,
          payload: { message: refusal.message, documentation_url: 'https://docs.github.com/rest' },
          headers: refusal.headers ?? {},
        }
      : undefined;
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      const answer = refused && refusal?.afterCreate ? refused : { status, payload, headers };
      this.requests.push({ method, path: url.pathname, body, status: answer.status });
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
      res.end(JSON.stringify(answer.payload));
    };
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${this.token}` && auth !== `Bearer ${this.token}`) {
      send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      return;
    }
    if (refused && !refusal?.afterCreate) {
      send(refused.status, refused.payload, refused.headers);
      return;
    }
    const { owner, repo, number } = this.pr;
    const base = `/repos/${owner}/${repo}`;
    const operation =
      method === 'POST' && url.pathname === `${base}/pulls/${number}/reviews`
        ? 'pulls/create-review'
        : method === 'POST' && url.pathname === `${base}/issues/${number}/comments`
          ? 'issues/create-comment'
          : method === 'PATCH' && url.pathname.startsWith(`${base}/issues/comments/`)
            ? 'issues/update-comment'
            : method === 'POST' && url.pathname === `${base}/pulls/${number}/comments`
              ? 'pulls/create-review-comment'
              : method === 'POST' && /\/pulls\/\d+\/comments\/\d+\/replies$/.test(url.pathname)
                ? 'pulls/create-reply-for-review-comment'
                : method === 'POST' && url.pathname === `${base}/check-runs`
                  ? 'checks/create'
                  : method === 'PATCH' && url.pathname.startsWith(`${base}/check-runs/`)
                    ? 'checks/update'
                    : this.history.operationOf(method, url.pathname, base);
    const validate = operation ? validators[operation] : undefined;
    if (validate && !validate(body)) {
      // What GitHub answers to a body its schema rejects.
      send(422, {
        message: 'Invalid request.',
        errors: validate.errors,
        documentation_url: 'https://docs.github.com/rest',
      });
      return;
    }
    if (
      operation &&
      typeof (body as { body?: unknown }).body === 'string' &&
      (body as { body: string }).body.length > 65_536
    ) {
      send(422, {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'IssueComment',
            code: 'custom',
            field: 'body',
            message: 'body is too long (maximum is 65536 characters)',
          },
        ],
      });
      return;
    }
    const page = Number(url.searchParams.get('page') ?? '1');
    const perPage = Number(url.searchParams.get('per_page') ?? '30');
    const paged = (items: unknown[]): void => {
      const slice = items.slice((page - 1) * perPage, page * perPage);
      const last = Math.max(1, Math.ceil(items.length / perPage));
      const links: string[] = [];
      const link = (p: number, rel: string): string => {
        const next = new URL(url);
        next.searchParams.set('page', String(p));
        return `<${next.toString()}>; rel="${rel}"`;
      };
      if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
      send(200, slice, links.length ? { link: links.join(', ') } : {});
    };

    const me = { login: this.identity.login, type: this.identity.kind === 'bot' ? 'Bot' : 'User' };
    const reviewPath = new RegExp(`^${base}/pulls/${number}/reviews/(\\d+)$`).exec(url.pathname);
    if (url.pathname.includes('/check-runs')) {
      this.checks(method, url, body, send);
    } else if (method === 'GET' && url.pathname === '/user') {
      if (this.identity.kind === 'bot') send(403, { message: 'Resource not accessible by integration' });
      else send(200, { login: this.identity.login, id: 1, type: 'User' });
    } else if (method === 'POST' && url.pathname === '/graphql') {
      this.graphql(body as { query: string; variables?: Record<string, unknown> }, send);
    } else if (method === 'GET' && url.pathname === `${base}/pulls/${number}/reviews`) {
      paged(
        this.reviews
          .filter((r) => r.event !== 'PENDING' || r.user.login === me.login)
          .map((r) => ({
            id: r.id,
            body: r.body,
            commit_id: r.commit_id,
            state: r.event === 'PENDING' ? 'PENDING' : 'COMMENTED',
            user: r.user,
          })),
      );
    } else if (method === 'DELETE' && reviewPath) {
      const index = this.reviews.findIndex((r) => r.id === Number(reviewPath[1]));
      const review = this.reviews[index];
      if (!review) send(404, { message: 'Not Found' });
      else if (review.event !== 'PENDING')
        send(422, { message: 'Unprocessable Entity', errors: ['Can not delete a non-pending review'] });
      else {
        this.reviews.splice(index, 1);
        send(200, { id: review.id, state: 'PENDING' });
      }
    } else if (method === 'DELETE' && /^\/repos\/[^/]+\/[^/]+\/(issues|pulls)\/comments\/\d+$/.test(url.pathname)) {
      const id = Number(url.pathname.split('/').pop());
      const list = url.pathname.includes('/issues/') ? this.issueComments : this.reviewComments;
      const index = list.findIndex((c) => c.id === id);
      if (index < 0) send(404, { message: 'Not Found' });
      else if (list[index]?.user.login !== this.identity.login) send(403, { message: 'Must be the author' });
      else {
        list.splice(index, 1);
        send(204, {});
      }
    } else if (method === 'PUT' && reviewPath) {
      const review = this.reviews.find((r) => r.id === Number(reviewPath[1]));
      if (!review) send(404, { message: 'Not Found' });
      else {
        review.body = (body as { body: string }).body;
        send(200, { id: review.id, body: review.body });
      }
    } else if (method === 'POST' && url.pathname === `${base}/pulls/${number}/comments`) {
      this.createFileComment(body as { path: string; body: string; subject_type?: string; commit_id: string }, send);
    } else if (method === 'GET' && /^\/repos\/[^/]+\/[^/]+\/pulls\/comments\/\d+$/.test(url.pathname)) {
      const comment = this.reviewComments.find((c) => c.id === Number(url.pathname.split('/').pop()));
      if (!comment) send(404, { message: 'Not Found' });
      else send(200, comment);
    } else if (method === 'POST' && /\/pulls\/\d+\/comments\/\d+\/replies$/.test(url.pathname)) {
      const rootId = Number(url.pathname.split('/').at(-2));
      const root = this.reviewComments.find((c) => c.id === rootId);
      if (!root) send(404, { message: 'Not Found' });
      else {
        const reply: StoredComment = {
          id: this.nextId++,
          body: (body as { body: string }).body,
          path: root.path,
          line: root.line,
          side: root.side,
          in_reply_to_id: root.id,
          user: { login: this.identity.login },
        };
        this.reviewComments.push(reply);
        send(201, reply);
      }
    } else if (method === 'POST' && /\/(issues|pulls)\/comments\/\d+\/reactions$/.test(url.pathname)) {
      const parts = url.pathname.split('/');
      this.reactions.push(`${parts.at(-4) ?? ''}:${parts.at(-2) ?? ''}:${(body as { content: string }).content}`);
      send(201, { id: this.nextId++, content: (body as { content: string }).content });
    } else if (method === 'GET' && url.pathname.startsWith(`${base}/compare/`)) {
      const basehead = decodeURIComponent(url.pathname.slice(`${base}/compare/`.length));
      const compare = this.compares[basehead];
      if (!compare) send(404, { message: 'Not Found' });
      else {
        send(200, {
          status: compare.status,
          ahead_by: 1,
          behind_by: compare.status === 'diverged' ? 1 : 0,
          files: compare.files.map((f, i) => ({ sha: `c${i}`, ...f, changes: f.additions + f.deletions })),
        });
      }
    } else if (method === 'GET' && url.pathname.startsWith(`${base}/git/trees/`)) {
      const sha = decodeURIComponent(url.pathname.slice(`${base}/git/trees/`.length));
      const files = this.repoFiles[sha];
      if (!files) send(404, { message: 'Not Found' });
      else {
        // GitHub's recursive tree: every blob with its mode, git object id and size (folders as tree entries).
        const dirs = new Set(
          Object.keys(files).flatMap((p) =>
            p
              .split('/')
              .slice(0, -1)
              .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
          ),
        );
        send(200, {
          sha,
          url: `${url.origin}${url.pathname}`,
          truncated: false,
          tree: [
            ...[...dirs].map((p) => ({ path: p, mode: '040000', type: 'tree', sha: gitBlobSha(p) })),
            ...Object.entries(files).map(([path, text]) => ({
              path,
              mode: path.endsWith('.link') ? '120000' : '100644',
              type: 'blob',
              sha: gitBlobSha(text),
              size: Buffer.byteLength(text),
            })),
          ],
        });
      }
    } else if (method === 'GET' && url.pathname.startsWith(`${base}/git/blobs/`)) {
      const sha = url.pathname.slice(`${base}/git/blobs/`.length);
      const text = Object.values(this.repoFiles)
        .flatMap((files) => Object.values(files))
        .find((t) => gitBlobSha(t) === sha);
      if (text === undefined) send(404, { message: 'Not Found' });
      else
        send(200, {
          sha,
          size: Buffer.byteLength(text),
          encoding: 'base64',
          content: Buffer.from(text).toString('base64'),
        });
    } else if (method === 'GET' && url.pathname.startsWith(`${base}/contents/`)) {
      const path = decodeURIComponent(url.pathname.slice(`${base}/contents/`.length));
      const ref = url.searchParams.get('ref') ?? 'HEAD';
      const text = this.repoFiles[ref]?.[path];
      if (text === undefined) send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
      else {
        send(200, {
          type: 'file',
          encoding: 'base64',
          size: Buffer.byteLength(text),
          name: path.split('/').pop(),
          path,
          sha: `blob-${path}`,
          content: Buffer.from(text).toString('base64'),
        });
      }
    } else if (method === 'GET' && url.pathname === `${base}/pulls/${number}`) {
      send(200, this.pullJson());
    } else if (method === 'GET' && url.pathname === `${base}/pulls/${number}/files`) {
      paged(
        this.pr.files.map((f, i) => ({
          sha: `sha${i}`,
          filename: f.filename,
          status: f.status,
          additions: f.additions,
          deletions: f.deletions,
          changes: f.additions + f.deletions,
          ...(f.patch !== undefined ? { patch: f.patch } : {}),
          ...(f.previous_filename ? { previous_filename: f.previous_filename } : {}),
        })),
      );
    } else if (method === 'GET' && url.pathname === `${base}/pulls/${number}/comments`) {
      // GitHub links each review comment to its place in the pull request's conversation.
      const page = `https://github.com/${this.pr.owner}/${this.pr.repo}/pull/${number}`;
      paged(this.reviewComments.map((c) => ({ ...c, html_url: `${page}#discussion_r${c.id}` })));
    } else if (method === 'POST' && url.pathname === `${base}/pulls/${number}/reviews`) {
      this.createReview(body as ReviewBody, send);
    } else if (method === 'GET' && url.pathname === `${base}/issues/${number}/comments`) {
      paged(this.issueComments);
    } else if (method === 'POST' && url.pathname === `${base}/issues/${number}/comments`) {
      const comment = {
        id: this.nextId++,
        body: (body as { body: string }).body,
        user: { login: this.identity.login, type: this.identity.kind === 'bot' ? 'Bot' : 'User' },
      };
      this.issueComments.push(comment);
      send(201, comment);
    } else if (method === 'PATCH' && url.pathname.startsWith(`${base}/issues/comments/`)) {
      const id = Number(url.pathname.split('/').pop());
      const comment = this.issueComments.find((c) => c.id === id);
      if (!comment) send(404, { message: 'Not Found' });
      else {
        comment.body = (body as { body: string }).body;
        send(200, comment);
      }
    } else if (!this.history.handle(method, url, body, base, send, paged)) {
      send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    }
  }

  private createReview(body: ReviewBody, send: (status: number, payload: unknown) => void): void {
    const user = { login: this.identity.login };
    if (body.commit_id !== this.pr.headSha) {
      send(422, { message: 'Unprocessable Entity', errors: ['commit_id is not part of the pull request'] });
      return;
    }
    if (this.reviews.some((r) => r.event === 'PENDING' && r.user.login === user.login)) {
      send(422, {
        message: 'Unprocessable Entity',
        errors: ['User can only have one pending review per pull request'],
      });
      return;
    }
    for (const c of body.comments ?? []) {
      const reason = this.refuseComment?.(c) ?? (this.lineResolves(c) ? undefined : 'Line could not be resolved');
      if (reason) {
        send(422, {
          message: 'Unprocessable Entity',
          errors: [reason],
          documentation_url: 'https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request',
        });
        return;
      }
    }
    const id = this.nextId++;
    const event = body.event ?? 'PENDING';
    this.reviews.push({
      id,
      body: body.body ?? '',
      event,
      commit_id: body.commit_id,
      comments: body.comments ?? [],
      user,
    });
    if (event !== 'PENDING') {
      for (const c of body.comments ?? []) {
        this.reviewComments.push({
          id: this.nextId++,
          pull_request_review_id: id,
          lineText: lineTextIn(this.pr.files.find((f) => f.filename === c.path)?.patch, c.side ?? 'RIGHT', c.line),
          body: c.body,
          path: c.path,
          line: c.line,
          side: c.side ?? 'RIGHT',
          user: { login: this.identity.login },
        });
      }
    }
    send(200, {
      id,
      body: body.body,
      state: event === 'PENDING' ? 'PENDING' : 'COMMENTED',
      commit_id: body.commit_id,
      user,
    });
  }

  /** True when GitHub can place the comment: its line (and range start) shown in the file's patch on its side. */
  private lineResolves(c: NonNullable<ReviewBody['comments']>[number]): boolean {
    const file = this.pr.files.find((f) => f.filename === c.path);
    const sides = linesInPatch(file?.patch);
    // The schema allows any string for `side`; GitHub resolves only LEFT and RIGHT.
    const side = (c.side as string | undefined) ?? 'RIGHT';
    return (
      file !== undefined &&
      (side === 'LEFT' || side === 'RIGHT') &&
      sides[side].has(c.line) &&
      (c.start_line === undefined || (c.start_line < c.line && sides[c.start_side ?? side].has(c.start_line)))
    );
  }

  /** `POST /pulls/{n}/comments` with `subject_type: file`: a comment on a file of the PR, not on a line. */
  private createFileComment(
    body: { path: string; body: string; subject_type?: string; commit_id: string },
    send: (status: number, payload: unknown) => void,
  ): void {
    const file = this.pr.files.find((f) => f.filename === body.path);
    if (body.subject_type !== 'file' || !file || body.commit_id !== this.pr.headSha) {
      send(422, { message: 'Unprocessable Entity', errors: ['path could not be resolved'] });
      return;
    }
    const comment: StoredComment = {
      id: this.nextId++,
      body: body.body,
      path: body.path,
      line: null,
      side: 'RIGHT',
      subject_type: 'file',
      user: { login: this.identity.login },
    };
    this.reviewComments.push(comment);
    send(201, comment);
  }

  /** GraphQL: the query is validated against GitHub's schema; `viewer` answers as the token's identity. */
  /**
   * A push to the pull request: a new head and diff, the compare from the old head, and what GitHub does to
   * inline comments whose line the new diff no longer shows (outdated, `line` null).
   */
  push(head: string, files: ChangedFile[], compare: { status: string; files: ChangedFile[] }): void {
    this.compares[`${this.pr.headSha}...${head}`] = compare;
    this.pr.headSha = head;
    this.pr.files = files;
    for (const c of this.reviewComments) {
      if (c.subject_type === 'file' || c.in_reply_to_id !== undefined || c.line === null || c.line === undefined)
        continue;
      const side = (c.side ?? 'RIGHT') as 'LEFT' | 'RIGHT';
      const patch = files.find((f) => f.filename === c.path)?.patch;
      // GitHub does not follow a line: a comment whose line now shows other text, or no longer shows, is outdated.
      if (!linesInPatch(patch)[side].has(c.line) || lineTextIn(patch, side, c.line) !== c.lineText) {
        c.line = null;
        c.outdated = true;
      }
    }
  }

  private graphql(
    body: { query: string; variables?: Record<string, unknown> },
    send: (status: number, payload: unknown) => void,
  ): void {
    // Validated against GitHub's own schema (@octokit/graphql-schema), as GitHub would.
    const errors = validateGraphql(body.query);
    if (errors.length > 0) {
      send(200, { errors: errors.map((e) => ({ message: e.message })) });
      return;
    }
    if (this.identity.graphqlFails) {
      send(200, { data: null, errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by integration' }] });
      return;
    }
    if (/\bviewer\b/.test(body.query)) {
      const { login, kind } = this.identity;
      send(200, {
        data: {
          viewer: {
            login: kind === 'bot' ? login.replace(/\[bot\]$/, '') : login,
            __typename: kind === 'bot' ? 'Bot' : 'User',
          },
        },
      });
      return;
    }
    if (/\breviewThreads\b/.test(body.query)) {
      // A closed pull request's threads from the history, else the open one's.
      const nodes =
        this.history.threads(Number(body.variables?.number)) ?? threadNodes(this.reviewComments, this.resolvedThreads);
      send(200, {
        data: {
          repository: {
            pullRequest: { reviewThreads: { pageInfo: { hasNextPage: false, endCursor: null }, nodes } },
          },
        },
      });
      return;
    }
    if (/\bresolveReviewThread\b/.test(body.query)) {
      const id = typeof body.variables?.id === 'string' ? body.variables.id : '';
      const root = this.reviewComments.find((c) => `T_${c.id}` === id);
      if (!root) {
        send(200, {
          errors: [{ type: 'NOT_FOUND', message: `Could not resolve to a node with the global id of '${id}'` }],
        });
        return;
      }
      this.resolvedThreads.add(root.id);
      send(200, { data: { resolveReviewThread: { thread: { id, isResolved: true } } } });
      return;
    }
    send(200, { errors: [{ message: 'the fake GitHub answers viewer, reviewThreads and resolveReviewThread' }] });
  }

  private pullJson(): Record<string, unknown> {
    const { owner, repo, number } = this.pr;
    const full = `${owner}/${repo}`;
    return {
      number,
      title: this.pr.title,
      body: this.pr.body,
      draft: this.pr.draft ?? false,
      changed_files: this.pr.changedFiles ?? this.pr.files.length,
      state: 'open',
      html_url: `https://github.com/${full}/pull/${number}`,
      user: { login: 'octocat' },
      head: { ref: 'feature', sha: this.pr.headSha, repo: { full_name: this.pr.headRepo ?? full } },
      base: { ref: 'main', sha: this.pr.baseSha, repo: { full_name: full } },
    };
  }
}

interface ReviewBody {
  commit_id: string;
  event?: string;
  body?: string;
  comments?: {
    path: string;
    line: number;
    side?: 'LEFT' | 'RIGHT';
    start_line?: number;
    start_side?: 'LEFT' | 'RIGHT';
    body: string;
  }[];
}

/** Git's object id of a blob: what GitHub's trees and blobs are addressed by. */
export function gitBlobSha(text: string): string {
  const body = Buffer.from(text);
  return createHash('sha1').update(`blob ${body.length}\0`).update(body).digest('hex');
}
