import type { Octokit } from '../source/github.js';
import { explainGitHubError, listIssueComments, listReviewComments } from '../source/github.js';
import { isOurs } from '../source/identity.js';
import type { PullRequest } from '../source/types.js';
import type { Settings } from '../settings/settings.js';
import type { ReviewResult } from '../review.js';
import type { Finding } from '../findings/findings.js';
import type { Redact } from './redact.js';
import { decide, failing, lineKey, NOTHING_EARLIER, type Decision, type Earlier } from './decide.js';
import { githubReason, postFileComment, postReview, writeSummary } from './post.js';
import { fingerprintOf, isSummaryBody, summaryBody, type Listed } from './render.js';

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

export interface PublishContext {
  octokit: Octokit;
  pr: PullRequest;
  settings: Settings;
  /** Our login: only comments by it count as ours. */
  us: string;
  /** Applied to every text posted: no secret of the run leaves in a comment. */
  redact: Redact;
  log: (message: string) => void;
  warn: (message: string) => void;
}

/** What our own earlier inline comments say; a look-alike marker in anyone else's comment counts for nothing. */
export async function earlierFindings(octokit: Octokit, pr: PullRequest, us: string): Promise<Earlier> {
  const fingerprints = new Set<string>();
  const lines = new Set<string>();
  for (const c of await listReviewComments(octokit, pr)) {
    const fp = isOurs(c.author, us) ? fingerprintOf(c.body) : undefined;
    if (fp === undefined) continue;
    fingerprints.add(fp);
    if (c.path !== undefined && c.line !== undefined) lines.add(lineKey(c.path, c.side ?? 'RIGHT', c.line));
  }
  return { fingerprints, lines };
}

/** Our summary comment: the oldest comment by us that starts with the summary marker. */
export async function ourSummary(octokit: Octokit, pr: PullRequest, us: string): Promise<number | undefined> {
  const comments = await listIssueComments(octokit, pr);
  return comments.find((c) => isOurs(c.author, us) && isSummaryBody(c.body))?.id;
}

const reviewBody = (n: number): string =>
  `🤖 Claude left ${n} comment${n === 1 ? '' : 's'} on this change; the summary comment has the overview, what was not reviewed, and the cost.`;

/**
 * Posts what the review found: one review with the inline comments, file-level comments, and the summary
 * comment (edited in place on later runs). Whatever cannot be posted is listed in the summary with the
 * reason; only a failure to write the summary itself is thrown.
 */
export async function publish(ctx: PublishContext, result: ReviewResult): Promise<Published> {
  const { octokit, pr, settings } = ctx;
  const earlier = await earlierFindings(octokit, pr, ctx.us);
  const decision = decide(result.findings, earlier, settings);
  const fail = failing(result.findings, settings.failOn);
  const event = fail && settings.reviewEvent === 'REQUEST_CHANGES' ? 'REQUEST_CHANGES' : 'COMMENT';
  const listed = [...decision.listed];
  const posted: Finding[] = [];
  let reviewId: number | undefined;
  let reviewError: string | undefined;
  try {
    const review = await postReview(octokit, pr, decision.inline, {
      body: (n) => reviewBody(n + decision.fileLevel.length),
      event,
      us: ctx.us,
      redact: ctx.redact,
      log: ctx.log,
    });
    reviewId = review.reviewId;
    posted.push(...review.posted);
    for (const r of review.rejected) {
      listed.push({ finding: r.finding, reason: `GitHub refused it: ${r.reason}` });
      ctx.warn(`GitHub refused the comment on ${r.finding.path}:${r.finding.line}: ${r.reason}`);
    }
    if (review.rejected.length > 0) {
      reviewError = `GitHub refused ${review.rejected.length} of ${decision.inline.length} inline comments; they are listed below with GitHub's reason.`;
    }
  } catch (error) {
    // Never retried: a second POST could post the review twice. The findings go to the summary instead.
    const why = explainGitHubError(error, 'post the review').message;
    reviewError = `Inline comments could not be posted: ${why}. They are listed below.`;
    ctx.warn(`The review with inline comments was not accepted: ${why}`);
    listed.push(...decision.inline.map((finding) => ({ finding, reason: 'the review was not accepted' })));
  }
  for (const finding of decision.fileLevel) {
    try {
      await postFileComment(octokit, pr, finding, ctx.redact);
      posted.push(finding);
    } catch (error) {
      listed.push({ finding, reason: `GitHub refused the file comment: ${githubReason(error)}` });
    }
  }
  const summary = ctx.redact(
    summaryBody({
      result,
      findings: result.findings,
      posted: posted.length,
      alreadyPosted: decision.alreadyPosted.length,
      listed,
      model: settings.model,
      ...(reviewError ? { reviewError } : {}),
    }),
  );
  const summaryCommentId = await writeSummary(octokit, pr, summary, await ourSummary(octokit, pr, ctx.us));
  return { reviewId, summaryCommentId, posted, listed, summary, failing: fail };
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
    summaryBody({ result, findings: result.findings, posted: 0, alreadyPosted: 0, listed, model: settings.model }),
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
