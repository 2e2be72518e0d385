import { plural } from '../core/words.js';
import { errorText } from '../core/errors.js';
import type { Octokit } from '../github/client.js';
import { explainGitHubError } from '../github/client.js';
import { listIssueComments, listReviewComments, type PostedComment } from '../github/comments.js';
import { nextState, readState, runSeal, sealOf, type ReviewState, type Seal } from '../source/state.js';
import { resolveOutdatedThreads } from './threads.js';
import { isOurs } from '../github/identity.js';
import type { PullRequest } from '../core/pull-request.js';
import type { Settings } from '../settings/settings.js';
import type { ReviewResult } from '../pipeline/stages.js';
import type { Finding } from '../findings/findings.js';
import type { Redact } from '../safety/redact.js';
import { decide, failing, lineKey, NOTHING_EARLIER, type Decision, type Earlier } from './decide.js';
import { githubReason, postFileComment, postReview, writeSummary } from './post.js';
import { fingerprintOf, isSummaryBody, signedFingerprintOf, summaryBody, type Listed } from './render.js';

export interface Published {
  reviewId: number | undefined;
  summaryCommentId: number | undefined;
  /** Comments posted by this run, inline and file-level. */
  posted: Finding[];
  /** Findings shown in the summary only, with the reason (refused by GitHub included). */
  listed: Listed[];
  /** The summary as posted (also written to the job summary). */
  summary: string;
  /** The most severe finding at or above `fail-on`, if any. */
  failing: Finding | undefined;
}

export interface Publishing {
  octokit: Octokit;
  pr: PullRequest;
  settings: Settings;
  /** Our login: only comments by it count as ours. */
  us: string;
  /** Applied to every text posted: no secret of the run leaves in a comment. */
  redact: Redact;
  log: (message: string) => void;
  /** A warning, as an annotation on a file and line when given. */
  warn: (message: string, where?: { file: string; line: number }) => void;
  /** What this run reviewed, for the summary (the whole PR at a head, or a push's commits). */
  scope?: string;
  /** Our summary of earlier runs, as read at the start of this one. */
  earlier: EarlierSummary;
}

/**
 * The fingerprints our sealed state remembers (a comment since resolved or deleted is not posted again), and
 * the lines our comments with those fingerprints sit on. Only the sealed state says what we posted: a
 * fingerprint marker in a comment, even one posted as our login (another workflow's GITHUB_TOKEN), counts
 * for nothing unless the state lists it.
 */
export async function earlierFindings(
  octokit: Octokit,
  pr: PullRequest,
  us: string,
  state?: ReviewState,
): Promise<Earlier> {
  const fingerprints = new Set<string>(state?.posted ?? []);
  const lines = new Set<string>();
  if (fingerprints.size === 0) return { fingerprints, lines };
  for (const c of await listReviewComments(octokit, pr)) {
    const fp = isOurs(c.author, us) ? fingerprintOf(c.body) : undefined;
    if (fp === undefined || !fingerprints.has(fp)) continue;
    if (c.path !== undefined && c.line !== undefined) lines.add(lineKey(c.path, c.side ?? 'RIGHT', c.line));
  }
  return { fingerprints, lines };
}

/**
 * A summary of ours: by us, with the summary marker and a state sealed by our secret for this PR. A summary
 * that anyone else posting as the same bot wrote (another workflow's GITHUB_TOKEN), or that an older key
 * sealed, is not ours: neither trusted nor edited. Without a secret to seal with, our login's summary is ours.
 */
function isOurSummary(c: PostedComment, us: string, seal: Seal | undefined): boolean {
  return isOurs(c.author, us) && isSummaryBody(c.body) && (!seal || sealOf(c.body, seal) === 'valid');
}

/** Our summary from earlier runs, read once per run: the comment to edit, and the state it carries. */
export interface EarlierSummary {
  /** The oldest comment of ours that is a sealed summary. */
  comment: PostedComment | undefined;
  /** Its state (undefined without a summary of ours, or when the state is damaged). */
  state: ReviewState | undefined;
  /** A summary by us is there whose seal does not verify (a changed key, or a forgery). */
  unsealed: boolean;
  /** No secret seals the state (no `state-secret`, and an API key that looks like a placeholder): none is trusted. */
  unkeyed?: boolean;
}

