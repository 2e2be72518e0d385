// The command line, run in this process on real git repositories it creates (two commits), from the
// repository's own directory; one smoke test spawns the built dist/cli.js the way npx runs a bin.
import { describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeGateway } from '../fakes/gateway.js';
import { scriptedReview, userTextOf } from '../helpers/action.js';
import { runCli } from '../../src/cli/run.js';
import { sarifProblems } from '../helpers/sarif.js';
import { stopAfterEach } from '../helpers/cleanup.js';

const DIST_CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const KEY = 'cli-key-0123456789';

/** A git repository on a feature branch: main has one commit, the branch a second that adds and changes files. */
function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 'T');
  writeFileSync(join(dir, 'app.js'), 'export function add(a, b) {\n  return a + b;\n}\n');
  git('add', '.');
  git('commit', '-qm', 'first');
  git('checkout', '-qb', 'feature');
  writeFileSync(join(dir, 'app.js'), 'export function add(a, b) {\n  return Number(a) + Number(b);\n}\n');
  writeFileSync(join(dir, 'util.js'), 'export const twice = (x) => x * 2;\nexport const thrice = (x) => x * 3;\n');
  writeFileSync(join(dir, 'package-lock.json'), '{}\n');
  git('add', '.');
  git('commit', '-qm', 'second: coerce numbers');
  return dir;
}

/** Runs the CLI in this process from `cwd`; what it wrote and its exit code. */
async function cli(cwd: string, args: string[], env: Record<string, string> = {}, tty = false) {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    cwd,
    env,
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    tty,
  });
  return { code, out, err };
}

const stopLater = stopAfterEach();

async function gateway(): Promise<FakeGateway> {
  const g = await new FakeGateway({
    apiKey: KEY,
    auth: 'x-api-key',
    reply: (body) => ({ toolInput: scriptedReview(userTextOf(body)) }),
  }).start();
  stopLater(() => g.stop());
  return g;
}

