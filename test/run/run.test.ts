import { describe, expect, it } from 'vitest';
import { FakeGateway, type GatewayBody, type Reply } from '../fakes/gateway.js';
import { FakeGitHub } from '../fakes/github.js';
import {
  actionEnv,
  fakePullRequest,
  readOutputs,
  runInProcess,
  scriptedReview,
  userTextOf,
  reviewedPullRequest,
} from '../helpers/action.js';
import { toFileDiff, type FileDiff } from '../../src/diff/diff.js';
import { planChunks, type Chunk } from '../../src/plan/plan.js';
import { buildPrefix, buildRequest } from '../../src/prompt/prompt.js';
import { userText } from '../../src/llm/request.js';
import { runChunks } from '../../src/run/run.js';
import { worstCaseUsd } from '../../src/run/budget.js';
import { splitChunk } from '../../src/context/items.js';
import { LlmError, type CallOptions, type LlmClient, type LlmResult } from '../../src/llm/client.js';
import { parseSettings } from '../../src/settings/settings.js';
import { createLlmClient } from '../../src/llm/factory.js';
import type { LlmRequest } from '../../src/llm/request.js';
import { stopAfterEach } from '../helpers/cleanup.js';

const PR = reviewedPullRequest();
const PRICES = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };

function file(path: string, hunks: number, lines: number): FileDiff {
  const parts: string[] = [];
  for (let h = 0; h < hunks; h++) {
    const start = h * (lines + 20) + 1;
    parts.push(`@@ -${start},1 +${start},${lines + 1} @@`, ' keep');
    for (let i = 0; i < lines; i++) parts.push(`+  total += items[${i}].price * items[${i}].count; // line ${h}.${i}`);
  }
  return toFileDiff({
    filename: path,
    status: 'modified',
    patch: parts.join('\n'),
    additions: hunks * lines,
    deletions: 0,
  });
}

const FILES = [file('src/a.ts', 2, 40), file('src/b.ts', 1, 60), file('lib/c.ts', 3, 30), file('lib/d.ts', 1, 20)];

/** An in-memory client that records calls and answers by script; the wire is covered by the HTTP tests. */
class ScriptedClient implements LlmClient {
  readonly calls: { user: string; started: number }[] = [];
  constructor(private readonly answer: (request: LlmRequest, n: number) => Promise<LlmResult> | LlmResult) {}
  async call(request: LlmRequest, options: CallOptions): Promise<LlmResult> {
    const n = this.calls.length;
    this.calls.push({ user: userText(request), started: Date.now() });
    options.onStart?.();
    return this.answer(request, n);
  }
}

const okResult = (output = 500): LlmResult => ({
  toolInput: { summary: 's', comments: [] },
  usage: { input: 1000, output, cacheRead: 0, cacheWrite: 0 },
  stopReason: 'tool_use',
  text: '',
});

function run(chunks: Chunk[], client: LlmClient, extra: Partial<Parameters<typeof runChunks>[3]> = {}) {
  return runChunks(chunks, buildPrefix(PR, '', FILES), client, {
    call: { model: 'm', maxTokens: 1000 },
    concurrency: 4,
    prices: PRICES,
    ...extra,
  });
}

