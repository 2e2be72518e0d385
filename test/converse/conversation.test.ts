// Conversation: questions on the pull request and replies in our threads, answered in place.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { FakeGateway, MIN_CACHE_TOKENS, toolAsked } from '../fakes/gateway.js';
import { liveOnGitHub } from '../helpers/gfm.js';
import {
  actionEnv,
  examplePayload,
  fakePullRequest,
  pullRequestEvent,
  runInProcess,
  scriptedReview,
  userTextOf,
} from '../helpers/action.js';

const KEY = 'sk-ant-test-key-talk-0123456789';

/** A gateway that reviews with scriptedReview() and answers questions through submit_answer. */
function talkingGateway(): Promise<FakeGateway> {
  return new FakeGateway({
    apiKey: KEY,
    auth: 'x-api-key',
    reply: (body) =>
      toolAsked(body) === 'submit_answer'
        ? { toolInput: { answer: 'Because `coerce` now keeps prerelease parts; cc @everyone.' } }
        : { toolInput: scriptedReview(userTextOf(body)) },
  }).start();
}

function issueComment(
  body: string,
  extra: { login?: string; association?: string; type?: string; action?: string } = {},
) {
  const payload = examplePayload('issue_comment', 'created') as {
    action: string;
    issue: Record<string, unknown>;
    comment: Record<string, unknown>;
    repository: Record<string, unknown>;
  };
  payload.action = extra.action ?? 'created';
  payload.issue.number = 42;
  payload.issue.pull_request = { url: 'https://api.github.com/repos/octo-org/octo-repo/pulls/42' };
  payload.comment.id = 7001;
  payload.comment.body = body;
  payload.comment.user = { login: extra.login ?? 'maintainer', type: extra.type ?? 'User' };
  payload.comment.author_association = extra.association ?? 'MEMBER';
  payload.repository.full_name = 'octo-org/octo-repo';
  return { name: 'issue_comment', payload };
}

function threadReply(rootId: number, body: string, path: string, line: number) {
  const payload = examplePayload('pull_request_review_comment', 'created') as {
    pull_request: Record<string, unknown>;
    comment: Record<string, unknown>;
    repository: Record<string, unknown>;
  };
  payload.pull_request.number = 42;
  Object.assign(payload.comment, {
    id: 7002,
    body,
    in_reply_to_id: rootId,
    path,
    line,
    side: 'RIGHT',
    user: { login: 'maintainer', type: 'User' },
    author_association: 'COLLABORATOR',
  });
  payload.repository.full_name = 'octo-org/octo-repo';
  return { name: 'pull_request_review_comment', payload };
}

