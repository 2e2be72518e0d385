import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FakeGitHub, linesInPatch } from './fakes/github.js';
import { FakeGateway } from './fakes/gateway.js';
import { fakesForEachTest, actionEnv, examplePayload, readOutputs } from './helpers/action.js';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const KEY = 'sk-ant-dist-test-key';

/** The Node binaries to run dist/ with: this one, and Node 24 (the runner's) when .ci/run installed it. */
const runtimes = [
  { name: `node ${process.version}`, bin: process.execPath },
  ...(process.env.NODE24_BIN && existsSync(process.env.NODE24_BIN)
    ? [{ name: 'node 24', bin: process.env.NODE24_BIN }]
    : []),
];

function runDist(bin: string, env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      bin,
      [DIST],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout });
      },
    );
    child.stdin?.end();
  });
}

describe.each(runtimes)('dist/index.js run as the runner runs it ($name)', ({ bin }) => {
  let github: FakeGitHub;
  let llm: FakeGateway;
  fakesForEachTest(KEY, (fakes) => ({ github, llm } = fakes));

  it('a GitHub request that never answers cannot hold the step past max-minutes', async () => {
    github.delays.push({ path: /\/pulls\/42\/files$/, ms: 120_000 });
    const started = Date.now();
    const { env } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, 'max-minutes': '0.02' });
    const { code, stdout } = await runDist(bin, env);
    // 1.2 s of max-minutes and the watchdog's 5 s grace, not the 120 s the request would take.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(code).toBe(1);
    expect(stdout).toMatch(/::error::the run passed max-minutes \(0\.02\) by 5 s/);
  });

  it('reviews a 10-file PR: one review, one summary; a run by hand edits the summary and posts no duplicate', async () => {
    const run = async (byHand = false) => {
      const { env, files } = byHand
        ? actionEnv(
            github,
            { 'api-key': KEY, 'base-url': llm.url, 'pr-number': '42' },
            { name: 'workflow_dispatch', payload: examplePayload('workflow_dispatch') },
          )
        : actionEnv(github, { 'api-key': KEY, 'base-url': llm.url });
      return { ...(await runDist(bin, env)), outputs: () => readOutputs(files.outputPath) };
    };
    const first = await run();
    expect(first.stdout).not.toContain('::error');
    expect(first.code).toBe(0);
    expect(github.pr.files).toHaveLength(10);
    expect(github.reviews).toHaveLength(1);
    expect(github.issueComments).toHaveLength(1);
    const posted = github.reviewComments.length;
    expect(posted).toBeGreaterThan(0);
    for (const c of github.reviewComments) {
      const patch = github.pr.files.find((f) => f.filename === c.path)?.patch;
      expect(linesInPatch(patch)[(c.side ?? 'RIGHT') as 'LEFT' | 'RIGHT'].has(c.line ?? -1)).toBe(true);
    }
    expect(Number(first.outputs()['comments-posted'])).toBe(posted);

    const second = await run(true);
    expect(second.code).toBe(0);
    expect(github.reviews).toHaveLength(1);
    expect(github.reviewComments).toHaveLength(posted);
    expect(github.issueComments).toHaveLength(1);
    expect(github.count('PATCH', /\/issues\/comments\/\d+$/)).toBe(1);
    expect(github.requests.filter((r) => r.status === 422)).toHaveLength(0);
    expect(llm.calls.at(-1)?.usage?.cache_read_input_tokens).toBeGreaterThan(0);
    expect(second.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain(KEY);
  });
});
