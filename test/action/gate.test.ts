// The author gate: on pull_request_target any fork can open a PR, so only trusted authors (or a PR a
// maintainer labelled) cost an LLM call.
import { describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import type { FakeGateway } from '../fakes/gateway.js';
import { fakesForEachTest, actionEnv, pullRequestEvent, runInProcess } from '../helpers/action.js';

const KEY = 'sk-ant-test-key-gate-0123456789';

describe('allowed-associations and review-label', () => {
  let github: FakeGitHub;
  let llm: FakeGateway;
  fakesForEachTest(KEY, (fakes) => ({ github, llm } = fakes));

  /** A pull_request_target event for a PR opened from a fork by someone with the given association. */
  function forkEvent(association: string, labels: string[] = []) {
    const payload = pullRequestEvent(github.pr, { headRepo: 'stranger/octo-repo' }) as {
      pull_request: Record<string, unknown>;
    };
    payload.pull_request.author_association = association;
    payload.pull_request.user = { login: 'stranger' };
    payload.pull_request.labels = labels.map((name) => ({ name }));
    return { name: 'pull_request_target', payload };
  }

  const run = (event: ReturnType<typeof forkEvent>, inputs: Record<string, string> = {}) =>
    runInProcess(actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, ...inputs }, event).env);

  it('a first-time contributor gets a notice that says how to have it reviewed, and costs nothing', async () => {
    const { exitCode, log } = await run(forkEvent('FIRST_TIME_CONTRIBUTOR'));
    expect(exitCode).toBe(0);
    expect(log).toMatch(
      /::notice::Not reviewed: the author stranger \(FIRST_TIME_CONTRIBUTOR\) is not in allowed-associations \(OWNER, MEMBER, COLLABORATOR\); a maintainer can add the label 'claude-review'/,
    );
    expect(llm.calls).toHaveLength(0);
    expect(github.requests).toHaveLength(0);
  });

  it("a maintainer's label lets any author's pull request be reviewed", async () => {
    const { exitCode } = await run(forkEvent('NONE', ['bug', 'Claude-Review']));
    expect(exitCode).toBe(0);
    expect(llm.calls.length).toBeGreaterThan(0);
    expect(github.reviews).toHaveLength(1);
  });

  it('allowed-associations widens or narrows who is reviewed; review-label none lifts nothing', async () => {
    await run(forkEvent('CONTRIBUTOR'), { 'allowed-associations': 'owner,member , contributor' });
    expect(llm.calls.length).toBeGreaterThan(0);
    const before = llm.calls.length;
    const { log } = await run(forkEvent('COLLABORATOR', ['claude-review']), {
      'allowed-associations': 'OWNER',
      'review-label': 'none',
    });
    expect(llm.calls.length).toBe(before);
    expect(log).toContain('::notice::Not reviewed: the author stranger (COLLABORATOR)');
    expect(log).not.toContain('add the label');
  });

  it('a bad association is refused with the input named and the accepted values listed', async () => {
    const { exitCode, log } = await run(forkEvent('OWNER'), { 'allowed-associations': 'OWNER, admins' });
    expect(exitCode).toBe(1);
    expect(log).toMatch(
      /::error::.*input 'allowed-associations': got \\?"OWNER, admins\\?"; expected a comma-separated list of OWNER, MEMBER/,
    );
    expect(llm.calls).toHaveLength(0);
  });
});
