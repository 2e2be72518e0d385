import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FakeGitHub, linesInPatch } from '../fakes/github.js';
import { FakeGateway, MIN_CACHE_TOKENS, billedUsd } from '../fakes/gateway.js';
import {
  fakesForEachTest,
  actionEnv,
  examplePayload,
  pullRequestEvent,
  readOutputs,
  runInProcess,
  scriptedReview,
  userTextOf,
} from '../helpers/action.js';
import { SUMMARY_MARKER } from '../../src/publish/render.js';

const KEY = 'sk-ant-test-key-0123456789';
/** Sonnet 5.5's list price: the anthropic preset's default model. */
const SONNET = { input: 2, output: 10, cacheRead: 0.1, cacheWrite: 2.5 };

const usd = (u: Parameters<typeof billedUsd>[0], p = SONNET): number => billedUsd(u, p);

describe('the action against a fake GitHub and a fake Messages API', () => {
  let github: FakeGitHub;
  let llm: FakeGateway;

  fakesForEachTest(KEY, (fakes) => ({ github, llm } = fakes));

  function envFor(
    inputs: Record<string, string>,
    payload: unknown = pullRequestEvent(github.pr),
    eventName = 'pull_request',
  ) {
    return actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, ...inputs }, { name: eventName, payload });
  }

  it('posts one review with inline comments only on diff lines, and one summary with the cost', async () => {
    const { env, files } = envFor({});
    const { exitCode, log } = await runInProcess(env);
    expect(log).not.toContain('::error');
    expect(exitCode).toBe(0);
    // One log line per call: files, tokens, seconds, cost; an unplaced finding is a warning on its file and line.
    expect(log).toMatch(
      /part 1: \d+ files, [\d,]+ in \+ [\d,]+ cached \+ [\d,]+ cache-written, [\d,]+ out, \d+\.\d s, \$\d/,
    );
    expect(log).toMatch(/::warning file=[^,]+,line=99999::.*not placed on a line of the diff/);

    expect(github.reviews).toHaveLength(1);
    expect(github.issueComments).toHaveLength(1);
    expect(github.requests.filter((r) => r.status === 422)).toHaveLength(0);
    const review = github.reviews[0]!;
    expect(review.event).toBe('COMMENT');
    expect(review.commit_id).toBe(github.pr.headSha);
    const comments = review.comments as {
      path: string;
      line: number;
      side: 'LEFT' | 'RIGHT';
      start_line?: number;
      body: string;
    }[];
    expect(comments.length).toBeGreaterThanOrEqual(8);
    for (const c of comments) {
      const patch = github.pr.files.find((f) => f.filename === c.path)?.patch;
      expect(linesInPatch(patch)[c.side].has(c.line)).toBe(true);
    }
    const ranged = comments.find((c) => c.start_line !== undefined);
    expect(ranged?.body).toContain('```suggestion');

    const summary = github.issueComments[0]!.body;
    expect(summary).toContain(SUMMARY_MARKER);
    expect(summary).toContain('Finding outside the diff');
    expect(summary).toMatch(/`docs\/logo\.png`: binary/);
    expect(summary).toMatch(/`range\.bnf`: deleted/);
    expect(summary).toContain('| model | calls | input | cache write | cache read | output | cost |');
    // The walkthrough lists every reviewed file, from the review call itself (no extra call).
    expect(summary).toContain('### Walkthrough');
    for (const f of github.pr.files.filter((x) => x.patch && x.status !== 'removed')) {
      expect(summary).toContain(`| \`${f.filename}\` | Updates ${f.filename}. |`);
    }

    const outputs = readOutputs(files.outputPath);
    const billed = llm.billed();
    // cost-usd is printed to 6 decimals: within half a millionth of the bill.
    expect(Math.abs(Number(outputs['cost-usd']) - usd(billed))).toBeLessThanOrEqual(5e-7 + 1e-12);
    expect(Math.abs(Number(outputs['cost-usd']) - usd(billed)) / usd(billed)).toBeLessThan(0.005);
    expect(outputs['review-id']).toBe(String(review.id));
    expect(outputs['summary-comment-id']).toBe(String(github.issueComments[0]!.id));
    expect(Number(outputs['comments-posted'])).toBe(comments.length);
    expect(Number(outputs['llm-calls'])).toBe(llm.calls.length);
    expect(Number(outputs['input-tokens'])).toBe(billed.input_tokens);
    expect(Number(outputs['output-tokens'])).toBe(billed.output_tokens);
    expect(Number(outputs['cache-write-tokens'])).toBe(billed.cache_creation_input_tokens);
    expect(JSON.parse(outputs['skipped-files'] ?? '[]')).toEqual([
      { path: 'docs/logo.png', reason: 'binary, or too large for GitHub to send a patch' },
      { path: 'range.bnf', reason: "deleted (add '!range.bnf' to 'exclude' to review it)" },
    ]);
    expect(readFileSync(files.summaryPath, 'utf8')).toContain('| model | calls |');

    // The wire request on Sonnet 5.5: the tool offered (auto) and strict, no sampling parameter, adaptive
    // thinking at medium effort, cached prefix, streamed, with the x-api-key preset headers.
    const call = llm.calls[0]!;
    expect(call.headers['x-api-key']).toBe(KEY);
    expect(call.headers.authorization).toBeUndefined();
    expect(call.body.stream).toBe(true);
    expect(call.body.tool_choice).toEqual({ type: 'auto' });
    expect(call.body.tools?.find((t) => t.name === 'submit_review')?.strict).toBe(true);
    expect(call.body.temperature).toBeUndefined();
    expect(call.body.thinking).toEqual({ type: 'adaptive' });
    expect(call.body.output_config).toEqual({ effort: 'medium' });
    // Thinking is billed as output: output-tokens counts it, and the cost table shows how much of it there was.
    const thought = llm.calls.reduce((n, c) => n + (c.usage?.output_tokens_details?.thinking_tokens ?? 0), 0);
    expect(thought).toBeGreaterThan(0);
    expect(Number(outputs['output-tokens'])).toBe(llm.billed().output_tokens);
    expect(summary).toContain(`(${thought.toLocaleString('en-US')} thinking)`);
    // The anthropic preset's default: the newest model it documents, with no deprecation warning.
    expect(call.body.model).toBe('claude-sonnet-5-5');
    expect(log).not.toMatch(/deprecated/i);
    expect(call.usage?.cache_creation_input_tokens).toBeGreaterThanOrEqual(MIN_CACHE_TOKENS);
    expect(log.replace(/^::add-mask::.*$/gm, '')).not.toContain(KEY);
  });

  it('reads each comments list once, plus the one re-read after posting that settles a race', async () => {
    const { env } = envFor({});
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(0);
    // An Actions token's 403 on GET /user is expected: the log names who we are, not the 403.
    expect(log).toContain('Posting as github-actions[bot]');
    expect(log).not.toMatch(/GET \/user|Resource not accessible/);
    const n = github.pr.number;
    // Our summary: read once at the start (its state decides the scope), once after posting (two runs at once).
    expect(github.count('GET', new RegExp(`/issues/${n}/comments$`))).toBe(2);
    // Our inline comments: not read before posting on a first run (no sealed state lists any as ours), read
    // once after (copies of a race).
    expect(github.count('GET', new RegExp(`/pulls/${n}/comments$`))).toBe(1);
    expect(github.count('GET', new RegExp(`/pulls/${n}$`))).toBe(1);
  });

  it('a re-run on the same head posts nothing and makes no LLM call', async () => {
    await runInProcess(envFor({}).env);
    const writes = (): number => github.requests.filter((r) => r.method !== 'GET' && r.path !== '/graphql').length;
    const before = { calls: llm.calls.length, writes: writes() };
    const { exitCode, log } = await runInProcess(envFor({}).env);
    expect(exitCode).toBe(0);
    expect(log).toContain(`::notice::Head ${github.pr.headSha.slice(0, 7)} was already reviewed`);
    expect(llm.calls).toHaveLength(before.calls);
    // Reads and the identity query only: no review, comment or summary written.
    expect(writes()).toBe(before.writes);
  });

  it('a run by hand on the same head edits the summary in place and posts no duplicate comment; the prefix is read from the cache', async () => {
    await runInProcess(envFor({}).env);
    const firstSummaryId = github.issueComments[0]!.id;
    const inlineAfterFirst = github.reviewComments.length;
    const callsAfterFirst = llm.calls.length;

    const { env, files } = envFor({ 'pr-number': '42' }, examplePayload('workflow_dispatch'), 'workflow_dispatch');
    const { exitCode } = await runInProcess(env);
    expect(exitCode).toBe(0);
    expect(github.reviews).toHaveLength(1);
    expect(github.reviewComments).toHaveLength(inlineAfterFirst);
    expect(github.issueComments).toHaveLength(1);
    expect(github.issueComments[0]!.id).toBe(firstSummaryId);
    expect(github.count('PATCH', /\/issues\/comments\/\d+$/)).toBe(1);
    expect(github.issueComments[0]!.body).toContain(`${inlineAfterFirst} already posted by an earlier run`);

    const second = llm.calls[callsAfterFirst]!;
    expect(second.usage?.cache_read_input_tokens).toBeGreaterThanOrEqual(MIN_CACHE_TOKENS);
    expect(second.usage?.cache_creation_input_tokens).toBe(0);
    const outputs = readOutputs(files.outputPath);
    expect(outputs['review-id']).toBe('');
    const read = llm.calls.slice(callsAfterFirst).reduce((n, c) => n + (c.usage?.cache_read_input_tokens ?? 0), 0);
    expect(Number(outputs['cache-read-tokens'])).toBe(read);
  });

  it('a second run whose model words the findings differently still posts nothing twice on the same line', async () => {
    await runInProcess(envFor({}).env);
    const inlineAfterFirst = github.reviewComments.length;
    await github.stop();
    await llm.stop();
    llm = await new FakeGateway({
      apiKey: KEY,
      auth: 'x-api-key',
      reply: (body) => {
        const review = scriptedReview(userTextOf(body));
        return {
          toolInput: {
            ...review,
            comments: review.comments.map((c) => ({ ...c, title: `Reworded: ${String(c.title)}` })),
          },
        };
      },
    }).start();
    github = await new FakeGitHub(github.pr).start().then((fresh) => {
      fresh.reviewComments.push(...github.reviewComments);
      fresh.issueComments.push(...github.issueComments);
      return fresh;
    });
    const { exitCode } = await runInProcess(
      envFor({ 'pr-number': '42' }, examplePayload('workflow_dispatch'), 'workflow_dispatch').env,
    );
    expect(exitCode).toBe(0);
    expect(github.reviews).toHaveLength(0);
    expect(github.reviewComments).toHaveLength(inlineAfterFirst);
    expect(github.issueComments[0]!.body).toContain(`${inlineAfterFirst} already posted by an earlier run`);
  });

  it('walkthrough: false leaves the table out and asks the model for none', async () => {
    await runInProcess(envFor({ walkthrough: 'false' }).env);
    expect(github.issueComments[0]!.body).not.toContain('### Walkthrough');
    const system = llm.calls[0]!.body.system;
    expect(Array.isArray(system) && system.map((b) => b.text).join('\n')).toContain('Leave walkthrough empty');
  });

  it("says in the summary when GitHub's 3000-file listing limit hid files", async () => {
    github.pr.changedFiles = 3010;
    const { env, files } = envFor({});
    await runInProcess(env);
    expect(github.issueComments[0]!.body).toContain('`(3000 more files)`: GitHub lists at most 3000 files');
    expect(readOutputs(files.outputPath)['skipped-files']).toContain('3000 more files');
  });

  it('a fork pull_request without the key gets a notice about pull_request_target and exits 0', async () => {
    const { env } = envFor({ 'api-key': '' }, pullRequestEvent(github.pr, { headRepo: 'someone/fork' }));
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(0);
    expect(log).toContain('::notice::');
    expect(log).toContain('pull_request_target');
    expect(llm.calls).toHaveLength(0);
    expect(github.requests).toHaveLength(0);
  });

  it('skips a draft pull request with a notice', async () => {
    github.pr.draft = true;
    const { env } = envFor({});
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(0);
    expect(log).toMatch(/::notice::.*draft/);
    expect(llm.calls).toHaveLength(0);
    expect(github.reviews).toHaveLength(0);
  });

  it('reviews the pull request named by pr-number on workflow_dispatch', async () => {
    const payload = examplePayload('workflow_dispatch');
    const { env } = envFor({ 'pr-number': '42' }, payload, 'workflow_dispatch');
    const { exitCode } = await runInProcess(env);
    expect(exitCode).toBe(0);
    expect(github.reviews).toHaveLength(1);
  });

  it('workflow_dispatch without pr-number fails with a message that names the input', async () => {
    const { env } = envFor({}, examplePayload('workflow_dispatch'), 'workflow_dispatch');
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(1);
    expect(log).toMatch(/::error::.*'pr-number'/);
  });

  it('dry-run without a key prints the plan and the estimated cost, and calls nothing', async () => {
    const { env, files } = envFor({ 'api-key': '', 'dry-run': 'true' });
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(0);
    expect(log).toContain('estimated cost: $');
    expect(log).toContain('skipped docs/logo.png');
    expect(llm.calls).toHaveLength(0);
    expect(github.reviews).toHaveLength(0);
    expect(github.issueComments).toHaveLength(0);
    expect(readOutputs(files.outputPath).chunks).toBe('1');
  });

  it('dry-run with a key reviews and writes the job summary, but posts nothing', async () => {
    const { env, files } = envFor({ 'dry-run': 'true', 'review-depth': 'quick' });
    const { exitCode } = await runInProcess(env);
    expect(exitCode).toBe(0);
    expect(llm.calls).toHaveLength(1);
    expect(github.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(readFileSync(files.summaryPath, 'utf8')).toContain('Unchecked input in');
    expect(Number(readOutputs(files.outputPath).findings)).toBeGreaterThan(0);
  });

  it('a missing key outside dry-run fails and says which input to set', async () => {
    const { env } = envFor({ 'api-key': '' });
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(1);
    expect(log).toMatch(/::error::input 'api-key' is empty/);
  });

  it('a rejected key fails the step, says which secret to check, and still posts the summary of what was not reviewed', async () => {
    const { env } = envFor({ 'api-key': 'sk-wrong' });
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(1);
    expect(log).toMatch(/::error::.*401.*'api-key'/);
    expect(log.replace(/^::add-mask::.*$/gm, '')).not.toContain('sk-wrong');
    expect(github.reviews).toHaveLength(0);
    expect(github.issueComments[0]?.body).toContain('Not reviewed');
  });

  it('a token without pull-requests: write fails with a message that says which permission to grant', async () => {
    github.refusals.push({
      method: 'POST',
      path: /\/issues\/42\/comments$/,
      status: 403,
      message: 'Resource not accessible by integration',
    });
    github.refusals.push({
      method: 'POST',
      path: /\/pulls\/42\/reviews$/,
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const { exitCode, log } = await runInProcess(envFor({}).env);
    expect(exitCode).toBe(1);
    expect(log).toMatch(/::warning::.*GitHub refused to post the review \(403/);
    expect(log).toMatch(
      /::error::GitHub refused to post the summary comment \(403: Resource not accessible by integration.*permissions: pull-requests: write/,
    );
    expect(github.count('POST', /\/reviews$/)).toBe(1);
  });

  it('never retries the review POST after a 5xx (GitHub may have created it), and lists the findings in the summary', async () => {
    github.refusals.push({ method: 'POST', path: /\/pulls\/42\/reviews$/, status: 502, message: 'Bad Gateway' });
    const { exitCode, log } = await runInProcess(envFor({}).env);
    expect(exitCode).toBe(0);
    expect(github.count('POST', /\/reviews$/)).toBe(1);
    expect(log).toMatch(
      /::warning::The review with inline comments was not accepted: GitHub failed to post the review/,
    );
    expect(github.issueComments[0]!.body).toContain('Inline comments could not be posted');
    expect(github.issueComments[0]!.body).toContain('Unchecked input in README.md');
  });

  it('lists every bad input with its value and what is accepted, in one error', async () => {
    const { env } = envFor({ temperature: '3', 'max-output-tokens': 'lots', provider: 'openrouter' });
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(1);
    expect(log).toContain("input 'temperature'");
    expect(log).toContain("input 'max-output-tokens'");
    expect(log).toContain("input 'provider'");
    expect(llm.calls).toHaveLength(0);
  });
});
