// Following a pull request across pushes: only what is new is reviewed, nothing is posted twice, our
// outdated threads are tidied up, and the summary adds up the cost of every run.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { FakeGateway, billedUsd } from '../fakes/gateway.js';
import { actionEnv, pullRequestEvent, readOutputs, runInProcess, userTextOf } from '../helpers/action.js';
import type { ChangedFile } from '../../src/core/pull-request.js';
import { fingerprintOf } from '../../src/publish/render.js';

const KEY = 'sk-ant-test-key-push-0123456789';
const HEAD_A = 'a'.repeat(40);
const HEAD_B = 'c'.repeat(40);
const SONNET = { input: 2, output: 10, cacheRead: 0.1, cacheWrite: 2.5 };

const file = (filename: string, patch: string[]): ChangedFile => ({
  filename,
  status: 'modified',
  patch: patch.join('\n'),
  additions: patch.filter((l) => l.startsWith('+')).length,
  deletions: patch.filter((l) => l.startsWith('-')).length,
});

/** At head A: a token read from the query, a password and a secret logged; and another file. */
const AT_A = [
  file('src/app.js', [
    '@@ -1,3 +1,6 @@',
    ' function handler(req) {',
    '+  const token = req.query.token;',
    '+  console.log(password);',
    '+  console.log(secret);',
    '   return run(req);',
    ' }',
  ]),
  file('src/other.js', ['@@ -1,2 +1,3 @@', ' export const a = 1;', '+export const b = token;', ' export const c = 3;']),
];

/** The push to head B: two lines above, the logging removed, an eval added. src/other.js is untouched. */
const AT_B = [
  file('src/app.js', [
    '@@ -1,3 +1,7 @@',
    '+// Request handler.',
    "+'use strict';",
    ' function handler(req) {',
    '+  const token = req.query.token;',
    '+  eval(req.body);',
    '   return run(req);',
    ' }',
  ]),
  AT_A[1]!,
];
const A_TO_B = [
  file('src/app.js', [
    '@@ -1,6 +1,7 @@',
    '+// Request handler.',
    "+'use strict';",
    ' function handler(req) {',
    '   const token = req.query.token;',
    '-  console.log(password);',
    '-  console.log(secret);',
    '+  eval(req.body);',
    '   return run(req);',
    ' }',
  ]),
];

