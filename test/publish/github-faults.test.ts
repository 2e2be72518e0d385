// GitHub under faults: secondary rate limits on the POSTs, a rate limit on a read, two runs at once.
import { describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import type { FakeGateway } from '../fakes/gateway.js';
import { actionEnv, fakePullRequest, publishTwiceAtOnce, runInProcess, reviewingGateway } from '../helpers/action.js';
import { fingerprintOf, isSummaryBody } from '../../src/publish/render.js';
import { stopAfterEach } from '../helpers/cleanup.js';

const KEY = 'sk-ant-test-key-faults-0123456789';
const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';

const stopLater = stopAfterEach();

async function fakes(): Promise<{ github: FakeGitHub; llm: FakeGateway }> {
  const github = await new FakeGitHub(fakePullRequest()).start();
  const llm = await reviewingGateway(KEY);
  stopLater(
    () => github.stop(),
    () => llm.stop(),
  );
  return { github, llm };
}

const run = (github: FakeGitHub, llm: FakeGateway) =>
  runInProcess(actionEnv(github, { 'api-key': KEY, 'base-url': llm.url }).env);

describe('secondary rate limits on a POST', () => {
  it('before GitHub created the review: waits retry-after, finds nothing, posts once more', async () => {
    const { github, llm } = await fakes();
    github.refusals.push({
      method: 'POST',
      path: /\/pulls\/42\/reviews$/,
      status: 403,
      message: SECONDARY,
      headers: { 'retry-after': '1' },
      times: 1,
    });
    const { exitCode, log } = await run(github, llm);
    expect(exitCode).toBe(0);
    expect(log).toContain("GitHub's secondary rate limit on a POST; waiting 1s");
    expect(github.count('POST', /\/reviews$/)).toBe(2);
    expect(github.reviews).toHaveLength(1);
  });

  it('after GitHub created the review and the summary anyway: finds them and posts neither again', async () => {
    const { github, llm } = await fakes();
    for (const path of [/\/pulls\/42\/reviews$/, /\/issues\/42\/comments$/]) {
      github.refusals.push({
        method: 'POST',
        path,
        status: 429,
        message: SECONDARY,
        headers: { 'retry-after': '0' },
        times: 1,
        afterCreate: true,
      });
    }
    const { exitCode, log } = await run(github, llm);
    expect(log.match(/it was created: not posting it again/g)).toHaveLength(2);
    expect(exitCode).toBe(0);
    expect(github.count('POST', /\/reviews$/)).toBe(1);
    expect(github.count('POST', /\/issues\/42\/comments$/)).toBe(1);
    expect(github.reviews).toHaveLength(1);
    expect(github.issueComments).toHaveLength(1);
  });

  it('a 403 secondary rate limit on a read is reported as a rate limit, not as a permissions problem', async () => {
    const { github, llm } = await fakes();
    github.refusals.push({ method: 'GET', path: /\/pulls\/42\/files$/, status: 403, message: SECONDARY });
    const { exitCode, log } = await run(github, llm);
    expect(exitCode).toBe(1);
    expect(log).toMatch(/::error::GitHub's rate limit stopped the request to read pull request #42/);
    expect(log).not.toContain('permissions: pull-requests: write');
    expect(llm.calls).toHaveLength(0);
  });
});

describe('two runs on the same pull request at once', () => {
  it('leave one summary and one comment per finding', async () => {
    const { github, llm } = await fakes();
    const [a, b] = await publishTwiceAtOnce(github, llm.url, KEY);
    // Both really posted: the race happened.
    expect(github.reviews.length).toBe(2);
    expect(github.issueComments.filter((c) => isSummaryBody(c.body))).toHaveLength(1);
    expect(a!.summaryCommentId).toBe(b!.summaryCommentId);
    const prints = github.reviewComments.map((c) => fingerprintOf(c.body));
    expect(new Set(prints).size).toBe(prints.length);
    expect(new Set(prints)).toEqual(new Set([...a!.posted, ...b!.posted].map((f) => f.fingerprint)));
    expect(github.reviews.some((r) => r.body.includes('Another run posted the same comments'))).toBe(true);
  });
});