/** No summary of ours: a dry run, which reads nothing of earlier runs. */
export const NO_EARLIER_SUMMARY: EarlierSummary = { comment: undefined, state: undefined, unsealed: false };

/** Reads our summary and its state: one listing of the conversation comments. */
export async function readEarlierSummary(
  octokit: Octokit,
  pr: PullRequest,
  us: string,
  seal: Seal | undefined,
): Promise<EarlierSummary> {
  const comments = await listIssueComments(octokit, pr);
  const comment = comments.find((c) => isOurSummary(c, us, seal));
  if (!seal) return { comment, state: undefined, unsealed: false, unkeyed: true };
  const unsealed = comments.some((c) => isOurs(c.author, us) && isSummaryBody(c.body) && !isOurSummary(c, us, seal));
  return { comment, state: comment ? readState(comment.body, seal) : undefined, unsealed };
}

/** Our summary as it is now: for a POST that failed, whether it was created after all. */
async function findOurSummary(ctx: Publishing, seal: Seal | undefined): Promise<number | undefined> {
  const comments = await listIssueComments(ctx.octokit, ctx.pr);
  return comments.find((c) => isOurSummary(c, ctx.us, seal))?.id;
}

const reviewBody = (n: number): string =>
  `🤖 Claude left ${plural(n, 'comment')} on this change; the summary comment has the overview, what was not reviewed, and the cost.`;

/**
 * Posts what the review found: one review with the inline comments, file-level comments, and the summary
 * comment (edited in place on later runs). Whatever cannot be posted is listed in the summary with the
 * reason; only a failure to write the summary itself is thrown.
 */
export async function publish(ctx: Publishing, result: ReviewResult): Promise<Published> {
  const { settings } = ctx;
  const seal = runSeal(settings, ctx.pr);
  const earlier = await earlierFindings(ctx.octokit, ctx.pr, ctx.us, ctx.earlier.state);
  const decision = decide(result.findings, earlier, settings);
  warnUnplaced(ctx, decision);
  const fail = failing(result.findings, settings.failOn);
  const event = fail && settings.reviewEvent === 'REQUEST_CHANGES' ? 'REQUEST_CHANGES' : 'COMMENT';
  const inline = await postInline(ctx, decision, event, seal);
  const fileLevel = await postFileLevel(ctx, decision.fileLevel, seal);
  const posted = [...inline.posted, ...fileLevel.posted];
  const listed = [...decision.listed, ...inline.listed, ...fileLevel.listed];
  const stillFound = new Set([...result.findings, ...result.setAside.map((a) => a.finding)].map((f) => f.fingerprint));
  const resolved = await resolveOutdatedThreads(ctx.octokit, ctx.pr, ctx.us, stillFound).catch((error: unknown) => {
    ctx.warn(`Could not resolve our outdated threads: ${errorText(error)}`);
    return 0;
  });
  const { reviewId } = inline;
  const mine = posted.filter((f) => f.anchor === 'line').map((f) => f.fingerprint);
  const race = await settleCommentRace(ctx, { reviewId, inline: mine }, seal);
  const summary = ctx.redact(
    summaryBody({
      links: race.links,
      result,
      findings: result.findings,
      posted: posted.length,
      alreadyPosted: decision.alreadyPosted.length,
      listed,
      model: settings.model,
      state: nextState(ctx.earlier.state, {
        head: ctx.pr.headSha,
        posted: posted.map((f) => f.fingerprint),
        usage: result.usage,
        usd: result.usd,
      }),
      ...(seal ? { seal } : {}),
      resolved,
      walkthrough: settings.walkthrough,
      ...(ctx.scope ? { scope: ctx.scope } : {}),
      ...(inline.error ? { reviewError: inline.error } : {}),
    }),
  );
  const find = (): Promise<number | undefined> => findOurSummary(ctx, seal);
  const written = await writeSummary(ctx.octokit, ctx.pr, summary, ctx.earlier.comment?.id, find, ctx.log);
  const summaryCommentId = await settleSummaryRace(ctx, seal, { summaryCommentId: written, summary });
  const kept = posted.filter((f) => !race.removed.has(f.fingerprint));
  return { reviewId, summaryCommentId, posted: kept, listed, summary, failing: fail };
}