const RULES: [RegExp, string][] = [
  [/token = /, 'Token read from the query string'],
  [/password/, 'Password written to the log'],
  [/secret/, 'Secret written to the log'],
  [/eval\(/, 'eval of the request body'],
];

/** A reviewer that flags what RULES name on every added line it is shown, quoting the line. */
function reviewer(): Promise<FakeGateway> {
  return new FakeGateway({
    apiKey: KEY,
    auth: 'x-api-key',
    reply: (body) => {
      const comments: Record<string, unknown>[] = [];
      let path = '';
      for (const line of userTextOf(body).split('\n')) {
        path = /^## (\S+) \(/.exec(line)?.[1] ?? path;
        const added = /^(\d+)\+(.*)$/.exec(line);
        const rule = added && RULES.find(([re]) => re.test(added[2] ?? ''));
        if (added && rule && path === 'src/app.js') {
          comments.push({
            path,
            line: Number(added[1]),
            severity: 'high',
            category: 'security',
            title: rule[1],
            body: 'Fix it.',
            quote: added[2],
          });
        }
      }
      return { toolInput: { summary: 'Reviewed.', comments } };
    },
  }).start();
}

describe('pushes to a reviewed pull request', () => {
  let github: FakeGitHub;
  let llm: FakeGateway;
  beforeEach(async () => {
    github = await new FakeGitHub({
      owner: 'octo-org',
      repo: 'octo-repo',
      number: 42,
      title: 'Handle requests',
      body: 'Adds the request handler.',
      headSha: HEAD_A,
      baseSha: 'b'.repeat(40),
      files: AT_A.map((f) => ({ ...f })),
    }).start();
    llm = await reviewer();
  });
  afterEach(async () => {
    await github.stop();
    await llm.stop();
  });

  const run = async (action: 'opened' | 'synchronize', inputs: Record<string, string> = {}) => {
    const { env, files } = actionEnv(
      github,
      { 'api-key': KEY, 'base-url': llm.url, 'review-depth': 'quick', ...inputs },
      { name: 'pull_request', payload: pullRequestEvent(github.pr, { action }) },
    );
    const result = await runInProcess(env);
    return { ...result, outputs: readOutputs(files.outputPath) };
  };
  const titles = (): string[] => github.reviewComments.map((c) => /— \*\*(.+?)\*\*/.exec(c.body)?.[1] ?? '').sort();

  it('a push of one commit sends only its changes, posts only new findings, tidies our outdated threads', async () => {
    const first = await run('opened');
    expect(first.exitCode).toBe(0);
    expect(titles()).toEqual([
      'Password written to the log',
      'Secret written to the log',
      'Token read from the query string',
    ]);
    // Someone answers in the thread on the secret: that conversation is theirs too.
    const secret = github.reviewComments.find((c) => c.body.includes('Secret written'))!;
    github.reviewComments.push({
      id: 9001,
      body: 'We rotate it daily.',
      in_reply_to_id: secret.id,
      user: { login: 'alice' },
    });
    const callsBefore = llm.calls.length;

    github.push(HEAD_B, AT_B, { status: 'ahead', files: A_TO_B });
    const second = await run('synchronize');
    expect(second.exitCode).toBe(0);

    // Only the commit's changes reached the gateway: src/app.js, not the untouched src/other.js.
    const sent = llm.calls.slice(callsBefore).map((c) => userTextOf(c.body));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain('## src/app.js');
    expect(sent[0]).not.toContain('## src/other.js');
    // The PR's title, description and whole file list are still in the shared prefix.
    expect(sent[0]).toContain('Title: Handle requests');
    expect(sent[0]).toContain('- src/other.js (modified');
    // The token finding moved from line 2 to 4: not posted again; the eval is new.
    const newest = github.reviews.at(-1)!.comments as { body: string; line: number }[];
    expect(newest.map((c) => /— \*\*(.+?)\*\*/.exec(c.body)?.[1])).toEqual(['eval of the request body']);
    expect(titles().filter((t) => t.startsWith('Token'))).toHaveLength(1);
    // Outdated: password (ours only: resolved), secret (a reply: left open), token (found again: left open).
    const resolved = [...github.resolvedThreads].map((id) => github.reviewComments.find((c) => c.id === id)!.body);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toContain('Password written to the log');
    const summary = github.issueComments[0]!.body;
    expect(summary).toContain(
      `Reviewed the commits pushed since the last review, ${HEAD_A.slice(0, 7)}..${HEAD_B.slice(0, 7)} (1 file).`,
    );
    expect(summary).toContain('1 outdated thread of ours resolved');

    // The summary's total is the sum of both runs; the outputs stay per run.
    const total = Number(first.outputs['cost-usd']) + Number(second.outputs['cost-usd']);
    expect(Math.abs(total - billedUsd(llm.billed(), SONNET))).toBeLessThan(1e-5);
    expect(summary).toContain(`All 2 runs on this pull request:`);
    expect(summary).toContain(`$${total.toFixed(4)}.`);
  });

  it('a force-push gets a full review with no duplicate', async () => {
    await run('opened');
    github.push(HEAD_B, AT_B, { status: 'diverged', files: A_TO_B });
    const second = await run('synchronize');
    expect(second.exitCode).toBe(0);
    const sent = userTextOf(llm.calls.at(-1)!.body);
    expect(sent).toContain('## src/other.js');
    const summary = github.issueComments[0]!.body;
    expect(summary).toContain('Reviewed the whole pull request at cccccc');
    expect(summary).toContain('no longer part of it (a force-push or rebase)');
    const prints = github.reviewComments.map((c) => fingerprintOf(c.body)).filter(Boolean);
    expect(new Set(prints).size).toBe(prints.length);
    expect(titles().filter((t) => t.startsWith('Token'))).toHaveLength(1);
  });

  it('incremental: false reviews the whole pull request on every push', async () => {
    await run('opened');
    github.push(HEAD_B, AT_B, { status: 'ahead', files: A_TO_B });
    await run('synchronize', { incremental: 'false' });
    expect(userTextOf(llm.calls.at(-1)!.body)).toContain('## src/other.js');
    expect(github.issueComments[0]!.body).toContain(`Reviewed the whole pull request at ${HEAD_B.slice(0, 7)}.`);
  });

  it('damaged state in our summary means a full review, never a crash', async () => {
    await run('opened');
    const ours = github.issueComments[0]!;
    ours.body = ours.body.replace(/claude-pr-reviewer:state [A-Za-z0-9+/=]+/, 'claude-pr-reviewer:state bm90IGpzb24=');
    github.push(HEAD_B, AT_B, { status: 'ahead', files: A_TO_B });
    const second = await run('synchronize');
    expect(second.exitCode).toBe(0);
    expect(userTextOf(llm.calls.at(-1)!.body)).toContain('## src/other.js');
    expect(titles().filter((t) => t.startsWith('Token'))).toHaveLength(1);
  });
});
