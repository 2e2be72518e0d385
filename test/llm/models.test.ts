// Today's Claude models through the action, against a fake gateway that applies Anthropic's documented rules.
import { describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { billedUsdByCall, FakeGateway, type Reply } from '../fakes/gateway.js';
import {
  actionEnv,
  fakePullRequest,
  readOutputs,
  runInProcess,
  scriptedReview,
  userTextOf,
} from '../helpers/action.js';
import { findModel } from '../../src/llm/models.js';
import { stopAfterEach } from '../helpers/cleanup.js';

const KEY = 'sk-ant-test-key-models-0123456789';
const stopLater = stopAfterEach();

async function fakes(reply?: (body: Parameters<typeof userTextOf>[0], n: number) => Reply, models?: string[]) {
  const github = await new FakeGitHub(fakePullRequest()).start();
  const llm = await new FakeGateway({
    apiKey: KEY,
    auth: 'x-api-key',
    reply: reply ?? ((body) => ({ toolInput: scriptedReview(userTextOf(body)) })),
    ...(models ? { models } : {}),
  }).start();
  stopLater(
    () => github.stop(),
    () => llm.stop(),
  );
  return { github, llm };
}

describe('today’s models', () => {
  it.each(['claude-sonnet-5-5', 'claude-opus-5-5', 'claude-haiku-5-5', 'claude-sonnet-4-6'])(
    '%s reviews the PR with no request refused, every finding posted, and the cost within half a per cent of the bill',
    async (model) => {
      const { github, llm } = await fakes();
      // Small parts, so Haiku 5.5 stays in its lower tier, and a whole-PR part that passes 100K prompt tokens.
      const { env, files } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, model, 'chunk-tokens': '4000' });
      const { exitCode, log } = await runInProcess(env);
      expect(log).not.toContain('::error');
      expect(exitCode).toBe(0);
      expect(llm.calls.every((c) => c.status === 200)).toBe(true);
      expect(github.reviews).toHaveLength(1);
      const price = findModel(model)!.listPrice;
      const bill = billedUsdByCall(llm.calls, price, price.longPrompt);
      const cost = Number(readOutputs(files.outputPath)['cost-usd']);
      expect(Math.abs(cost - bill) / bill).toBeLessThan(0.005);
      const thinks = model !== 'claude-sonnet-4-6';
      expect(llm.calls.every((c) => (c.usage?.output_tokens_details?.thinking_tokens ?? 0) > 0)).toBe(thinks);
      expect(llm.calls.every((c) => c.body.temperature === undefined)).toBe(true);
    },
  );

  it('prices a Haiku 5.5 request above 100K prompt tokens at the long-prompt rate for the whole request', async () => {
    const { github, llm } = await fakes(undefined);
    const big = 'const padding = "' + 'lorem ipsum dolor sit amet '.repeat(16_000) + '";';
    github.pr.files.push({
      filename: 'src/big.js',
      status: 'added',
      additions: 1,
      deletions: 0,
      patch: `@@ -0,0 +1,1 @@\n+${big}`,
    });
    const { env, files } = actionEnv(github, {
      'api-key': KEY,
      'base-url': llm.url,
      model: 'claude-haiku-5-5',
      'chunk-tokens': '500000',
      'max-cost-usd': 'none',
    });
    expect((await runInProcess(env)).exitCode).toBe(0);
    const price = findModel('claude-haiku-5-5')!.listPrice;
    const long = llm.calls.filter((c) => {
      const u = c.usage!;
      return u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens > 100_000;
    });
    expect(long.length).toBeGreaterThan(0);
    const bill = billedUsdByCall(llm.calls, price, price.longPrompt);
    expect(bill).toBeGreaterThan(billedUsdByCall(llm.calls, price) * 2);
    expect(Math.abs(Number(readOutputs(files.outputPath)['cost-usd']) - bill) / bill).toBeLessThan(0.005);
  });

  it('a declined part is reported as declined, with no retry, and the other parts are posted', async () => {
    const { github, llm } = await fakes((body, n) =>
      n === 1
        ? { refusal: { category: 'cyber', explanation: 'This request was declined.' } }
        : { toolInput: scriptedReview(userTextOf(body)) },
    );
    const { env } = actionEnv(github, {
      'api-key': KEY,
      'base-url': llm.url,
      'chunk-tokens': '4000',
      concurrency: '1',
      'review-depth': 'quick',
    });
    const { exitCode } = await runInProcess(env);
    expect(exitCode).toBe(0);
    const parts = new Set(llm.calls.map((c) => userTextOf(c.body).match(/Review part \d+/)?.[0]));
    expect(llm.calls.length).toBe(parts.size);
    expect(github.reviews).toHaveLength(1);
    expect(github.issueComments[0]!.body).toContain('the model declined (cyber)');
  });

  it('a model that answers in text gets one follow-up turn asking for the tool, and its review is posted', async () => {
    const { github, llm } = await fakes((body) =>
      body.messages.length === 1
        ? { text: 'Looks fine to me overall.' }
        : { toolInput: scriptedReview(userTextOf(body)) },
    );
    const { env } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, 'review-depth': 'quick' });
    expect((await runInProcess(env)).exitCode).toBe(0);
    expect(llm.calls).toHaveLength(2);
    expect(JSON.stringify(llm.calls[1]!.body.messages.at(-1))).toContain('Call submit_review now');
    expect(github.reviews).toHaveLength(1);
  });

  it('a gateway that does not serve the model: at most 2 requests, and a message naming one it serves', async () => {
    const { github, llm } = await fakes(undefined, ['claude-sonnet-4-6', 'claude-haiku-4-5']);
    const { env } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, model: 'claude-opus-5-5' });
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(1);
    expect(llm.calls.length + llm.modelListRequests).toBeLessThanOrEqual(2);
    expect(log).toMatch(/does not serve the model 'claude-opus-5-5'.*it lists claude-sonnet-4-6, claude-haiku-4-5/);
  });

  it('with no model set, a preset whose gateway lists its models uses the newest Sonnet it lists', async () => {
    const { github, llm } = await fakes(undefined, ['claude-haiku-4-5', 'claude-sonnet-5', 'claude-sonnet-4-6']);
    const { env } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, provider: 'bytespike' });
    const { exitCode } = await runInProcess(env);
    expect(exitCode).toBe(0);
    expect(llm.modelListRequests).toBe(1);
    expect(new Set(llm.calls.map((c) => c.body.model))).toEqual(new Set(['claude-sonnet-5']));
  });
});