describe('runChunks', () => {
  const chunks = planChunks(FILES, 900);

  it('reviews every chunk once, first alone', async () => {
    expect(chunks.length).toBeGreaterThanOrEqual(5);
    const client = new ScriptedClient(() => okResult());
    const outcomes = await run(chunks, client);
    expect(outcomes.map((o) => o.status)).toEqual(chunks.map(() => 'ok'));
    expect(client.calls).toHaveLength(chunks.length);
  });

  it('starts the other calls only once the first answer has begun to stream', async () => {
    const order: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const client: LlmClient = {
      async call(request, options) {
        const first = order.length === 0;
        order.push(first ? 'first:sent' : 'other:sent');
        if (first) {
          await new Promise<void>((resolve) => setTimeout(resolve, 20));
          order.push('first:streaming');
          options.onStart?.();
          await new Promise<void>((resolve) => (releaseFirst = resolve));
          order.push('first:done');
        } else if (order.filter((o) => o === 'other:sent').length === chunks.length - 1) releaseFirst();
        return okResult();
      },
    };
    await run(chunks, client, { concurrency: chunks.length });
    expect(order.slice(0, 2)).toEqual(['first:sent', 'first:streaming']);
    // The others went out while the first was still streaming.
    expect(order.indexOf('first:done')).toBeGreaterThan(order.lastIndexOf('other:sent'));
  });

  it('makes no call that could pass max-cost-usd, and lists the chunks it did not review', async () => {
    const client = new ScriptedClient(() => okResult());
    // Worst case of a call here: about 2500 prefix (write, then read) + 900 diff tokens + 1000 output tokens.
    const outcomes = await run(chunks, client, { maxCostUsd: 0.06, concurrency: 1 });
    const reviewed = outcomes.filter((o) => o.status === 'ok');
    const skipped = outcomes.filter((o) => o.status === 'not-run');
    expect(reviewed.length).toBeGreaterThan(0);
    expect(skipped.length).toBeGreaterThan(0);
    expect(client.calls).toHaveLength(reviewed.length);
    const spent = reviewed.reduce((n, o) => n + (o.usage.input * 3 + o.usage.output * 15) / 1e6, 0);
    expect(spent).toBeLessThanOrEqual(0.06);
    expect(skipped[0]?.error).toMatch(/would pass max-cost-usd \(\$0\.06/);
  });

  it('reserves later calls with the prefix as the gateway counted it, so the cap fits one more call', async () => {
    const prefix = buildPrefix(PR, '', FILES);
    const request = (c: Chunk) => buildRequest(prefix, c, chunks.length);
    // The gateway counts the prefix at 200 tokens, far under its ceiling.
    const counted = 200;
    const withCeiling = worstCaseUsd(request(chunks[1]!), PRICES, 1000);
    const withCount = worstCaseUsd(request(chunks[1]!), PRICES, 1000, 1, counted);
    expect(withCount).toBeLessThan(withCeiling);
    const firstCost = (1000 * 3 + counted * 3.75 + 500 * 15) / 1e6;
    // Room for the first call, then for a second only when the prefix is reserved at its count.
    const cap = Math.max(worstCaseUsd(request(chunks[0]!), PRICES, 1000), firstCost + withCount) + 1e-6;
    expect(firstCost + withCeiling).toBeGreaterThan(cap);
    const client = new ScriptedClient(() => ({
      ...okResult(),
      usage: { input: 1000, output: 500, cacheRead: 0, cacheWrite: counted },
    }));
    const outcomes = await run(chunks.slice(0, 2), client, { maxCostUsd: cap, concurrency: 1, countsPrefix: true });
    expect(client.calls).toHaveLength(2);
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'ok']);
    // A Chat Completions gateway's cached count may be a shorter prefix than ours: it is not trusted.
    const chat = new ScriptedClient(() => ({
      ...okResult(),
      usage: { input: 1000, output: 500, cacheRead: counted, cacheWrite: 0 },
    }));
    await run(chunks.slice(0, 2), chat, { maxCostUsd: cap, concurrency: 1 });
    expect(chat.calls).toHaveLength(1);
  });

  it('does not halve a part the cap cannot cover when no piece of it could fit', async () => {
    const client = new ScriptedClient(() => okResult());
    const prefix = buildPrefix(PR, '', FILES);
    // Less than the prefix and the least useful output of any piece: nothing fits, nothing is halved.
    const cap = worstCaseUsd(buildRequest(prefix, { index: 0, files: [], tokens: 0 }, 1), PRICES, 1000) * 0.9;
    const outcomes = await run([planChunks(FILES, 100_000)[0]!], client, { maxCostUsd: cap });
    expect(client.calls).toHaveLength(0);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.status).toBe('not-run');
    expect(outcomes[0]?.error).toMatch(/would pass max-cost-usd/);
  });

  it('splits a chunk whose answer was cut off at max_tokens, and reviews both halves', async () => {
    const client = new ScriptedClient((_r, n) =>
      n === 0 ? { ...okResult(1000), toolInput: undefined, stopReason: 'max_tokens' } : okResult(),
    );
    const outcomes = await run([chunks[0]!], client);
    expect(client.calls).toHaveLength(3);
    expect(outcomes).toHaveLength(2);
    expect(outcomes.every((o) => o.status === 'ok')).toBe(true);
    // The cut-off call is billed and counted.
    expect(outcomes.reduce((n, o) => n + o.calls, 0)).toBe(3);
    expect(outcomes.reduce((n, o) => n + o.usage.output, 0)).toBe(2000);
  });

  it('books a cut-off call at its real cost before the halves are checked against the cap', async () => {
    const chunk = chunks[0]!;
    const prefix = buildPrefix(PR, '', FILES);
    const [half] = splitChunk(chunk)!;
    const cutCost = (1000 * 3 + 1000 * 15) / 1e6;
    const firstWorst = worstCaseUsd(buildRequest(prefix, chunk, 1), PRICES, 1000);
    const halfWorst = worstCaseUsd(buildRequest(prefix, half, 1), PRICES, 1000);
    // Room for the first call, then for the cut-off call's real cost and one half, not two.
    const cap = Math.max(firstWorst, cutCost + halfWorst) + 0.0001;
    expect(cap).toBeLessThan(cutCost + 2 * halfWorst);
    const client = new ScriptedClient((_r, n) =>
      n === 0 ? { ...okResult(1000), toolInput: undefined, stopReason: 'max_tokens' } : okResult(),
    );
    const outcomes = await run([chunk], client, { maxCostUsd: cap });
    expect(client.calls.length).toBeGreaterThanOrEqual(2);
    expect(outcomes.some((o) => o.status === 'ok')).toBe(true);
    expect(outcomes.reduce((t, o) => t + (o.usd ?? 0), 0)).toBeLessThanOrEqual(cap);
  });

  it('says what the model wrote when it answered without calling the tool', async () => {
    const client = new ScriptedClient(() => ({
      ...okResult(),
      toolInput: undefined,
      stopReason: 'end_turn',
      text: 'I cannot review this diff.',
    }));
    const outcomes = await run([chunks[0]!], client);
    expect(outcomes[0]?.status).toBe('failed');
    expect(outcomes[0]?.error).toBe('the model did not submit its review; it wrote: "I cannot review this diff."');
    expect(outcomes[0]?.usage.output).toBe(500);
  });

  it('splits on "prompt is too long", a bounded number of times, then reports the chunk', async () => {
    const client = new ScriptedClient(() => {
      throw new LlmError('too-large', 'the prompt is too long for the model (400): prompt is too long');
    });
    const outcomes = await run([chunks[0]!], client, { maxSplitDepth: 2 });
    expect(client.calls.length).toBe(1 + 2 + 4);
    expect(outcomes.every((o) => o.status === 'failed')).toBe(true);
    expect(outcomes[0]?.error).toMatch(/even after splitting the chunk 2 times \(lower 'chunk-tokens'/);
  });

  it('keeps the findings of finished chunks when a fatal error stops the run', async () => {
    const client = new ScriptedClient((_r, n) => {
      if (n === 1) throw new LlmError('payment', "the gateway's wallet or credit is exhausted (402)", 402);
      return {
        ...okResult(),
        toolInput: {
          summary: 's',
          comments: [{ path: 'src/a.ts', line: 2, severity: 'high', category: 'bug', title: 't', body: 'b' }],
        },
      };
    });
    const outcomes = await run(chunks, client, { concurrency: 1 });
    expect(outcomes[0]?.status).toBe('ok');
    expect(outcomes[0]?.comments).toHaveLength(1);
    expect(outcomes[1]?.status).toBe('failed');
    expect(outcomes.slice(2).every((o) => o.status === 'not-run' && o.error?.includes('wallet'))).toBe(true);
    expect(client.calls).toHaveLength(2);
  });

  it('splits by files, then hunks, then lines', () => {
    const byFiles = splitChunk(chunks.find((c) => c.files.length > 1)!);
    expect(byFiles?.every((h) => h.files.length >= 1)).toBe(true);
    const single = { index: 0, files: [{ file: FILES[1]!, hunks: FILES[1]!.hunks }], tokens: 1 };
    const byLines = splitChunk(single)!;
    const lines = byLines.flatMap((c) => c.files.flatMap((f) => f.hunks.flatMap((h) => h.lines.map((l) => l.newLine))));
    expect(new Set(lines)).toEqual(new Set(FILES[1]!.hunks[0]!.lines.map((l) => l.newLine)));
  });
});

