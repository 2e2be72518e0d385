import { errorText } from '../core/errors.js';
import type { Octokit } from '../github/client.js';
import type { PullRequest } from '../core/pull-request.js';
import type { Settings } from '../settings/settings.js';
import type { LlmClient } from '../llm/client.js';
import { costUsd, formatUsd } from '../core/usage.js';
import { assertCapEnforceable, makePlan } from '../pipeline/stages.js';
import type { RepoRules } from '../prompt/prompt.js';
import { worstCaseUsd } from '../run/budget.js';
import { safeMarkdown } from '../safety/markdown.js';
import { withoutFingerprint } from '../publish/render.js';
import { withoutRules } from '../prompt/prompt.js';
import type { Redact } from '../safety/redact.js';
import { answer, answerRequest, hunkAt } from './answer.js';

/** A question asked of us in a comment, as the action read it from the event. */
export interface Question {
  kind: 'question';
  number: number;
  question: string;
  commentId: number;
  /** A question in one of our threads: the thread's first comment, where the answer goes. */
  thread?: { rootId: number; path: string; line: number | undefined; side: 'LEFT' | 'RIGHT' };
}

export interface Conversation {
  octokit: Octokit;
  pr: PullRequest;
  settings: Settings;
  rules: RepoRules;
  llm: LlmClient;
  redact: Redact;
  log: (message: string) => void;
}

/** Our review comment that started a thread, as the context of a question asked in it. */
async function threadFinding(octokit: Octokit, pr: PullRequest, rootId: number): Promise<string> {
  const { data } = await octokit.rest.pulls.getReviewComment({ owner: pr.owner, repo: pr.repo, comment_id: rootId });
  return withoutFingerprint(data.body);
}

/** An eyes reaction on the question while we work; nice to have, so a refusal is only logged. */
async function acknowledge(ctx: Conversation, ask: Question): Promise<void> {
  const where = { owner: ctx.pr.owner, repo: ctx.pr.repo, comment_id: ask.commentId, content: 'eyes' as const };
  await (
    ask.thread
      ? ctx.octokit.rest.reactions.createForPullRequestReviewComment(where)
      : ctx.octokit.rest.reactions.createForIssueComment(where)
  ).catch((error: unknown) => {
    ctx.log(`could not add a reaction: ${errorText(error)}`);
  });
}

/**
 * Answers a question asked on the pull request (as a conversation comment) or in one of our threads (as a
 * reply there), in at most 2 LLM calls, under max-cost-usd, with the answer made safe like any finding and
 * a footer with its tokens and cost. Returns the id of the reply.
 */
export async function answerQuestion(ctx: Conversation, ask: Question): Promise<number> {
  const { octokit, pr, settings } = ctx;
  assertCapEnforceable(settings);
  await acknowledge(ctx, ask);
  const plan = makePlan(pr, settings, ctx.rules);
  const thread = ask.thread
    ? {
        path: ask.thread.path,
        hunk: hunkAt(pr, ask.thread.path, ask.thread.side, ask.thread.line),
        finding: await threadFinding(octokit, pr, ask.thread.rootId),
      }
    : undefined;
  const request = answerRequest(plan.prefix, ask.question, thread, settings.context === 'explore');
  const cap = settings.maxCostUsd;
  if (
    cap !== undefined &&
    settings.capPrices &&
    2 * worstCaseUsd(request, settings.capPrices, settings.maxOutputTokens, settings.tokenRatio) > cap
  ) {
    throw new Error(`answering could cost more than max-cost-usd (${formatUsd(cap)}); raise it to answer questions`);
  }
  const result = await answer(ctx.llm, request, {
    model: settings.modelId,
    maxTokens: settings.maxOutputTokens,
    ...settings.shape,
  });
  const u = result.usage;
  const tokens = u.input + u.output + u.cacheRead + u.cacheWrite;
  const usd = settings.prices ? formatUsd(costUsd(u, settings.prices)) : 'cost unknown';
  ctx.log(`answered in ${result.calls} call(s): ${tokens} tokens, ${usd}`);
  const body = ctx.redact(
    `${safeMarkdown(withoutRules(result.text))}\n\n<sub>🤖 ${settings.model} · ${tokens.toLocaleString('en-US')} tokens · ${usd}</sub>`,
  );
  const where = { owner: pr.owner, repo: pr.repo };
  if (ask.thread) {
    const { data } = await octokit.rest.pulls.createReplyForReviewComment({
      ...where,
      pull_number: pr.number,
      comment_id: ask.thread.rootId,
      body,
    });
    return data.id;
  }
  const { data } = await octokit.rest.issues.createComment({ ...where, issue_number: pr.number, body });
  return data.id;
}