describe('questions and replies', () => {
  let github: FakeGitHub;
  let llm: FakeGateway;
  beforeEach(async () => {
    github = await new FakeGitHub(fakePullRequest()).start();
    llm = await talkingGateway();
  });
  afterEach(async () => {
    await github.stop();
    await llm.stop();
  });
  const run = (event: { name: string; payload: unknown }, inputs: Record<string, string> = {}) =>
    runInProcess(actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, ...inputs }, event).env);

  it("a member's question gets one reply within 2 calls, made safe, with its tokens and cost", async () => {
    const { exitCode } = await run(issueComment('/claude why does coerce change?'));
    expect(exitCode).toBe(0);
    expect(llm.calls.length).toBeGreaterThanOrEqual(1);
    expect(llm.calls.length).toBeLessThanOrEqual(2);
    const asked = userTextOf(llm.calls[0]!.body);
    expect(asked).toContain('<question>\nwhy does coerce change?\n</question>');
    expect(asked).toContain('<pull_request>');
    expect(github.issueComments).toHaveLength(1);
    const reply = github.issueComments[0]!.body;
    expect(reply).toContain('Because `coerce` now keeps prerelease parts');
    expect(reply).toContain('`@everyone`');
    expect(reply).toMatch(/<sub>🤖 claude-sonnet-5-5 · [\d,]+ tokens · \$0\.\d{4}<\/sub>$/);
    expect(github.reactions).toEqual(['issues:7001:eyes']);
  });

  it('an answer rendered by GitHub’s engine holds nothing live the model wrote', async () => {
    await llm.stop();
    llm = await new FakeGateway({
      apiKey: KEY,
      auth: 'x-api-key',
      reply: () => ({
        toolInput: {
          answer: '\\`@octocat` \\`<img src=https://evil.example/p.png>` _@acme/security_ [x](https://evil.example)',
        },
      }),
    }).start();
    await run(issueComment('/claude why?'));
    const reply = github.issueComments[0]!.body;
    expect(liveOnGitHub(reply, ['sub'])).toEqual([]);
  });

  it('an answer given as plain text, not through the answer tool, is posted as the answer in one call', async () => {
    await llm.stop();
    llm = await new FakeGateway({
      apiKey: KEY,
      auth: 'x-api-key',
      reply: () => ({ text: 'Because `coerce` now keeps prerelease parts.' }),
    }).start();
    const { exitCode } = await run(issueComment('/claude why does coerce change?'));
    expect(exitCode).toBe(0);
    expect(llm.calls).toHaveLength(1);
    expect(github.issueComments).toHaveLength(1);
    expect(github.issueComments[0]!.body).toContain('Because `coerce` now keeps prerelease parts.');
  });

  it('a question under a cap that cannot be priced is refused before any call, as a review is', async () => {
    const { exitCode, log } = await run(issueComment('/claude why?'), {
      provider: 'custom',
      model: 'house-model-7',
      'context-window': '200000',
    });
    expect(exitCode).toBe(1);
    expect(log).toMatch(/::error::.*input 'max-cost-usd' \(2\) cannot be enforced/);
    expect(llm.calls).toHaveLength(0);
    expect(github.issueComments).toHaveLength(0);
  });

  it('a reply in our thread is answered in that thread, with the hunk and our finding as context', async () => {
    await run({ name: 'pull_request', payload: pullRequestEvent(github.pr) });
    const ours = github.reviewComments.find((c) => c.body.includes('Unchecked input in functions/coerce.js'))!;
    const callsBefore = llm.calls.length;
    const { exitCode } = await run(threadReply(ours.id, 'Is this really reachable?', ours.path!, ours.line!));
    expect(exitCode).toBe(0);
    expect(llm.calls.length - callsBefore).toBe(1);
    // Right after the review, the answer reads the review's cached prefix (same tools, rules and PR block).
    expect(llm.calls.at(-1)!.usage?.cache_read_input_tokens).toBeGreaterThanOrEqual(MIN_CACHE_TOKENS);
    expect(llm.calls.at(-1)!.body.tool_choice).toEqual({ type: 'auto' });
    const asked = userTextOf(llm.calls.at(-1)!.body);
    expect(asked).toContain('<diff_hunk>');
    expect(asked).toContain('<review_comment>');
    expect(asked).toContain('Unchecked input in functions/coerce.js');
    const reply = github.reviewComments.at(-1)!;
    expect(reply.in_reply_to_id).toBe(ours.id);
    expect(reply.body).toContain('Because `coerce`');
    expect(github.count('POST', /\/pulls\/42\/comments\/\d+\/replies$/)).toBe(1);
  });

  it.each([
    ['a non-member', issueComment('/claude explain', { association: 'NONE' })],
    ['a bot', issueComment('/claude explain', { login: 'renovate[bot]', type: 'Bot' })],
    ['our own comment', issueComment('/claude explain', { login: 'github-actions[bot]', type: 'Bot' })],
    ['a comment without the trigger', issueComment('why does coerce change?')],
    ['an edited comment', issueComment('/claude explain', { action: 'edited' })],
    ['the trigger inside a word', issueComment('/claudette explain')],
  ])('%s gets no LLM call and no reply', async (_name, event) => {
    const { exitCode, log } = await run(event);
    expect(exitCode).toBe(0);
    expect(log).toMatch(/Nothing to do: .*No model was called\./);
    expect(llm.calls).toHaveLength(0);
    expect(github.requests.filter((r) => r.method === 'POST' && r.path !== '/graphql')).toHaveLength(0);
  });

  it("a reply in someone else's thread, without the trigger, is left alone", async () => {
    github.reviewComments.push({
      id: 555,
      body: 'Nit: rename this.',
      path: 'README.md',
      line: 28,
      side: 'RIGHT',
      user: { login: 'alice' },
    });
    const { log } = await run(threadReply(555, 'Agreed.', 'README.md', 28));
    expect(log).toContain('Nothing to do: no trigger, not a reply in our thread');
    expect(llm.calls).toHaveLength(0);
  });

  it('/claude review runs a full review now', async () => {
    const { exitCode } = await run(issueComment('/claude review'));
    expect(exitCode).toBe(0);
    expect(github.reviews).toHaveLength(1);
    expect(github.issueComments[0]!.body).toContain('Reviewed the whole pull request at');
  });
});
