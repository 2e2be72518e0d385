// max-cost-usd with no holes: every attempt is reserved at a worst case no input can beat, and booked.
import { describe, expect, it } from 'vitest';
import { getTokenizer } from '@anthropic-ai/tokenizer';
import { randomBytes } from 'node:crypto';
import { toFileDiff } from '../../src/diff/diff.js';
import { planChunks, type Chunk } from '../../src/plan/plan.js';
import { buildPrefix, buildRequest } from '../../src/prompt/prompt.js';
import { runChunks } from '../../src/run/run.js';
import { worstCaseUsd } from '../../src/run/budget.js';
import { LlmError, type CallOptions, type LlmClient, type LlmResult } from '../../src/llm/client.js';
import { withRetries } from '../../src/llm/retry.js';
import { FakeGitHub } from '../fakes/github.js';
import { FakeGateway } from '../fakes/gateway.js';
import { actionEnv, fakePullRequest, reviewedPullRequest, runInProcess, reviewingGateway } from '../helpers/action.js';
import { stopAfterEach } from '../helpers/cleanup.js';

const PR = reviewedPullRequest();
const PRICES = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
const KEY = 'sk-ant-test-key-cap-0123456789';

function fileWith(path: string, line: string) {
  return toFileDiff({
    filename: path,
    status: 'modified',
    additions: 1,
    deletions: 0,
    patch: ['@@ -1,1 +1,2 @@', ' keep', `+${line}`].join('\n'),
  });
}

const FILES = [fileWith('src/a.ts', 'const a = compute(1);'), fileWith('src/b.ts', 'const b = compute(2);')];

function run(chunks: Chunk[], client: LlmClient, maxCostUsd: number, files = FILES) {
  return runChunks(chunks, buildPrefix(PR, '', files), client, {
    call: { model: 'm', maxTokens: 1000, temperature: 0 },
    concurrency: 1,
    prices: PRICES,
    maxCostUsd,
  });
}

/** A client that records its attempts and answers by script. */
function scripted(answer: (n: number, options: CallOptions) => LlmResult): LlmClient & { attempts: number } {
  const client = {
    attempts: 0,
    call(_request: unknown, options: CallOptions): Promise<LlmResult> {
      client.attempts += 1;
      return Promise.resolve(answer(client.attempts, options));
    },
  };
  return client;
}

const noUsage: LlmResult = {
  toolInput: { summary: 's', comments: [] },
  usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  stopReason: 'tool_use',
  text: '',
};

describe('the worst case of a call', () => {
  it('is never beaten by the tokens of whitespace, letter runs, base64 or non-Latin text', () => {
    const tokenizer = getTokenizer();
    const hostile = [
      ' \t  \t'.repeat(4_000),
      'a'.repeat(20_000),
      randomBytes(12_000).toString('base64'),
      Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(97 + ((i * 7919) % 26))).join(''),
      '漢字かな交じり文'.repeat(1_000),
      '🔥'.repeat(4_000),
    ];
    for (const text of hostile) {
      const files = [fileWith('src/bomb.ts', text)];
      const [chunk] = planChunks(files, 10_000_000);
      const request = buildRequest(buildPrefix(PR, '', files), chunk!, 1);
      const all = [
        JSON.stringify(request.tool),
        ...request.system.map((b) => b.text),
        ...request.user.map((b) => b.text),
      ];
      const tokens = all.reduce((n, t) => n + tokenizer.encode(t, 'all').length, 0);
      // Billed at most: every token at the cache-write price, and all of max-output-tokens.
      const billed = (tokens * PRICES.cacheWrite + 1000 * PRICES.output) / 1e6;
      expect(worstCaseUsd(request, PRICES, 1000), text.slice(0, 10)).toBeGreaterThanOrEqual(billed);
    }
  });

  it('prices the shared prefix as a cache write, whether or not the cache will hold it', () => {
    const [chunk] = planChunks(FILES, 10_000);
    const request = buildRequest(buildPrefix(PR, '', FILES), chunk!, 1);
    const cheapWrites = { ...PRICES, cacheWrite: 1 };
    // Where writes cost more than input, the prefix is reserved at the write price.
    expect(worstCaseUsd(request, PRICES, 0)).toBeGreaterThan(worstCaseUsd(request, cheapWrites, 0));
    // And never below the input price.
    expect(worstCaseUsd(request, cheapWrites, 0)).toBe(worstCaseUsd(request, { ...PRICES, cacheWrite: 3 }, 0));
  });

  it('a whitespace bomb against a $0.05 cap: no call is made', async () => {
    const files = [fileWith('src/bomb.ts', ' '.repeat(400_000))];
    const chunks = planChunks(files, 10_000_000);
    const client = scripted(() => noUsage);
    const outcomes = await run(chunks, client, 0.05, files);
    expect(client.attempts).toBe(0);
    expect(outcomes[0]?.status).toBe('not-run');
  });
});

