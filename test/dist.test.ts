import { describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeGitHub, linesInPatch } from './fakes/github.js';
import { FakeGateway } from './fakes/gateway.js';
import { fakesForEachTest, actionEnv, examplePayload, readOutputs } from './helpers/action.js';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const KEY = 'sk-ant-dist-test-key-0123456789';

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

/** The CLI runs under both LTS lines users have (22 and 24) when .ci/run installed them, and under this Node. */
const cliRuntimes = [
  { name: `node ${process.version}`, bin: process.execPath },
  ...(['NODE22_BIN', 'NODE24_BIN'] as const).flatMap((name) => {
    const bin = process.env[name];
    return bin && existsSync(bin) ? [{ name: name.replace('_BIN', '').toLowerCase(), bin }] : [];
  }),
];

describe.each(cliRuntimes)('dist/cli.js under $name', ({ bin }) => {
  const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  const run = (args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(
        bin,
        [CLI, ...args],
        { cwd, env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 },
        (e, stdout, stderr) => {
          resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });

  it('prints its version, and the plan of a diff as JSON without a key', async () => {
    const version = await run(['--version'], process.cwd());
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const dir = mkdtempSync(join(tmpdir(), 'dist-cli-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '-q', '--allow-empty', '-m', 'first');
    writeFileSync(join(dir, 'a.js'), 'export const a = 1;\n');
    git('add', 'a.js');
    const plan = await run(['--format', 'json'], dir);
    // A report asked for with no key: the plan, and exit 3, never a clean-looking 0.
    expect(plan.code).toBe(3);
    expect((JSON.parse(plan.stdout) as { plan: { reviewable: string[] } }).plan.reviewable).toEqual(['a.js']);
    expect(plan.stderr).toContain('Nothing was reviewed: no API key');
  });
});