describe('a stream cut mid-way, over real HTTP', () => {
  const stopLater = stopAfterEach();

  it('retries the chunk and keeps only the complete answer', async () => {
    const gateway = await new FakeGateway({
      apiKey: 'k',
      auth: 'x-api-key',
      reply: (body: GatewayBody, n): Reply =>
        n === 0 ? { dropConnection: true } : { toolInput: scriptedReview(userTextOf(body)) },
    }).start();
    stopLater(() => gateway.stop());
    const settings = parseSettings({ 'api-key': 'k', 'base-url': gateway.url });
    const client = createLlmClient(settings, {
      retry: { maxAttempts: 3, maxTotalMs: 10_000, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const outcomes = await run(planChunks(FILES, 100_000), client);
    expect(gateway.calls).toHaveLength(2);
    expect(outcomes[0]?.status).toBe('ok');
    expect(outcomes[0]?.comments.length).toBeGreaterThan(0);
    expect(outcomes[0]?.usage).toEqual({
      input: gateway.billed().input_tokens,
      output: gateway.billed().output_tokens,
      cacheRead: gateway.billed().cache_read_input_tokens,
      cacheWrite: gateway.billed().cache_creation_input_tokens,
    });
  });
});

describe('the action when the wallet runs dry mid-run (402)', () => {
  it('makes no further call, posts what was found, and says what was not reviewed and why', async () => {
    const github = await new FakeGitHub(fakePullRequest()).start();
    const gateway = await new FakeGateway({
      apiKey: 'k',
      auth: 'x-api-key',
      reply: (body, n): Reply =>
        n < 2
          ? { toolInput: scriptedReview(userTextOf(body)) }
          : { status: 402, error: { type: 'billing_error', message: 'Insufficient balance' } },
    }).start();
    try {
      const { env, files } = actionEnv(github, {
        'api-key': 'k',
        'base-url': gateway.url,
        'chunk-tokens': '2000',
        concurrency: '1',
        'review-depth': 'quick',
      });
      const { exitCode, log } = await runInProcess(env);
      expect(exitCode).toBe(0);
      expect(log).toMatch(/::warning::\d+ of \d+ parts were not reviewed/);
      expect(gateway.calls).toHaveLength(3);
      const outputs = readOutputs(files.outputPath);
      expect(Number(outputs.chunks)).toBeGreaterThan(3);
      expect(github.reviews).toHaveLength(1);
      expect(github.reviewComments.length).toBeGreaterThan(0);
      const summary = github.issueComments[0]!.body;
      expect(summary).toContain('Partial review');
      expect(summary).toContain('### Not reviewed');
      expect(summary).toContain('Insufficient balance');
      expect(summary).toMatch(/not reviewed: the gateway's wallet or credit is exhausted/);
    } finally {
      await github.stop();
      await gateway.stop();
    }
  });
});
