import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FakeGitHub } from '../fakes/github.js';
import type { FakeGateway } from '../fakes/gateway.js';
import {
  actionEnv,
  fakePullRequest,
  OVERVIEW_TEXT,
  readOutputs,
  reviewingGateway,
  runInProcess,
} from '../helpers/action.js';
import { stopAfterEach } from '../helpers/cleanup.js';
import { liveOnGitHub } from '../helpers/gfm.js';
import type { ChangedFile } from '../../src/core/pull-request.js';

const KEY = 'sk-ant-summary-0123456789';
const stopLater = stopAfterEach();

/** A pull request of `n` small changed files, each with one added line the scripted reviewer comments on. */
function manyFiles(n: number): ChangedFile[] {
  return Array.from({ length: n }, (_, i) => ({
    filename: `src/module${String(i).padStart(3, '0')}.js`,
    status: 'modified' as const,
    patch: `@@ -1,3 +1,4 @@\n export function f${i}(x) {\n+  const y = parse(x);\n   return x;\n }`,
    additions: 1,
    deletions: 0,
  }));
}

/** The summary as a reader sees it with every fold closed: a fold counts as its one summary line. */
function visibleLines(markdown: string): string[] {
  const closed = markdown.replace(/^<details><summary>([^<\n]*)<\/summary>$[\s\S]*?^<\/details>$/gm, '▸ $1');
  return closed.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('<!--') && !/^\| ?-/.test(l));
}

async function review(files: ChangedFile[], inputs: Record<string, string> = {}) {
  const github = await new FakeGitHub(fakePullRequest(files)).start();
  const llm: FakeGateway = await reviewingGateway(KEY);
  stopLater(
    () => github.stop(),
    () => llm.stop(),
  );
  const { env, files: written } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, ...inputs });
  const { exitCode, log } = await runInProcess(env);
  const summary = github.issueComments[0]?.body ?? '';
  const outputs = readOutputs(written.outputPath);
  return { exitCode, log, summary, github, llm, outputs, jobSummary: readFileSync(written.summaryPath, 'utf8') };
}

describe('the summary comment of a large pull request', () => {
  it('fits on a screen on a 100-file PR: every posted finding in a line with a link to its comment', async () => {
    const { exitCode, summary, github, jobSummary } = await review(manyFiles(100), { 'chunk-tokens': '6000' });
    expect(exitCode).toBe(0);
    const visible = visibleLines(summary);
    expect(visible.length, visible.join('\n')).toBeLessThan(60);
    const posted = github.reviewComments.length;
    expect(posted).toBe(20);
    const links = [
      ...summary.matchAll(/\]\((https:\/\/github\.com\/octo-org\/octo-repo\/pull\/42#discussion_r(\d+))\)/g),
    ];
    expect(links).toHaveLength(posted);
    const ids = new Set(github.reviewComments.map((c) => String(c.id)));
    for (const link of links) expect(ids.has(link[2] ?? '')).toBe(true);
    // The rest are told in the summary, folded; the walkthrough and the skipped files too.
    expect(summary).toMatch(/^<details><summary>Findings not posted as comments \(\d+\)<\/summary>$/m);
    expect(summary).toMatch(/^<details><summary>Walkthrough \(100 files\)<\/summary>$/m);
    // GitHub renders nothing live of ours but the folds and those links.
    const ours = summary
      .replace(/\]\(https:\/\/github\.com\/[^)]+\)/g, ']')
      .replace(/^<\/?details>.*$|^<!-- claude-pr-reviewer:[^>]*-->$/gm, '');
    expect(liveOnGitHub(ours.replace(/<summary>[^<]*<\/summary>/g, ''))).toEqual([]);
    expect(jobSummary.trim()).toBe(summary.trim());
  });

  it('has one overview of the whole pull request: one more short call that reads the cached prefix, in the cost', async () => {
    const { summary, llm, outputs } = await review(manyFiles(100), { 'chunk-tokens': '6000', 'review-depth': 'quick' });
    const parts = Number(outputs.chunks);
    expect(parts).toBeGreaterThan(1);
    expect(llm.calls).toHaveLength(parts + 1);
    expect(Number(outputs['llm-calls'])).toBe(parts + 1);
    const last = llm.calls.at(-1);
    expect(JSON.stringify(last?.body)).toContain('reviewed in');
    expect(last?.usage?.cache_read_input_tokens).toBeGreaterThan(0);
    expect(summary).toContain(`### Overview\n\n${OVERVIEW_TEXT}\n`);
    expect(summary.split(OVERVIEW_TEXT)).toHaveLength(2);
    expect(summary).not.toContain('The change adds a cache and tightens parsing.');
  });

  it('on a capped run says what was not reviewed in one line a reason, the files folded', async () => {
    const { summary } = await review(manyFiles(100), { 'chunk-tokens': '3000', 'max-cost-usd': '0.05' });
    const section = summary.slice(summary.indexOf('### Not reviewed'), summary.indexOf('### Cost'));
    expect(section).not.toBe('');
    const reasons = section.split('\n').filter((l) => l.startsWith('- **'));
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/^- \*\*\d+ files\*\*: not reviewed: this call could cost up to .* max-cost-usd/);
    expect(visibleLines(summary).length).toBeLessThan(60);
  });
});
