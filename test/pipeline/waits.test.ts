// Every wait is bounded: a silent gateway costs 60 s (here: a short idle limit), the whole review max-minutes.
import { describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { FakeGateway } from '../fakes/gateway.js';
import { actionEnv, fakePullRequest, runInProcess, scriptedReview, userTextOf } from '../helpers/action.js';
import { stopAfterEach } from '../helpers/cleanup.js';

const KEY = 'sk-ant-test-key-waits-0123456789';
const FAST_RETRY = { maxAttempts: 4, maxTotalMs: 20_000, baseDelayMs: 5, maxDelayMs: 10 };

const stopLater = stopAfterEach();

async function fakes(reply: ConstructorParameters<typeof FakeGateway>[0]['reply'], chatFormat = false) {
  const github = await new FakeGitHub(fakePullRequest()).start();
  const llm = await new FakeGateway({ apiKey: KEY, auth: chatFormat ? 'bearer' : 'x-api-key', reply }).start();
  stopLater(
    () => github.stop(),
    () => llm.stop(),
  );
  return { github, llm };
}

describe('bounded waits', () => {
  it.each([
    ['Messages, silent before answering', false, 'hang'],
    ['Messages, stalled mid-stream', false, 'stall'],
    ['Chat Completions, stalled mid-stream', true, 'stall'],
  ])('%s: the attempt is aborted after the idle limit and retried', async (_name, chat, how) => {
    const { github, llm } = await fakes(
      (body, n) =>
        n === 0
          ? how === 'hang'
            ? { hangMs: 30_000, toolInput: scriptedReview(userTextOf(body)) }
            : { stallMs: 30_000, toolInput: scriptedReview(userTextOf(body)) }
          : { toolInput: scriptedReview(userTextOf(body)) },
      chat,
    );
    const inputs: Record<string, string> = { 'api-key': KEY, 'base-url': llm.url, 'review-depth': 'quick' };
    if (chat) Object.assign(inputs, { provider: 'aimlapi', model: 'claude-sonnet-4-6' });
    const started = Date.now();
    const { exitCode, log } = await runInProcess(actionEnv(github, inputs).env, { retry: FAST_RETRY, idleMs: 300 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(exitCode).toBe(0);
    expect(log).toMatch(/no byte from the gateway for 0 s; the attempt was aborted.*retrying/);
    expect(llm.calls).toHaveLength(2);
    expect(github.reviews).toHaveLength(1);
  });

  it('max-minutes covers the whole run: a stalled context stage is cut short and the diff is reviewed and posted', async () => {
    const { github, llm } = await fakes((body) => ({ toolInput: scriptedReview(userTextOf(body)) }));
    github.delays.push({ path: /\/git\/(trees|blobs)\//, ms: 30_000 });
    const started = Date.now();
    const { exitCode, log } = await runInProcess(
      actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, 'max-minutes': '0.1' }).env,
      { retry: FAST_RETRY },
    );
    expect(Date.now() - started).toBeLessThan(0.1 * 60_000 + 5_000);
    expect(exitCode).toBe(0);
    expect(log).toMatch(/::warning::context: not gathered in [\d.]+ s/);
    expect(llm.calls.length).toBeGreaterThan(0);
    expect(github.issueComments).toHaveLength(1);
  });

  it('max-minutes ends the review: what was found is posted, the rest listed as not reviewed', async () => {
    const { github, llm } = await fakes((body, n) =>
      n === 0 ? { toolInput: scriptedReview(userTextOf(body)) } : { hangMs: 60_000, toolInput: {} },
    );
    const started = Date.now();
    const { exitCode, log } = await runInProcess(
      actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, 'chunk-tokens': '2000', 'max-minutes': '0.02' }).env,
      { retry: FAST_RETRY },
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(0.02 * 60_000 + 5_000);
    expect(llm.calls.length).toBeGreaterThan(1);
    expect(exitCode).toBe(0);
    expect(log).toMatch(/::warning::\d+ of \d+ parts were not reviewed/);
    expect(github.reviews).toHaveLength(1);
    const summary = github.issueComments[0]!.body;
    expect(summary).toContain('### Not reviewed');
    expect(summary).toContain('not reviewed: the run reached max-minutes (0.02)');
    expect(summary).toContain('### Cost');
  });
});
