import { describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { FakeGateway, type GatewayBody, type Reply, billedUsd } from '../fakes/gateway.js';
import {
  actionEnv,
  fakePullRequest,
  readOutputs,
  runInProcess,
  scriptedReview,
  userTextOf,
  reviewedPullRequest,
} from '../helpers/action.js';
import { parseSettings } from '../../src/settings/settings.js';
import { createLlmClient } from '../../src/llm/factory.js';
import { LlmError } from '../../src/llm/client.js';
import { buildPrefix, buildRequest } from '../../src/prompt/prompt.js';
import { planChunks } from '../../src/plan/plan.js';
import { toFileDiff } from '../../src/diff/diff.js';
import { usageOf } from '../../src/llm/openai.js';
import { jsonInText } from '../../src/core/json.js';
import type { RetryPolicy } from '../../src/llm/retry.js';
import { stopAfterEach } from '../helpers/cleanup.js';

const KEY = 'sk-provider-test-key';
const review = (body: GatewayBody): Reply => ({ toolInput: scriptedReview(userTextOf(body)) });

interface Case {
  provider: string;
  model: string;
  auth: 'x-api-key' | 'bearer';
  path: string;
  wireModel: string;
  prices: { input: number; output: number; cacheRead: number; cacheWrite: number };
  pricing?: string;
  chatUsage?: 'openai' | 'anthropic';
}

const CASES: Case[] = [
  {
    provider: 'anthropic',
    model: 'claude-sonnet-4-6',
    auth: 'x-api-key',
    path: '/v1/messages',
    wireModel: 'claude-sonnet-4-6',
    prices: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  },
  {
    provider: 'runapi',
    model: 'claude-sonnet-4-6',
    auth: 'bearer',
    path: '/v1/messages',
    wireModel: 'claude-sonnet-4-6',
    prices: { input: 1.5, output: 7.5, cacheRead: 0.15, cacheWrite: 1.88 },
    pricing: '{"input": 1.5, "output": 7.5, "cache_read": 0.15, "cache_write": 1.88}',
  },
  {
    provider: 'bytespike',
    model: 'claude-haiku-4-5-20251001',
    auth: 'x-api-key',
    path: '/v1/messages',
    wireModel: 'claude-haiku-4-5',
    prices: { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 },
    pricing: '{"input": 2, "output": 10, "cache_read": 0.2, "cache_write": 2.5}',
  },
  {
    provider: 'aimlapi',
    model: 'claude-sonnet-4-6',
    auth: 'bearer',
    path: '/v1/chat/completions',
    wireModel: 'anthropic/claude-sonnet-4.6',
    prices: { input: 3.15, output: 15.75, cacheRead: 0.315, cacheWrite: 3.9375 },
    pricing: '{"input": 3.15, "output": 15.75}',
  },
  {
    provider: 'aimlapi',
    model: 'claude-sonnet-4-6',
    auth: 'bearer',
    path: '/v1/chat/completions',
    wireModel: 'anthropic/claude-sonnet-4.6',
    prices: { input: 3.15, output: 15.75, cacheRead: 0.315, cacheWrite: 3.9375 },
    pricing: '{"input": 3.15, "output": 15.75}',
    chatUsage: 'anthropic',
  },
];

const stopLater = stopAfterEach();

async function servers(gatewayOptions: ConstructorParameters<typeof FakeGateway>[0]) {
  const github = await new FakeGitHub(fakePullRequest()).start();
  const gateway = await new FakeGateway(gatewayOptions).start();
  stopLater(
    () => github.stop(),
    () => gateway.stop(),
  );
  return { github, gateway };
}

describe.each(CASES)('preset $provider ($path, usage names: $chatUsage)', (c) => {
  it('sends the exact wire request, posts the same comments, and reports cost-usd within 0.5 %', async () => {
    const { github, gateway } = await servers({
      apiKey: KEY,
      auth: c.auth,
      reply: review,
      ...(c.chatUsage ? { chatUsage: c.chatUsage } : {}),
    });
    const inputs: Record<string, string> = {
      'api-key': KEY,
      provider: c.provider,
      model: c.model,
      'base-url': gateway.url,
    };
    if (c.pricing) inputs.pricing = c.pricing;
    const { env, files } = actionEnv(github, inputs);
    const { exitCode, log } = await runInProcess(env);
    expect(log).not.toContain('::error');
    expect(exitCode).toBe(0);

    const call = gateway.calls[0]!;
    expect(call.path).toBe(c.path);
    expect(call.body.model).toBe(c.wireModel);
    expect(call.body.stream).toBe(true);
    expect(call.body.max_tokens).toBe(8192);
    if (c.auth === 'x-api-key') {
      expect(call.headers['x-api-key']).toBe(KEY);
      expect(call.headers.authorization).toBeUndefined();
    } else {
      expect(call.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(call.headers['x-api-key']).toBeUndefined();
    }
    if (c.path === '/v1/messages') {
      // Anthropic's current API version on its own API; the one the gateways document elsewhere.
      expect(call.headers['anthropic-version']).toBe(c.provider === 'anthropic' ? '2026-10-21' : '2023-06-01');
      expect(call.body.tool_choice).toEqual({ type: 'tool', name: 'submit_review' });
      // Our rules in the system prompt; a breakpoint after the PR's data block, first in the user turn, and
      // one after the part (the other looks and the second look read it), then the look's own instruction.
      expect(Array.isArray(call.body.system) && call.body.system.some((b) => b.cache_control)).toBe(false);
      const user = call.body.messages[0]!;
      expect(user.role).toBe('user');
      expect(Array.isArray(user.content) && user.content.map((p) => p.cache_control)).toEqual([
        { type: 'ephemeral' },
        { type: 'ephemeral' },
        undefined,
      ]);
      expect(Array.isArray(user.content) && user.content[0]?.text).toMatch(/<pull_request>\nTitle: /);
      expect(Array.isArray(user.content) && user.content[1]?.text).toMatch(/<diff>\n## /);
      expect(Array.isArray(user.content) && user.content[2]?.text).toMatch(
        /^This look hunts for one family of defects: logic/,
      );
    } else {
      expect(call.body.tool_choice).toEqual({ type: 'function', function: { name: 'submit_review' } });
      expect(call.body.stream_options).toEqual({ include_usage: true });
      expect(call.body.tools?.[0]?.type).toBe('function');
      const system = call.body.messages[0]!;
      expect(system.role).toBe('system');
      const user = call.body.messages[1]!;
      expect(user.role).toBe('user');
      expect(Array.isArray(user.content) && user.content[0]?.cache_control).toEqual({ type: 'ephemeral' });
    }

    expect(github.reviews).toHaveLength(1);
    const posted = github.reviewComments.map((rc) => `${rc.path ?? ''}:${rc.line ?? 0}`).sort();
    // The same nine comments through every preset: the first added line of each file and one two-line range.
    expect(posted).toEqual([
      'README.md:28',
      'bin/semver.js:122',
      'bin/semver.js:123',
      'classes/range.js:1',
      'classes/semver.js:161',
      'functions/coerce.js:22',
      'internal/lrucache.js:1',
      'internal/re.js:157',
      'package.json:3',
    ]);
    const cost = Number(readOutputs(files.outputPath)['cost-usd']);
    const expected = billedUsd(gateway.billed(), c.prices);
    expect(expected).toBeGreaterThan(0);
    expect(Math.abs(cost - expected) / expected).toBeLessThan(0.005);
  });
});

describe('a gateway that reports no usage', () => {
  it('reports the cost as unknown and says why, rather than $0', async () => {
    const { github, gateway } = await servers({ apiKey: KEY, auth: 'bearer', reply: review, omitUsage: true });
    const { env, files } = actionEnv(github, {
      'api-key': KEY,
      provider: 'aimlapi',
      model: 'claude-sonnet-4-6',
      'base-url': gateway.url,
      pricing: '{"input": 3, "output": 15}',
    });
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(0);
    expect(readOutputs(files.outputPath)['cost-usd']).toBe('unknown');
    expect(log).toMatch(/::warning::The gateway at .* answered without reporting usable token usage/);
    expect(github.issueComments[0]!.body).toContain('| unknown |');
  });
});

/** One chunk of the real fixture as a request, to call a client directly. */
function sampleRequest() {
  const files = fakePullRequest()
    .files.map(toFileDiff)
    .filter((f) => !f.noPatch && f.status !== 'removed');
  const pr = reviewedPullRequest();
  const chunks = planChunks(files, 40_000);
  return buildRequest(buildPrefix(pr, '', files), chunks[0]!, 1);
}

function recordingPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    maxAttempts: 4,
    maxTotalMs: 60_000,
    baseDelayMs: 1000,
    maxDelayMs: 8000,
    random: () => 0.5,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    sleeps,
    ...overrides,
  };
}

const ok = (): Reply => ({ toolInput: { summary: 'fine', comments: [] } });

describe.each([
  { format: 'anthropic', provider: 'anthropic', auth: 'x-api-key' as const },
  { format: 'openai', provider: 'aimlapi', auth: 'bearer' as const },
])('errors through the $format wire format', ({ provider, auth }) => {
  async function attempt(replies: Reply[] | ((n: number) => Reply), policy = recordingPolicy(), timeoutMs?: number) {
    const gateway = await new FakeGateway({
      apiKey: KEY,
      auth,
      reply: (_body, n) => (typeof replies === 'function' ? replies(n) : (replies[n] ?? ok())),
    }).start();
    stopLater(() => gateway.stop());
    const settings = parseSettings({ 'api-key': KEY, provider, model: 'claude-sonnet-4-6', 'base-url': gateway.url });
    const logged: string[] = [];
    const client = createLlmClient(settings, {
      retry: policy,
      log: (m) => logged.push(m),
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    const call = client.call(sampleRequest(), { model: settings.modelId, maxTokens: 1024 });
    const result = await call.then(
      (value) => ({ value, error: undefined }),
      (error: unknown) => ({ value: undefined, error: error as LlmError }),
    );
    return { ...result, calls: gateway.calls.length, sleeps: policy.sleeps, logged };
  }
  const failure = (status: number, message: string, headers?: Record<string, string>): Reply => ({
    status,
    error: { type: 'error', message },
    ...(headers ? { headers } : {}),
  });

  it('400: reports the gateway message, no retry', async () => {
    const r = await attempt([failure(400, 'messages.0.content: field required')]);
    expect(r.error?.kind).toBe('bad-request');
    expect(r.error?.message).toContain('messages.0.content: field required');
    expect(r.calls).toBe(1);
  });

  it('400 "prompt is too long" is told apart, so the run can split the chunk', async () => {
    const r = await attempt([failure(400, 'prompt is too long: 210000 tokens > 200000 maximum')]);
    expect(r.error?.kind).toBe('too-large');
    expect(r.calls).toBe(1);
  });

  it.each([
    [401, 'auth', "check the secret passed as 'api-key'"],
    [403, 'permission', 'IP allow-list'],
    [402, 'payment', 'wallet or credit is exhausted'],
    [404, 'not-found', "does not serve 'model'"],
  ])('%i: stops at once with a message that says what to check', async (status, kind, hint) => {
    const r = await attempt([failure(status, 'denied')]);
    expect(r.error?.kind).toBe(kind);
    expect(r.error?.fatal).toBe(true);
    expect(r.error?.message).toContain(hint);
    expect(r.calls).toBe(1);
  });

  it('429: waits as long as retry-after says, then succeeds', async () => {
    const r = await attempt([failure(429, 'slow down', { 'retry-after': '7' })]);
    expect(r.error).toBeUndefined();
    expect(r.calls).toBe(2);
    expect(r.sleeps).toEqual([7000]);
    expect(r.logged).toEqual([
      expect.stringMatching(
        /^attempt 1 failed \(rate limited \(429\): slow down \(POST http:\/\/127\.0\.0\.1:\d+\/v1\/(messages|chat\/completions)\)\); retrying in 7\.0 s$/,
      ),
    ]);
  });

  it.each([500, 502, 503, 529])('%i: retries with exponential backoff, then succeeds', async (status) => {
    const r = await attempt([failure(status, 'overloaded'), failure(status, 'overloaded')]);
    expect(r.error).toBeUndefined();
    expect(r.calls).toBe(3);
    expect(r.sleeps).toEqual([1000, 2000]);
  });

  it('gives up after the attempt limit and says so', async () => {
    const r = await attempt(() => failure(503, 'down'));
    expect(r.error?.kind).toBe('server');
    expect(r.error?.message).toContain('gave up after 4 attempts');
    expect(r.calls).toBe(4);
  });

  it('gives up when retry-after would pass the total retry time', async () => {
    const r = await attempt([failure(429, 'later', { 'retry-after': '120' })], recordingPolicy({ maxTotalMs: 60_000 }));
    expect(r.error?.kind).toBe('rate-limit');
    expect(r.error?.message).toContain('retry budget');
    expect(r.calls).toBe(1);
    expect(r.sleeps).toEqual([]);
  });

  it('an SSE error event mid-stream counts as a failed attempt and is retried', async () => {
    const r = await attempt([{ streamError: { type: 'overloaded_error', message: 'Overloaded' } }]);
    expect(r.error).toBeUndefined();
    expect(r.calls).toBe(2);
  });

  it('a connection reset mid-stream is retried', async () => {
    const r = await attempt([{ dropConnection: true }]);
    expect(r.error).toBeUndefined();
    expect(r.calls).toBe(2);
  });

  it('a timeout is retried', async () => {
    const r = await attempt([{ hangMs: 1500, toolInput: { summary: 'late', comments: [] } }], recordingPolicy(), 300);
    expect(r.error).toBeUndefined();
    expect(r.value?.toolInput).toEqual({ summary: 'fine', comments: [] });
    expect(r.calls).toBe(2);
  });
});

describe('Chat Completions details', () => {
  it('takes the review from text when a gateway answers without a tool call', async () => {
    const gateway = await new FakeGateway({
      apiKey: KEY,
      auth: 'bearer',
      reply: () => ({ text: 'Here is the review:\n```json\n{"summary": "ok", "comments": []}\n```' }),
    }).start();
    stopLater(() => gateway.stop());
    const settings = parseSettings({
      'api-key': KEY,
      provider: 'aimlapi',
      model: 'claude-sonnet-4-6',
      'base-url': gateway.url,
    });
    const result = await createLlmClient(settings).call(sampleRequest(), {
      model: settings.modelId,
      maxTokens: 1024,
      temperature: 0,
    });
    expect(result.toolInput).toEqual({ summary: 'ok', comments: [] });
    expect(result.usage.output).toBeGreaterThan(0);
  });

  it('drops cache_control for a gateway that refuses it, once, and keeps reviewing', async () => {
    const gateway = await new FakeGateway({
      apiKey: KEY,
      auth: 'bearer',
      rejectCacheControl: true,
      reply: () => ok(),
    }).start();
    stopLater(() => gateway.stop());
    const settings = parseSettings({
      'api-key': KEY,
      provider: 'aimlapi',
      model: 'claude-sonnet-4-6',
      'base-url': gateway.url,
    });
    const client = createLlmClient(settings);
    const call = { model: settings.modelId, maxTokens: 1024, temperature: 0 };
    expect((await client.call(sampleRequest(), call)).toolInput).toEqual({ summary: 'fine', comments: [] });
    expect((await client.call(sampleRequest(), call)).toolInput).toEqual({ summary: 'fine', comments: [] });
    expect(gateway.calls.map((c) => c.status)).toEqual([400, 200, 200]);
  });

  it('reads usage under both namings', () => {
    expect(
      usageOf({
        prompt_tokens: 5000,
        completion_tokens: 300,
        total_tokens: 5300,
        prompt_tokens_details: { cached_tokens: 2000 },
      }),
    ).toEqual({
      input: 3000,
      output: 300,
      cacheRead: 2000,
      cacheWrite: 0,
    });
    expect(
      usageOf({
        input_tokens: 3000,
        output_tokens: 300,
        cache_read_input_tokens: 2000,
        cache_creation_input_tokens: 0,
      }),
    ).toEqual({
      input: 3000,
      output: 300,
      cacheRead: 2000,
      cacheWrite: 0,
    });
    expect(jsonInText('no json here')).toBeUndefined();
    expect(jsonInText('prefix {"a": 1} suffix')).toEqual({ a: 1 });
  });
});