describe('the CLI on a local repository', () => {
  it('without a key prints the plan of the branch against its merge base, and exits 0', async () => {
    const { code, err } = await cli(repo(), []);
    expect(code).toBe(0);
    expect(err).toContain('Review plan for "Local changes"');
    expect(err).toContain('files: 3 changed, 2 to review, 1 skipped');
    expect(err).toContain('skipped package-lock.json: lock file');
    expect(err).toMatch(/estimated cost: \$\d/);
    expect(err).toContain('plan only, no model was called');
  });

  it('prints no control character of the repository or the model, in the plan or any format', async () => {
    const dir = repo();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    writeFileSync(join(dir, 'app.js'), 'export const x = 1;\n');
    git(
      'commit',
      '-qam',
      'evil \u001b]0;pwned\u0007 \u001b[2J \u001b[31mred\u001b[0m \u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\ \u009b2J',
    );
    const plan = await cli(dir, ['--head', 'HEAD']);
    expect(plan.err).toContain('evil');
    const g = await new FakeGateway({
      apiKey: KEY,
      auth: 'x-api-key',
      reply: (body) => {
        const review = scriptedReview(userTextOf(body));
        const evil = '\u001bc\u001b[2J\u001b]0;owned\u0007\u0008\r';
        return {
          toolInput: {
            summary: `Sum ${evil}`,
            comments: review.comments.map((c) => ({
              ...c,
              title: `${String(c.title)} ${evil}`,
              body: `${String(c.body)} ${evil}`,
            })),
          },
        };
      },
    }).start();
    stopLater(() => g.stop());
    const printed = [plan.out, plan.err];
    for (const format of ['text', 'markdown', 'json']) {
      const run = await cli(dir, ['--head', 'HEAD', '--base-url', g.url, '--format', format], {
        ANTHROPIC_API_KEY: KEY,
      });
      expect(run.code).toBe(0);
      printed.push(run.out, run.err);
    }
    // eslint-disable-next-line no-control-regex
    for (const text of printed) expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('reviews the repository it is run in, in text, markdown, JSON and SARIF', async () => {
    const dir = repo();
    const g = await gateway();
    const base = ['--head', 'HEAD', '--base-url', g.url];
    const env = { ANTHROPIC_API_KEY: KEY };

    const text = await cli(dir, base, env);
    expect(text.code).toBe(0);
    expect(text.out).toContain('app.js:2 [medium/bug] Unchecked input in app.js');
    expect(text.out).toMatch(/\| `claude-sonnet-5-5` \| 1 \|/);
    expect(text.out + text.err).not.toContain(KEY);

    const markdown = await cli(dir, [...base, '--format', 'markdown'], env);
    expect(markdown.out).toMatch(/^## 🤖 Claude review/);
    expect(markdown.out).toContain('### Cost');
    expect(markdown.out).toContain('Unchecked input in util.js');

    const json = JSON.parse((await cli(dir, [...base, '--format', 'json'], env)).out) as {
      findings: { path: string; line: number; onDiffLine: boolean }[];
      calls: number;
    };
    expect(json.calls).toBe(1);
    expect(json.findings.map((f) => `${f.path}:${f.line}:${String(f.onDiffLine)}`)).toContain('app.js:2:true');

    const out = join(dir, 'review.sarif');
    const sarif = await cli(dir, [...base, '--format', 'sarif', '--output', out], env);
    expect(sarif.out).toBe('');
    expect(sarif.err).toContain(`sarif report with ${json.findings.length} findings written to ${out}`);
    const log = JSON.parse(readFileSync(out, 'utf8')) as unknown;
    expect(sarifProblems(log)).toEqual([]);
  });

  it('exits 1 when a finding reaches --fail-on, after printing the report', async () => {
    const g = await gateway();
    const { code, out } = await cli(repo(), ['--base-url', g.url, '--fail-on', 'high'], { ANTHROPIC_API_KEY: KEY });
    expect(code).toBe(1);
    expect(out).toContain('[high/performance] Two-line range');
  });

  it('shows a progress line on a terminal', async () => {
    const g = await gateway();
    const { err } = await cli(repo(), ['--base-url', g.url], { ANTHROPIC_API_KEY: KEY }, true);
    expect(err).toMatch(/\rreviewing: 1\/1 calls, [\d,]+ tokens, \$0\.\d{4}/);
  });

  it('--dry-run calls no model even with a key', async () => {
    const g = await gateway();
    const { code, err } = await cli(repo(), ['--base-url', g.url, '--dry-run'], { ANTHROPIC_API_KEY: KEY });
    expect(code).toBe(0);
    expect(err).toContain('--dry-run: plan only');
    expect(g.calls).toHaveLength(0);
  });

  it.each([
    [['--base', 'nosuchref'], /^--base nosuchref: no such revision/],
    [['--concurrency', 'many'], /--concurrency: got "many"; expected a whole number from 1 to 32/],
    [['--format', 'xml'], /^--format: got "xml"; expected one of text, markdown, json, sarif/],
    [['--no-such-flag'], /Unknown option '--no-such-flag'.*--help/],
  ])('%j: exit 2 with a message that names the flag', async (args, says) => {
    const { code, err, out } = await cli(repo(), args);
    expect(code).toBe(2);
    expect(err).toMatch(says);
    expect(err).not.toMatch(/\n\s+at /);
    expect(out).toBe('');
  });

  it('outside a git repository says so in one line', async () => {
    const { code, err } = await cli(mkdtempSync(join(tmpdir(), 'nogit-')), []);
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^not a git repository \(.*\): run it inside one/);
  });

  it('shows the first calls of a long plan and how many more, and says when max-cost-usd would stop it', async () => {
    const dir = repo();
    const big = Array.from({ length: 4000 }, (_, i) => `export const value${i} = compute(${i}, "${'x'.repeat(40)}");`);
    writeFileSync(join(dir, 'big.js'), `${big.join('\n')}\n`);
    execFileSync('git', ['add', '.'], { cwd: dir });
    const { err } = await cli(dir, ['--chunk-tokens', '2000', '--max-cost-usd', '0.05']);
    expect(err).toMatch(/ {4}… \d+ more calls/);
    expect(err.match(/^ {4}call \d+:/gm)).toHaveLength(10);
    expect(err).toContain('max-cost-usd ($0.0500) will stop this run before the end');
  });
});

describe('dist/cli.js, as npx runs the bin', () => {
  it('reviews the repository of the directory it is started in', async () => {
    const dir = repo();
    const g = await gateway();
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [DIST_CLI, '--base-url', g.url, '--format', 'json'],
        { cwd: dir, env: { PATH: process.env.PATH ?? '', ANTHROPIC_API_KEY: KEY }, timeout: 30_000 },
        (error, stdout, stderr) => {
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { findings: { path: string }[] };
    expect(new Set(report.findings.map((f) => f.path))).toEqual(new Set(['app.js', 'util.js']));
    expect(result.stderr).not.toMatch(/deprecated/i);
  });
});
