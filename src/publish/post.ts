import { isSecondaryRateLimit, retryAfterSeconds, statusOf, type Octokit } from '../github/client.js';
import { isOurs } from '../github/identity.js';
import type { PullRequest } from '../core/pull-request.js';
import type { Finding } from '../findings/findings.js';
import { commentBody, fingerprintOf } from './render.js';
import type { Redact } from '../safety/redact.js';
import type { Seal } from '../source/state.js';

/** The REST shape of one inline review comment. */
export interface ReviewCommentPayload {
  path: string;
  line: number;
  side: 'LEFT' | 'RIGHT';
  start_line?: number;
  start_side?: 'LEFT' | 'RIGHT';
  body: string;
}

export function toReviewComment(finding: Finding, redact: Redact = (t) => t, seal?: Seal): ReviewCommentPayload {
  return {
    path: finding.path,
    line: finding.line,
    side: finding.side,
    ...(finding.start_line !== undefined ? { start_line: finding.start_line, start_side: finding.side } : {}),
    body: redact(commentBody(finding, seal)),
  };
}

/** A comment GitHub refused, with GitHub's reason. */
export interface Rejection {
  finding: Finding;
  reason: string;
}

export interface PostedReview {
  /** The review created; undefined when no comment was left to post. */
  reviewId: number | undefined;
  posted: Finding[];
  rejected: Rejection[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A POST that creates content, sent again at most once, and only after GitHub's secondary rate limit: that
 * answer can come after GitHub created the content, so after the wait GitHub asks for (at most 60 s),
 * `find` looks for it, and only when it is not there is the POST repeated.
 */
export async function postOnce<T>(
  create: () => Promise<T>,
  find: () => Promise<T | undefined>,
  log?: (message: string) => void,
): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (!isSecondaryRateLimit(error)) throw error;
    const wait = retryAfterSeconds(error);
    log?.(`GitHub's secondary rate limit on a POST; waiting ${wait}s, then checking whether it was created anyway`);
    await sleep(wait * 1000);
    const found = await find();
    if (found !== undefined) {
      log?.('it was created: not posting it again');
      return found;
    }
    return create();
  }
}

/** Pending reviews created and deleted at most, to find the comments GitHub refuses. */
const MAX_PROBES = 60;

/** GitHub's reason for refusing a request: its `errors` list when it sent one, else the message. */
export function githubReason(error: unknown): string {
  const data = (error as { response?: { data?: { errors?: unknown; message?: unknown } } }).response?.data;
  const errors = Array.isArray(data?.errors)
    ? data.errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('; ')
    : '';
  const message = typeof data?.message === 'string' ? data.message : error instanceof Error ? error.message : '';
  return [message, errors].filter(Boolean).join(': ') || String(error);
}

/** The review endpoints of one pull request. */
function reviews(octokit: Octokit, pr: PullRequest) {
  const where = { owner: pr.owner, repo: pr.repo, pull_number: pr.number };
  return {
    /** `event` undefined creates a pending review, which only its author sees. */
    create: async (comments: ReviewCommentPayload[], event?: 'COMMENT' | 'REQUEST_CHANGES', body?: string) =>
      (
        await octokit.rest.pulls.createReview({
          ...where,
          commit_id: pr.headSha,
          comments,
          ...(event ? { event, body: body ?? '' } : {}),
        })
      ).data.id,
    remove: async (id: number) => {
      await octokit.rest.pulls.deletePendingReview({ ...where, review_id: id });
    },
    /** Our submitted review on the head commit with this body, if GitHub created it. */
    find: async (us: string, body: string) => {
      const all = await octokit.paginate(octokit.rest.pulls.listReviews, { ...where, per_page: 100 });
      return all.find(
        (r) =>
          r.state !== 'PENDING' && r.commit_id === pr.headSha && r.body === body && isOurs(r.user?.login ?? '', us),
      )?.id;
    },
    /** Deletes pending reviews of ours that a broken earlier probe may have left (one per user per PR). */
    clearPending: async (us: string) => {
      const all = await octokit.paginate(octokit.rest.pulls.listReviews, { ...where, per_page: 100 });
      for (const r of all) {
        if (r.state === 'PENDING' && isOurs(r.user?.login ?? '', us)) {
          await octokit.rest.pulls.deletePendingReview({ ...where, review_id: r.id });
        }
      }
    },
  };
}

/**
 * Posts one review with every inline comment. A POST is never repeated blindly: if GitHub answers 422
 * (a comment it cannot place), the comments it refuses are found without a second visible review, by
 * bisecting with pending reviews (which only we see, and which are deleted at once); then the rest is
 * posted as the one review, and the refused comments are returned with GitHub's reason. Any other error
 * is thrown for the caller to report.
 */