describe('booking', () => {
  const [one] = planChunks(FILES, 10_000);
  const six = Array.from({ length: 6 }, (_, index): Chunk => ({ ...one!, index }));
  const chunks = [six[0]!];

  it('keeps the reservation of a call that reports no usage: the calls stop at the cap', async () => {
    const worst = worstCaseUsd(buildRequest(buildPrefix(PR, '', FILES), six[0]!, 6), PRICES, 1000);
    const client = scripted(() => noUsage);
    const outcomes = await run(six, client, worst * 2.5);
    // Booked at their reservations, the calls stop near the cap: two whole parts, a few smaller ones, the rest not run.
    expect(client.attempts).toBeGreaterThanOrEqual(2);
    expect(client.attempts).toBeLessThan(outcomes.length);
    expect(outcomes.filter((o) => o.status === 'not-run').length).toBeGreaterThan(0);
  });

  it('reserves every retry of a call that began to answer, and stops retrying at the cap', async () => {
    const worst = worstCaseUsd(buildRequest(buildPrefix(PR, '', FILES), chunks[0]!, 1), PRICES, 1000);
    const broken = scripted(() => {
      const error = new LlmError('stream', 'the stream broke off');
      error.started = true;
      throw error;
    });
    const client = withRetries(broken, { maxAttempts: 5, maxTotalMs: 10_000, baseDelayMs: 1, maxDelayMs: 1 });
    const outcomes = await run([chunks[0]!], client, worst * 2.5);
    expect(broken.attempts).toBe(2);
    expect(outcomes[0]?.status).toBe('failed');
    expect(outcomes[0]?.error).toMatch(/not retried: this call could cost up to .* max-cost-usd/);
  });

  it('retries an attempt that never reached the model without spending its reservation', async () => {
    const worst = worstCaseUsd(buildRequest(buildPrefix(PR, '', FILES), chunks[0]!, 1), PRICES, 1000);
    const flaky = scripted((n) => {
      if (n < 4) throw new LlmError('rate-limit', 'rate limited (429)');
      return noUsage;
    });
    const client = withRetries(flaky, { maxAttempts: 5, maxTotalMs: 10_000, baseDelayMs: 1, maxDelayMs: 1 });
    const outcomes = await run([chunks[0]!], client, worst * 1.5);
    expect(flaky.attempts).toBe(4);
    expect(outcomes[0]?.status).toBe('ok');
  });
});

describe('a cap with no known price', () => {
  const stopLater = stopAfterEach();

  it('stops before the first call for an unknown model, saying to set pricing or max-cost-usd: none', async () => {
    const github = await new FakeGitHub(fakePullRequest()).start();
    const llm = await reviewingGateway(KEY);
    stopLater(
      () => github.stop(),
      () => llm.stop(),
    );
    const { env } = actionEnv(github, {
      'api-key': KEY,
      provider: 'custom',
      'base-url': llm.url,
      model: 'house-model-7',
      'context-window': '200000',
    });
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(1);
    expect(log).toMatch(/::error::input 'max-cost-usd' \(2\) cannot be enforced.*'pricing'.*'max-cost-usd: none'/);
    expect(llm.calls).toHaveLength(0);
  });

  it("enforces the cap at Anthropic's list price for a known model on a gateway with no price, and says so", async () => {
    const github = await new FakeGitHub(fakePullRequest()).start();
    const llm: FakeGateway = await reviewingGateway(KEY);
    stopLater(
      () => github.stop(),
      () => llm.stop(),
    );
    const { env } = actionEnv(github, {
      'api-key': KEY,
      provider: 'bytespike',
      'base-url': llm.url,
      'max-cost-usd': '0.001',
    });
    const { exitCode, log } = await runInProcess(env);
    expect(log).toMatch(
      /::notice::No price is known for claude-sonnet-5-5 on bytespike: max-cost-usd \(0\.001\) is enforced at Anthropic's list price/,
    );
    expect(llm.calls).toHaveLength(0);
    expect(exitCode).toBe(1);
    expect(github.issueComments[0]?.body).toContain('would pass max-cost-usd');
  });
});
