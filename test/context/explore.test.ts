// The three context modes through the whole action, against a fake GitHub (with the head's files behind its
// trees and blobs API) and fake gateways: what reaches the model, that context lines are never commented on,
// and that explore mode's tool loop is bounded, cached and capped.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { FakeGateway, billedUsd, type GatewayBody, type Reply, type WireMessage } from '../fakes/gateway.js';
import { actionEnv, fakePullRequest, readOutputs, runInProcess, userTextOf } from '../helpers/action.js';
import { filesAt, git, repository } from '../helpers/repo.js';
import { localPullRequest } from '../../src/source/local.js';
import { createAnthropicClient } from '../../src/llm/anthropic.js';
import { runChunks } from '../../src/run/run.js';
import { worstCaseUsd } from '../../src/run/budget.js';
import { buildRequest } from '../../src/prompt/prompt.js';
import { makePlan } from '../../src/pipeline/stages.js';
import { parseSettings } from '../../src/settings/settings.js';
import { gitHeadFiles } from '../../src/context/files.js';
import { stopAfterEach } from '../helpers/cleanup.js';

const KEY = 'sk-ant-test-key-context-0123456789';
const PRICES = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
const DANGER = 'return pool.query(sql);';
const CALL_LINE = `return runQuery("SELECT * FROM users WHERE name = '" + name + "'");`;