export async function postReview(
  octokit: Octokit,
  pr: PullRequest,
  findings: readonly Finding[],
  review: ReviewToPost,
): Promise<PostedReview> {
  const api = reviews(octokit, pr);
  const items = findings.map((finding) => ({ finding, payload: toReviewComment(finding, review.redact, review.seal) }));
  if (items.length === 0) return { reviewId: undefined, posted: [], rejected: [] };
  const submit = (list: readonly Item[]): Promise<number> => {
    const body = review.redact(review.body(list.length));
    const payloads = list.map((i) => i.payload);
    return postOnce(
      () => api.create(payloads, review.event, body),
      () => api.find(review.us, body),
      review.log,
    );
  };
  let firstReason: string;
  try {
    return { reviewId: await submit(items), posted: [...findings], rejected: [] };
  } catch (error) {
    if (statusOf(error) !== 422) throw error;
    firstReason = githubReason(error);
    review.log?.(`GitHub refused the review (${firstReason}); finding the comments it cannot place`);
  }
  await api.clearPending(review.us);
  const rejected = await refusedComments(api, items, firstReason);
  const bad = new Set(rejected.map((r) => r.finding));
  const good = items.filter((i) => !bad.has(i.finding));
  if (good.length === 0) return { reviewId: undefined, posted: [], rejected };
  return { reviewId: await submit(good), posted: good.map((i) => i.finding), rejected };
}

/** What postReview needs to know of the review besides its comments. */
interface ReviewToPost {
  /** The review's body, for the number of comments it holds. */
  body: (comments: number) => string;
  event: 'COMMENT' | 'REQUEST_CHANGES';
  us: string;
  redact: Redact;
  log?: (message: string) => void;
  /** Tags each comment's fingerprint marker as ours (see render.signedFingerprintOf). */
  seal?: Seal | undefined;
}

interface Item {
  finding: Finding;
  payload: ReviewCommentPayload;
}

/**
 * The comments of a review GitHub refused (422 for the whole list, with `firstReason`), found by bisecting
 * with pending reviews, each deleted at once; at most MAX_PROBES of them.
 */
async function refusedComments(
  api: ReturnType<typeof reviews>,
  items: readonly Item[],
  firstReason: string,
): Promise<Rejection[]> {
  const probes = { left: MAX_PROBES };
  const refused = async (list: readonly Item[], known: boolean): Promise<Rejection[]> => {
    if (list.length === 0) return [];
    if (known && list.length === 1 && list[0]) return [{ finding: list[0].finding, reason: firstReason }];
    if (!known) {
      if (probes.left <= 0) {
        const reason = 'not posted: GitHub refused too many comments to check them all';
        return list.map((i) => ({ finding: i.finding, reason }));
      }
      probes.left -= 1;
      try {
        await api.remove(await api.create(list.map((i) => i.payload)));
        return [];
      } catch (error) {
        if (statusOf(error) !== 422) throw error;
        if (list.length === 1 && list[0]) return [{ finding: list[0].finding, reason: githubReason(error) }];
      }
    }
    const mid = Math.ceil(list.length / 2);
    return [...(await refused(list.slice(0, mid), false)), ...(await refused(list.slice(mid), false))];
  };
  return refused(items, true);
}

/** Posts a comment on a file of the pull request (not on a line), at most twice (see postOnce). */
export async function postFileComment(
  octokit: Octokit,
  pr: PullRequest,
  finding: Finding,
  out: { us: string; redact: Redact; log?: (message: string) => void; seal?: Seal | undefined },
): Promise<number> {
  const where = { owner: pr.owner, repo: pr.repo, pull_number: pr.number };
  const create = async (): Promise<number> =>
    (
      await octokit.rest.pulls.createReviewComment({
        ...where,
        commit_id: pr.headSha,
        path: finding.path,
        subject_type: 'file',
        body: out.redact(commentBody(finding, out.seal)),
      })
    ).data.id;
  const find = async (): Promise<number | undefined> => {
    const all = await octokit.paginate(octokit.rest.pulls.listReviewComments, { ...where, per_page: 100 });
    return all.find((c) => isOurs(c.user.login, out.us) && fingerprintOf(c.body) === finding.fingerprint)?.id;
  };
  return postOnce(create, find, out.log);
}

/**
 * Edits our summary comment in place, or creates it when we have none yet (at most twice, see postOnce).
 * `find` returns our summary as it stands now.
 */
export async function writeSummary(
  octokit: Octokit,
  pr: PullRequest,
  body: string,
  existing: number | undefined,
  find: () => Promise<number | undefined>,
  log?: (message: string) => void,
): Promise<number> {
  const where = { owner: pr.owner, repo: pr.repo };
  if (existing !== undefined) {
    await octokit.rest.issues.updateComment({ ...where, comment_id: existing, body });
    return existing;
  }
  const create = async (): Promise<number> =>
    (await octokit.rest.issues.createComment({ ...where, issue_number: pr.number, body })).data.id;
  return postOnce(create, find, log);
}
