// A "Claude review" check on the head commit: neutral unless fail-on is met, the summary as its output, each
// inline finding an annotation (50 a request), the same check updated on a re-run; skipped with one log line
// when the token may not write checks. The fake validates each request against GitHub's OpenAPI description.
import { describe, expect, it } from 'vitest';
import { actionEnv, examplePayload, fakesFor, runInProcess, scriptedReply } from '../helpers/action.js';
import { stopAfterEach } from '../helpers/cleanup.js';
import type { ChangedFile } from '../../src/core/pull-request.js';

const KEY = 'sk-ant-check-0123456789';
const stopLater = stopAfterEach();
const quick = { 'review-depth': 'quick', verify: 'false', context: 'diff' };

/** Sixty files of two added lines each: the scripted reviewer finds something on each. */
function sixtyFiles(): ChangedFile[] {
  return Array.from({ length: 60 }, (_, i) => ({
    filename: `src/f${i}.js`,
    status: 'added',
    additions: 2,
    deletions: 0,
    patch: `@@ -0,0 +1,2 @@\n+export const a${i} = read(${i});\n+export const b${i} = write(a${i});`,
  }));
}

const gateway = { apiKey: KEY, auth: 'x-api-key' as const, reply: scriptedReply };

describe('the Claude review check', () => {
  it('carries every inline finding as an annotation, 50 a request, and is updated, not duplicated, on a re-run', async () => {
    const inputs = { ...quick, 'max-comments': '200', 'min-severity': 'info' };
    const { github, llm, env } = await fakesFor(sixtyFiles(), gateway, stopLater, inputs);
    const first = await runInProcess(env);
    expect(first.exitCode).toBe(0);
    expect(github.checkRuns).toHaveLength(1);
    const run = github.checkRuns[0]!;
    expect(run).toMatchObject({ name: 'Claude review', head_sha: github.pr.headSha, conclusion: 'neutral' });
    expect(run.output?.summary).toContain('## 🤖 Claude review');
    const inline = github.reviewComments.length;
    expect(inline).toBeGreaterThan(50);
    expect(run.annotations).toHaveLength(inline);
    const sent = github.requests.filter((r) => r.path.includes('/check-runs') && r.method !== 'GET');
    for (const r of sent) {
      const n = (r.body as { output?: { annotations?: unknown[] } }).output?.annotations?.length ?? 0;
      expect(n).toBeLessThanOrEqual(50);
      expect(r.status).toBeLessThan(300);
    }
    // A run by hand on the same head updates the one check.
    const again = actionEnv(
      github,
      { ...inputs, 'api-key': KEY, 'base-url': llm.url, 'pr-number': '42' },
      { name: 'workflow_dispatch', payload: examplePayload('workflow_dispatch') },
    );
    expect((await runInProcess(again.env)).exitCode).toBe(0);
    expect(github.checkRuns).toHaveLength(1);
  });

  it('annotations hold model text made plain: no control or bidi character, no secret', async () => {
    const finding = {
      path: 'src/f0.js',
      line: 1,
      severity: 'high',
      category: 'security',
      title: 'Key \u202eyek in code\u0007',
      body: `The line holds ${KEY}, a secret.`,
      confidence: 90,
    };
    const reply = () => ({ toolInput: { summary: 'ok', comments: [finding] } });
    const { github, env } = await fakesFor(sixtyFiles().slice(0, 1), { ...gateway, reply }, stopLater, quick);
    expect((await runInProcess(env)).exitCode).toBe(0);
    const [annotation] = github.checkRuns[0]!.annotations as { title: string; message: string }[];
    expect(annotation?.title).toBe('Key \uFFFDyek in code');
    expect(annotation?.message).not.toContain(KEY);
    expect(annotation?.message).toContain('The line holds');
  });

  it('fails only when fail-on is met', async () => {
    const { github, env } = await fakesFor(sixtyFiles().slice(0, 2), gateway, stopLater, {
      ...quick,
      'fail-on': 'low',
    });
    const { exitCode } = await runInProcess(env);
    expect(exitCode).toBe(1);
    expect(github.checkRuns[0]?.conclusion).toBe('failure');
  });

  it('without checks: write, the review is posted and one log line says why there is no check', async () => {
    const { github, env } = await fakesFor(sixtyFiles().slice(0, 2), gateway, stopLater, quick);
    github.checksDenied = true;
    const { exitCode, log } = await runInProcess(env);
    expect(exitCode).toBe(0);
    expect(github.reviews).toHaveLength(1);
    expect(github.checkRuns).toHaveLength(0);
    const lines = log.split('\n').filter((l) => l.includes('Claude review" check'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("add 'checks: write'");
    expect(log).not.toMatch(/::warning::.*check/);
  });
});
