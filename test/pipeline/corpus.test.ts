// A corpus of bad inputs and events, each run as the runner runs the action: a clear message that names
// the input (or says what to change), the documented exit code (1), no stack trace, and no LLM call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import type { FakeGateway } from '../fakes/gateway.js';
import {
  actionEnv,
  examplePayload,
  fakePullRequest,
  pullRequestEvent,
  runInProcess,
  reviewingGateway,
} from '../helpers/action.js';

const KEY = 'sk-ant-test-key-corpus-0123456789';

/** [input, value, what the message must say] */
const BAD_INPUTS: [string, string, RegExp][] = [
  ['temperature', 'hot', /a number from 0 to 1/],
  ['temperature', '1.5', /a number from 0 to 1/],
  ['max-output-tokens', '0', /a whole number from 256/],
  ['max-output-tokens', '999999', /a whole number from 256 to 128000/],
  ['max-output-tokens', '20000.5', /a whole number/],
  ['chunk-tokens', '10', /a whole number from 2000/],
  ['concurrency', '0', /a whole number from 1 to 32/],
  ['concurrency', '100', /a whole number from 1 to 32/],
  ['max-cost-usd', '-1', /a positive amount in USD/],
  ['max-cost-usd', 'lots', /a positive amount in USD/],
  ['max-minutes', '0', /above 0 and at most 360/],
  ['max-minutes', '1000', /above 0 and at most 360/],
  ['provider', 'openrouter', /one of anthropic, runapi, bytespike, aimlapi, custom/],
  ['api-format', 'grpc', /anthropic \(Messages API\) or openai/],
  ['auth', 'basic', /x-api-key or bearer/],
  ['context', 'everything', /diff, code or explore/],
  ['max-tool-calls', '100', /a whole number from 0 to 50/],
  ['max-tool-calls', 'many', /a whole number from 0 to 50/],
  ['pricing', '{bad json', /JSON such as \{"input": 3/],
  ['pricing', '{"input": -1, "output": 2}', /JSON such as/],
  ['pricing', '{"input": 3}', /JSON such as/],
  ['pricing', '{"input": 3, "output": 15, "discount": 2}', /JSON such as/],
  ['base-url', 'ftp://gw.example.com', /an http\(s\) URL/],
  ['base-url', 'https://user:hunter2secret@gw.example.com', /without credentials/],
  ['model', 'claude sonnet!', /a model ID such as/],
  ['context-window', '100', /from 4096/],
  ['include', '{src,lib', /not a valid glob/],
  ['exclude', '/abs/path/**', /not relative to the repository root/],
  ['min-severity', 'urgent', /one of critical, high, medium, low, info/],
  ['max-comments', '-3', /a whole number from 0 to 200/],
  ['fail-on', 'blocker', /one of critical, high, medium, low, info, none/],
  ['review-event', 'APPROVE', /COMMENT or REQUEST_CHANGES/],
  ['allowed-associations', 'ADMIN', /a comma-separated list of OWNER, MEMBER/],
  ['review-label', 'x'.repeat(51), /at most 50 characters/],
  ['dry-run', 'maybe', /true or false/],
  ['pr-number', 'abc', /a pull request number/],
  ['instructions-file', '/etc/passwd', /'instructions-file'.*not relative to the repository root/],
];

/** No stack trace in what the user reads. */
const STACK = /\n\s+at .+[(:]\d+/;

describe('a corpus of bad inputs and events', () => {
  let github: FakeGitHub;
  let llm: FakeGateway;
  beforeAll(async () => {
    github = await new FakeGitHub(fakePullRequest()).start();
    llm = await reviewingGateway(KEY);
  });
  afterAll(async () => {
    await github.stop();
    await llm.stop();
  });

  it.each(BAD_INPUTS)("input '%s' = %j: a message naming it, exit 1, no stack, no call", async (name, value, says) => {
    const before = { calls: llm.calls.length, posts: github.count('POST', /./) };
    const { env } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, [name]: value });
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(1);
    const error = log.split('\n').find((l) => l.startsWith('::error::')) ?? '';
    expect(error).toContain(`'${name}'`);
    expect(error.replace(/%0A/g, '\n')).toMatch(says);
    expect(log).not.toMatch(STACK);
    expect(log).not.toContain('hunter2secret');
    expect(llm.calls.length).toBe(before.calls);
    expect(github.count('POST', /./)).toBe(before.posts);
  });

  it('a custom provider without base-url names base-url', async () => {
    const { env } = actionEnv(github, { 'api-key': KEY, provider: 'custom' });
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(1);
    expect(log).toMatch(
      /::error::.*input 'base-url': got \\?"\\?"; expected the gateway's URL when provider is custom/,
    );
  });

  it.each([
    ['push', examplePayload('push'), /no pull request to review for event 'push'.*'pr-number'/],
    ['workflow_dispatch', examplePayload('workflow_dispatch'), /'pr-number'/],
    ['issues', examplePayload('issues', 'opened'), /no pull request to review for event 'issues'/],
  ])('a %s event without a pull request says how to name one', async (eventName, payload, says) => {
    const before = llm.calls.length;
    const { env } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url }, { name: eventName, payload });
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(1);
    expect(log).toMatch(says);
    expect(log).not.toMatch(STACK);
    expect(llm.calls.length).toBe(before);
  });

  it('a pull request GitHub does not find (404) names pr-number', async () => {
    const { env } = actionEnv(
      github,
      { 'api-key': KEY, 'base-url': llm.url, 'pr-number': '4242' },
      { name: 'workflow_dispatch', payload: examplePayload('workflow_dispatch') },
    );
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(1);
    expect(log).toMatch(/::error::GitHub found nothing to read pull request #4242 .*check 'pr-number'/);
  });

  it.each([
    ['an empty pull request', []],
    [
      'a pull request of only binaries',
      [
        { filename: 'logo.png', status: 'added' as const, additions: 0, deletions: 0 },
        { filename: 'font.woff2', status: 'modified' as const, additions: 0, deletions: 0 },
      ],
    ],
  ])('%s: a summary that says there is nothing to review, exit 0, no call', async (_name, files) => {
    const empty = await new FakeGitHub(fakePullRequest(files)).start();
    try {
      const before = llm.calls.length;
      const { env } = actionEnv(
        empty,
        { 'api-key': KEY, 'base-url': llm.url },
        {
          name: 'pull_request',
          payload: pullRequestEvent(empty.pr),
        },
      );
      const { exitCode, log } = await runInProcess(env);
      expect(exitCode).toBe(0);
      expect(log).not.toMatch(STACK);
      expect(llm.calls.length).toBe(before);
      expect(empty.reviews).toHaveLength(0);
      const summary = empty.issueComments[0]!.body;
      expect(summary).toContain('Nothing to review: no reviewable changes.');
      for (const f of files) expect(summary).toContain(f.filename);
    } finally {
      await empty.stop();
    }
  });
});