/** The number of the added line that calls runQuery, as the diff in the request shows it. */
function callLine(text: string): number | undefined {
  const match = /^(\d+)\+.*return runQuery\(/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** A finding on the call, only when the helper's dangerous body is in what the model received. */
function review(text: string): Reply {
  const line = callLine(text);
  const comments =
    line !== undefined && text.includes(DANGER)
      ? [
          {
            path: 'src/api.ts',
            line,
            side: 'RIGHT',
            severity: 'critical',
            category: 'security',
            title: 'SQL injection through runQuery',
            body: 'runQuery passes the text to the driver as it is, and the text holds the caller’s name.',
            quote: CALL_LINE,
          },
        ]
      : [];
  return { toolInput: { summary: 'Reviewed.', comments } };
}

const last = (body: { messages: readonly WireMessage[] }) => body.messages.at(-1);

describe('context modes through the action', () => {
  let github: FakeGitHub;
  let llm: FakeGateway;
  let dir: string;
  let head: string;
  let reply: (body: GatewayBody, n: number) => Reply;

  beforeEach(async () => {
    ({ dir, head } = repository());
    const local = await localPullRequest({ cwd: dir, base: 'main', head: 'feature' });
    github = await new FakeGitHub(fakePullRequest(local.files, { headSha: head, title: 'List users by name' })).start();
    github.repoFiles[head] = filesAt(dir, head);
    reply = (body) => review(userTextOf(body));
    llm = await new FakeGateway({ apiKey: KEY, auth: 'x-api-key', reply: (b, n) => reply(b, n) }).start();
  });
  afterEach(async () => {
    await github.stop();
    await llm.stop();
  });

  const run = async (inputs: Record<string, string> = {}, workspace?: string) => {
    const { env, files } = actionEnv(github, {
      'api-key': KEY,
      'base-url': llm.url,
      'review-depth': 'quick',
      ...inputs,
    });
    if (workspace) env.GITHUB_WORKSPACE = workspace;
    const result = await runInProcess(env);
    return { ...result, outputs: readOutputs(files.outputPath) };
  };

  it('code (the default): the helper’s body from the API reaches the model, and the finding is posted on the diff', async () => {
    const { exitCode, log } = await run();
    expect(exitCode).toBe(0);
    expect(llm.calls).toHaveLength(1);
    const text = userTextOf(llm.calls[0]?.body ?? { messages: [] });
    expect(text).toContain('<code_context>');
    expect(text).toContain(`6|  ${DANGER}`);
    expect(github.count('GET', /\/git\/trees\//)).toBe(1);
    expect(github.reviewComments.map((c) => [c.path, c.line])).toEqual([['src/api.ts', callLine(text)]]);
    expect(log).toMatch(/context: ~[\d,]+ tokens of code from the GitHub API at/);
  });

  it('diff: nothing beyond the diff is read or sent, and the cross-file bug is missed', async () => {
    await run({ context: 'diff' });
    const text = userTextOf(llm.calls[0]?.body ?? { messages: [] });
    expect(text).not.toContain('<code_context>');
    expect(text).not.toContain(DANGER);
    expect(github.count('GET', /\/git\//)).toBe(0);
    expect(github.reviewComments).toHaveLength(0);
  });

  it('a checkout that holds the head is read instead of the API, and gives the same request', async () => {
    await run();
    const fromApi = userTextOf(llm.calls[0]?.body ?? { messages: [] });
    llm.reset();
    github.reset();
    git(dir, 'checkout', '-q', 'main'); // the working tree is not the head: its git objects are read
    await run({}, dir);
    const fromCheckout = userTextOf(llm.calls[0]?.body ?? { messages: [] });
    expect(github.count('GET', /\/git\//)).toBe(0);
    expect(fromCheckout).toBe(fromApi);
  });

  it('a finding the model puts on a context line is never posted on that line', async () => {
    reply = (body) => {
      const text = userTextOf(body);
      const at = (path: string, line: number, quote: string) => ({
        path,
        line,
        side: 'RIGHT',
        severity: 'high',
        category: 'bug',
        title: `Problem at ${path}:${line}`,
        body: 'A problem.',
        quote,
      });
      expect(text).toContain('136|    const step0 = 0;');
      return {
        toolInput: {
          summary: 'Reviewed.',
          comments: [at('src/db.ts', 6, DANGER), at('src/api.ts', 136, 'const step0 = 0;')],
        },
      };
    };
    const { exitCode } = await run();
    expect(exitCode).toBe(0);
    expect(github.reviewComments.filter((c) => c.path === 'src/db.ts')).toEqual([]);
    expect(github.reviewComments.filter((c) => c.line === 136)).toEqual([]);
    const summary = github.issueComments.at(-1)?.body ?? '';
    expect(summary).toContain('src/db.ts');
  });
});

describe('explore mode', () => {
  let github: FakeGitHub;
  let dir: string;
  let head: string;
  const stopLater = stopAfterEach();

  beforeEach(async () => {
    ({ dir, head } = repository());
    const local = await localPullRequest({ cwd: dir, base: 'main', head: 'feature' });
    github = await new FakeGitHub(fakePullRequest(local.files, { headSha: head })).start();
    github.repoFiles[head] = filesAt(dir, head);
  });
  afterEach(async () => {
    await github.stop();
  });

  /** A model that searches for runQuery, reads the file the search names, then reviews what it read. */
  const explorer = (body: GatewayBody): Reply => {
    if (body.tool_choice?.type === 'tool' || body.tool_choice?.function) return review(userTextOf(body));
    const rounds = body.messages.filter((m) => m.role === 'assistant').length;
    const text = userTextOf(body);
    if (rounds === 0) return { toolUses: [{ name: 'search_code', input: { text: 'function runQuery' } }] };
    if (rounds === 1) {
      const hit = /^(\S+):(\d+): export function runQuery/m.exec(text);
      return { toolUses: [{ name: 'read_file', input: { path: hit?.[1] ?? 'missing', start_line: 1, end_line: 20 } }] };
    }
    return review(text);
  };

  const start = async (options: Partial<ConstructorParameters<typeof FakeGateway>[0]>): Promise<FakeGateway> => {
    const llm = await new FakeGateway({ apiKey: KEY, auth: 'x-api-key', reply: explorer, ...options }).start();
    stopLater(() => llm.stop());
    return llm;
  };

  const run = async (llm: FakeGateway, inputs: Record<string, string>) => {
    const { env, files } = actionEnv(github, {
      'api-key': KEY,
      'base-url': llm.url,
      'review-depth': 'quick',
      ...inputs,
    });
    const result = await runInProcess(env);
    return { ...result, outputs: readOutputs(files.outputPath) };
  };

  it.each([
    ['Messages API', {}, { model: 'claude-sonnet-4-6' }],
    ['Messages API on Sonnet 5.5 (tools offered, thinking sent back)', {}, { model: 'claude-sonnet-5-5' }],
    [
      'Chat Completions',
      { auth: 'bearer' as const },
      { provider: 'custom', 'api-format': 'openai', auth: 'bearer', model: 'claude-sonnet-4-6' },
    ],
  ])('%s: search, read, then submit; each round caches the conversation so far', async (_, gateway, inputs) => {
    const llm = await start(gateway);
    // Without code context the model must find the helper itself.
    const { exitCode, outputs } = await run(llm, { context: 'explore', 'max-tool-calls': '4', ...inputs });
    expect(exitCode).toBe(0);
    expect(llm.calls).toHaveLength(3);
    const [first, second, third] = llm.calls;
    // Every round offers the explore tools and lets the model choose among them (Sonnet 5.5: auto, never forced).
    const fives = inputs.model === 'claude-sonnet-5-5';
    for (const call of llm.calls) {
      expect(JSON.stringify(call.body.tools)).toContain('read_file');
      expect(JSON.stringify(call.body.tool_choice)).toMatch(fives ? /^\{"type":"auto"\}$/ : /"any"|"required"/);
    }
    if (fives) {
      // Each later round sends the model's thinking block back unchanged (the fake refuses a changed one),
      // and the first round's breakpoint after the part lets the second read the part from the cache.
      expect(JSON.stringify(second?.body.messages)).toContain('"type":"thinking"');
      expect(second?.usage?.cache_read_input_tokens).toBeGreaterThanOrEqual(
        first?.usage?.cache_creation_input_tokens ?? Infinity,
      );
      expect(llm.calls.every((c) => (c.usage?.output_tokens_details?.thinking_tokens ?? 0) > 0)).toBe(true);
    }
    expect(userTextOf(second?.body ?? { messages: [] })).toMatch(/src\/db\.ts:4: export function runQuery/);
    expect(userTextOf(third?.body ?? { messages: [] })).toContain(`6|  ${DANGER}`);
    // The last message of each later round carries the breakpoint, and the next round reads it.
    expect(JSON.stringify(last(second?.body ?? { messages: [] }))).toContain('cache_control');
    expect(JSON.stringify(last(third?.body ?? { messages: [] }))).toContain('cache_control');
    expect(third?.usage?.cache_read_input_tokens).toBeGreaterThan(
      first?.usage?.cache_creation_input_tokens ?? Infinity,
    );
    expect(github.reviewComments.map((c) => c.path)).toEqual(['src/api.ts']);
    expect(outputs['llm-calls']).toBe('3');
  });

  it('a model that never stops exploring is made to submit after max-tool-calls', async () => {
    const llm = await start({
      reply: (body) =>
        body.tool_choice?.type === 'tool'
          ? review(userTextOf(body))
          : {
              toolUses: [
                { name: 'search_code', input: { text: 'runQuery' } },
                { name: 'read_file', input: { path: 'src/db.ts' } },
              ],
            },
    });
    const { exitCode } = await run(llm, { context: 'explore', 'max-tool-calls': '3', model: 'claude-sonnet-4-6' });
    expect(exitCode).toBe(0);
    // 2 + 1 tool calls answered, the 4th refused, then the review tool is required.
    expect(llm.calls.length).toBeLessThanOrEqual(3 + 2);
    expect(llm.calls.at(-1)?.body.tool_choice).toEqual({ type: 'tool', name: 'submit_review' });
    const results = JSON.stringify(llm.calls.at(-1)?.body.messages);
    expect(results).toContain('tool calls of this review are spent');
    expect(github.reviewComments).toHaveLength(1);
  });

  it.each(['claude-sonnet-4-6', 'claude-sonnet-5-5'])(
    'a %s that never submits, whatever it is asked, with no cost cap, ends by our count',
    async (model) => {
      const llm = await start({
        reply: () => ({ toolUses: [{ name: 'read_file', input: { path: 'src/db.ts' } }] }),
      });
      const { exitCode } = await run(llm, {
        context: 'explore',
        'max-tool-calls': '4',
        'max-cost-usd': 'none',
        model,
      });
      expect(exitCode).toBe(1);
      expect(llm.calls.length).toBeLessThanOrEqual(4 + 3);
      expect(github.issueComments[0]?.body).toContain('the model did not submit its review');
    },
  );

  it('every round is reserved under max-cost-usd before it is sent: a round that could pass it is not sent', async () => {
    const llm = await start({});
    const pr = await localPullRequest({ cwd: dir, base: 'main', head: 'feature' });
    const settings = parseSettings({ 'api-key': KEY, context: 'explore' });
    const plan = makePlan(pr, settings, '');
    const firstRound = buildRequest(plan.prefix, plan.chunks[0] ?? { index: 0, files: [], tokens: 0 }, 1, {
      maxToolCalls: 4,
    });
    // Room for the first round's worst case and a little more: the second round (longer) cannot fit.
    const cap = worstCaseUsd(firstRound, PRICES, 1000) + 0.0005;
    const client = createAnthropicClient({ baseUrl: llm.url, apiKey: KEY, auth: 'x-api-key' });
    const outcomes = await runChunks(plan.chunks, plan.prefix, client, {
      call: { model: 'claude-sonnet-4-6', maxTokens: 1000, temperature: 0 },
      concurrency: 1,
      prices: PRICES,
      maxCostUsd: cap,
      explore: { files: gitHeadFiles(dir, head), maxToolCalls: 4 },
    });
    expect(llm.calls).toHaveLength(1);
    expect(outcomes[0]?.status).toBe('not-run');
    expect(outcomes[0]?.error).toMatch(/could cost up to .* which would pass max-cost-usd/);
    expect(outcomes[0]?.calls).toBe(1);
    expect(billedUsd(llm.billed(), PRICES)).toBeLessThanOrEqual(cap);
    // With room for every round, the same review runs to its end.
    llm.reset();
    const free = await runChunks(plan.chunks, plan.prefix, client, {
      call: { model: 'claude-sonnet-4-6', maxTokens: 1000, temperature: 0 },
      concurrency: 1,
      prices: PRICES,
      maxCostUsd: 1,
      explore: { files: gitHeadFiles(dir, head), maxToolCalls: 4 },
    });
    expect(free[0]?.status).toBe('ok');
    expect(free[0]?.toolCalls).toBe(2);
    expect(llm.calls).toHaveLength(3);
  });
});