/** A finding the model placed off the diff is an annotation on its file and line, besides its place in the summary. */
function warnUnplaced(ctx: Publishing, decision: Decision): void {
  for (const { finding: f, reason } of decision.listed) {
    if (f.anchor === 'line' || reason !== f.note) continue;
    ctx.warn(`${f.path}:${f.line}: ${f.title} — not placed on a line of the diff (${reason}); listed in the summary`, {
      file: f.path,
      line: f.line,
    });
  }
}

/** What posting some comments gave: those posted, those listed in the summary instead, and why. */
interface Posting {
  posted: Finding[];
  listed: Listed[];
}

/**
 * The one review with the inline comments. Never retried: a second POST could post the review twice; what
 * GitHub refused, or all of it when the review was not accepted, goes to the summary with the reason.
 */
async function postInline(
  ctx: Publishing,
  decision: Decision,
  event: 'COMMENT' | 'REQUEST_CHANGES',
  seal: Seal | undefined,
): Promise<Posting & { reviewId: number | undefined; error: string | undefined }> {
  try {
    const review = await postReview(ctx.octokit, ctx.pr, decision.inline, {
      body: (n) => reviewBody(n + decision.fileLevel.length),
      event,
      us: ctx.us,
      redact: ctx.redact,
      log: ctx.log,
      seal,
    });
    const listed = review.rejected.map((r) => ({ finding: r.finding, reason: `GitHub refused it: ${r.reason}` }));
    for (const r of review.rejected)
      ctx.warn(`GitHub refused the comment on ${r.finding.path}:${r.finding.line}: ${r.reason}`);
    const error =
      review.rejected.length > 0
        ? `GitHub refused ${review.rejected.length} of ${decision.inline.length} inline comments; they are listed below with GitHub's reason.`
        : undefined;
    return { reviewId: review.reviewId, posted: review.posted, listed, error };
  } catch (error) {
    const why = explainGitHubError(error, 'post the review').message;
    ctx.warn(`The review with inline comments was not accepted: ${why}`);
    const listed = decision.inline.map((finding) => ({ finding, reason: 'the review was not accepted' }));
    return {
      reviewId: undefined,
      posted: [],
      listed,
      error: `Inline comments could not be posted: ${why}. They are listed below.`,
    };
  }
}

/** File-level comments, one by one; one GitHub refuses goes to the summary. */
async function postFileLevel(ctx: Publishing, findings: readonly Finding[], seal: Seal | undefined): Promise<Posting> {
  const done: Posting = { posted: [], listed: [] };
  for (const finding of findings) {
    try {
      await postFileComment(ctx.octokit, ctx.pr, finding, { us: ctx.us, redact: ctx.redact, log: ctx.log, seal });
      done.posted.push(finding);
    } catch (error) {
      done.listed.push({ finding, reason: `GitHub refused the file comment: ${githubReason(error)}` });
    }
  }
  return done;
}

/**
 * Two runs on one pull request at once (a workflow without a concurrency group) can each find nothing of
 * ours and each post. After posting, the race check reads our comments again (the one deliberate re-read) and
 * keeps the oldest of ours: our newer comments that repeat a fingerprint are deleted, and a review left with
 * none of its comments says why. Both runs may do this at once: a comment already deleted is fine. The same
 * read gives each finding's comment, for the summary's links.
 */