describe('a cap below the estimate', () => {
  it('is spent to at least 70 % and never passed, reviewing the parts that fit in plan order', async () => {
    // Sixty files (the fixture six times over), a review of about $0.45 at Sonnet 5.5's price.
    const many = (): ReturnType<typeof fakePullRequest> => {
      const pr = fakePullRequest();
      const files = [0, 1, 2, 3, 4, 5].flatMap((i) =>
        pr.files.map((f) => ({ ...f, filename: `copy${i}/${f.filename}` })),
      );
      return { ...pr, files };
    };
    const github = await new FakeGitHub(many()).start();
    const llm = await new FakeGateway({
      apiKey: KEY,
      auth: 'x-api-key',
      reply: (body) => ({ toolInput: scriptedReview(userTextOf(body)) }),
    }).start();
    stopLater(
      () => github.stop(),
      () => llm.stop(),
    );
    const base = { 'api-key': KEY, 'base-url': llm.url, 'chunk-tokens': '3000', concurrency: '1' };
    const whole = actionEnv(github, { ...base, 'max-cost-usd': 'none' });
    expect((await runInProcess(whole.env)).exitCode).toBe(0);
    const price = findModel('claude-sonnet-5-5')!.listPrice;
    const full = billedUsdByCall(llm.calls, price);
    llm.reset();
    const github2 = await new FakeGitHub(many()).start();
    stopLater(() => github2.stop());
    const cap = full * 0.6;
    const capped = actionEnv(github2, { ...base, 'max-cost-usd': cap.toFixed(6) });
    await runInProcess(capped.env);
    const spent = billedUsdByCall(llm.calls, price);
    expect(spent).toBeLessThanOrEqual(cap);
    expect(spent).toBeGreaterThanOrEqual(0.7 * cap);
    expect(github2.issueComments[0]!.body).toMatch(/max-cost-usd/);
  });
});