async function settleCommentRace(
  ctx: Publishing,
  mine: { reviewId: number | undefined; inline: string[] },
  seal: Seal | undefined,
): Promise<{ removed: Set<string>; links: Map<string, string> }> {
  const { octokit, pr, us } = ctx;
  const seen = new Set<string>();
  const survivors = new Set<string>();
  const links = new Map<string, string>();
  const comments = (await listReviewComments(octokit, pr))
    .filter((c) => isOurs(c.author, us))
    .sort((a, b) => a.id - b.id);
  let copies = 0;
  for (const c of comments) {
    // Only a marker we tagged: a look-alike posted as our login is never taken for our copy.
    const fp = seal ? signedFingerprintOf(c.body, seal) : fingerprintOf(c.body);
    if (fp === undefined) continue;
    if (!seen.has(fp)) {
      seen.add(fp);
      if (c.url && COMMENT_URL.test(c.url)) links.set(fp, c.url);
      if (c.reviewId === mine.reviewId) survivors.add(fp);
      continue;
    }
    await octokit.rest.pulls.deleteReviewComment({ owner: pr.owner, repo: pr.repo, comment_id: c.id }).catch(gone);
    copies += 1;
  }
  // Our review's comments that are gone, deleted here or by the other run as its newer copies.
  const removed = new Set(mine.inline.filter((fp) => !survivors.has(fp)));
  if (mine.reviewId !== undefined && mine.inline.length > 0 && removed.size === mine.inline.length) {
    await octokit.rest.pulls.updateReview({
      owner: pr.owner,
      repo: pr.repo,
      pull_number: pr.number,
      review_id: mine.reviewId,
      body: "🤖 Another run posted the same comments at the same time; this review's copies were removed.",
    });
  }
  if (copies > 0) ctx.log(`another run posted the same comments at the same time: removed ${copies} copies`);
  return { removed, links };
}

/** A comment's link as GitHub gives it: an https URL to a place in the conversation, nothing else. */
const COMMENT_URL = /^https:\/\/[^\s()<>[\]]+#discussion_r\d+$/;

const gone = (error: unknown): void => {
  if ((error as { status?: unknown }).status !== 404) throw error;
};

/**
 * The summary's half of the race check: after writing ours, our summaries are read again and the oldest is
 * kept (it takes this run's text); our newer ones are deleted. Returns the id of the summary that stays.
 */
async function settleSummaryRace(
  ctx: Publishing,
  seal: Seal | undefined,
  mine: { summaryCommentId: number; summary: string },
): Promise<number> {
  const { octokit, pr, us } = ctx;
  const where = { owner: pr.owner, repo: pr.repo };
  const summaries = (await listIssueComments(octokit, pr))
    .filter((c) => isOurSummary(c, us, seal))
    .sort((a, b) => a.id - b.id);
  const [oldest, ...newer] = summaries;
  if (!oldest || newer.length === 0) return mine.summaryCommentId;
  for (const c of newer) await octokit.rest.issues.deleteComment({ ...where, comment_id: c.id }).catch(gone);
  if (oldest.id !== mine.summaryCommentId) {
    await octokit.rest.issues.updateComment({ ...where, comment_id: oldest.id, body: mine.summary });
  }
  ctx.log(`another run posted a summary at the same time: kept the oldest (${oldest.id})`);
  return oldest.id;
}

/** A dry run: everything decided as for a real run, nothing posted; each finding is listed with where it would go. */
export function dryRun(settings: Settings, result: ReviewResult, redact: Redact): Published {
  const decision: Decision = decide(result.findings, NOTHING_EARLIER, settings);
  const listed: Listed[] = [
    ...decision.inline.map((finding) => ({ finding, reason: 'dry run: would be an inline comment' })),
    ...decision.fileLevel.map((finding) => ({ finding, reason: 'dry run: would be a file comment' })),
    ...decision.listed,
  ];
  const summary = redact(
    summaryBody({
      result,
      findings: result.findings,
      posted: 0,
      alreadyPosted: 0,
      listed,
      model: settings.model,
      walkthrough: settings.walkthrough,
    }),
  );
  return {
    reviewId: undefined,
    summaryCommentId: undefined,
    posted: [],
    listed,
    summary,
    failing: failing(result.findings, settings.failOn),
  };
}
