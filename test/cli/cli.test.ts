// The command line, run in this process on real git repositories it creates (two commits), from the
// repository's own directory; one smoke test spawns the built dist/cli.js the way npx runs a bin.
import { describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeGateway } from '../fakes/gateway.js';
import { scriptedReply, scriptedReview, userTextOf } from '../helpers/action.js';
import { runCli } from '../../src/cli/run.js';
import { cli, ctrlCOnSecondCall, repo, repoOfParts } from '../helpers/cli.js';
import { sarifProblems } from '../helpers/sarif.js';
import { stopAfterEach } from '../helpers/cleanup.js';

const DIST_CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const KEY = 'cli-key-0123456789';

const stopLater = stopAfterEach();

async function gateway(): Promise<FakeGateway> {
  const g = await new FakeGateway({
    apiKey: KEY,
    auth: 'x-api-key',
    reply: scriptedReply,
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
    // Plain text for a terminal: the cost in a line, no Markdown table. Two calls: the review and its second look.
    expect(text.out).toMatch(/^cost: claude-sonnet-5-5, 4 calls, [\d,]+ input/m);
    expect(text.out).not.toContain('|');
    expect(text.out + text.err).not.toContain(KEY);

    const markdown = await cli(dir, [...base, '--format', 'markdown'], env);
    expect(markdown.out).toMatch(/^## 🤖 Claude review/);
    expect(markdown.out).toContain('### Cost');
    expect(markdown.out).toContain('Unchecked input in util.js');

    const json = JSON.parse((await cli(dir, [...base, '--format', 'json'], env)).out) as {
      findings: { path: string; line: number; onDiffLine: boolean; confidence?: number; verified?: { line: number } }[];
      setAside: unknown[];
      calls: number;
    };
    expect(json.calls).toBe(4);
    expect(json.findings.map((f) => `${f.path}:${f.line}:${String(f.onDiffLine)}`)).toContain('app.js:2:true');
    // The second look confirmed what it could cite (the fake verifier's 90); the finding off the diff it could not.
    const app = json.findings.find((f) => f.path === 'app.js' && f.line === 2);
    expect(app?.confidence).toBe(90);
    expect(app?.verified?.line).toBe(2);
    expect(json.setAside).toEqual([]);

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
    expect(err).toMatch(/\rreviewing: \d\/~4 calls, [\d,]+ tokens, \$0\.\d{4}/);
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

  it('shows the first parts of a long plan and how many more, and says when max-cost-usd would stop it', async () => {
    const dir = repo();
    const big = Array.from({ length: 4000 }, (_, i) => `export const value${i} = compute(${i}, "${'x'.repeat(40)}");`);
    writeFileSync(join(dir, 'big.js'), `${big.join('\n')}\n`);
    execFileSync('git', ['add', '.'], { cwd: dir });
    const { err } = await cli(dir, ['--chunk-tokens', '2000', '--max-cost-usd', '0.05']);
    expect(err).toMatch(/ {4}… \d+ more parts/);
    expect(err.match(/^ {4}part \d+:/gm)).toHaveLength(10);
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

describe('the CLI speaks as a command line', () => {
  it('--version prints the version, and --help groups the flags with what each does and its default', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect((await cli(repo(), ['--version'])).out).toBe(`${pkg.version}\n`);
    const { out, code } = await cli(repo(), ['--help']);
    expect(code).toBe(0);
    for (const group of ['What to review:', 'Model and gateway', 'Output:', 'Limits:']) expect(out).toContain(group);
    expect(out).toMatch(/--max-cost-usd USD\s+no call is made .* \(default: 2\)/);
    expect(out).toMatch(/--concurrency N\s+model calls in flight at once \(default: 4\)/);
    // The action's own inputs are not flags here.
    for (const hidden of ['review-event', 'allowed-associations', 'trigger', 'github-token', 'pr-number']) {
      expect(out).not.toContain(`--${hidden}`);
    }
    const trigger = await cli(repo(), ['--trigger', '/x']);
    expect(trigger.code).toBe(2);
    expect(trigger.err).toMatch(/Unknown option '--trigger'/);
  });

  it('--repo reviews another repository, and the first line says which and what range', async () => {
    const dir = repo();
    const elsewhere = mkdtempSync(join(tmpdir(), 'elsewhere-'));
    const { code, err } = await cli(elsewhere, ['--repo', dir]);
    expect(code).toBe(0);
    expect(err.split('\n')[0]).toMatch(/^Reviewing .*cli-[^:]+: [0-9a-f]{12}\.\.\(working tree\)$/);
    expect(err).toContain('2 to review');
  });

  it('says bad values in terms of flags, and a refused key in terms of the environment variable', async () => {
    const bad = await cli(repo(), ['--concurrency', '99', '--min-severity', 'loud']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^Invalid flags \(2\):/);
    expect(bad.err).not.toMatch(/input '|action input/);
    const g = await new FakeGateway({
      apiKey: 'the-right-key',
      auth: 'x-api-key',
      reply: () => ({ toolInput: {} }),
    }).start();
    stopLater(() => g.stop());
    const refused = await cli(repo(), ['--base-url', g.url], { ANTHROPIC_API_KEY: 'a-wrong-key-000' });
    expect(refused.code).toBe(1);
    expect(refused.out + refused.err).toContain('ANTHROPIC_API_KEY');
    expect(refused.out + refused.err).not.toContain("'api-key'");
  });

  it('--dry-run and a run without a key write the plan in the format asked: JSON, Markdown, an empty SARIF run', async () => {
    const dir = repo();
    const plan = join(dir, 'plan.json');
    const json = await cli(dir, ['--dry-run', '--format', 'json', '--output', plan], { ANTHROPIC_API_KEY: KEY });
    expect(json.code).toBe(0);
    expect(json.err).toContain(`json plan written to ${plan}`);
    const written = JSON.parse(readFileSync(plan, 'utf8')) as {
      planOnly: boolean;
      plan: { reviewable: string[]; calls: { files: string[] }[]; skipped: { path: string }[] };
    };
    expect(written.planOnly).toBe(true);
    expect(written.plan.reviewable.sort()).toEqual(['app.js', 'util.js']);
    expect(written.plan.calls).toHaveLength(1);
    expect(written.plan.skipped.map((s) => s.path)).toContain('package-lock.json');
    const markdown = await cli(dir, ['--format', 'markdown']);
    expect(markdown.out).toMatch(/^## Review plan \(no model was called\)/);
    expect(markdown.out).toContain('parts: 1');
    const sarif = await cli(dir, ['--format', 'sarif']);
    const log = JSON.parse(sarif.out) as { runs: { results: unknown[] }[] };
    expect(log.runs[0]?.results).toEqual([]);
    expect(sarifProblems(log)).toEqual([]);
  });

  it('says in one line when there is nothing to review, and calls no model', async () => {
    const dir = repo();
    const g = await gateway();
    execFileSync('git', ['checkout', '-q', 'main'], { cwd: dir });
    writeFileSync(join(dir, 'package-lock.json'), '{"lockfileVersion": 3}\n');
    execFileSync('git', ['add', 'package-lock.json'], { cwd: dir });
    const { code, err } = await cli(dir, ['--base', 'HEAD', '--base-url', g.url], { ANTHROPIC_API_KEY: KEY });
    expect(code).toBe(0);
    expect(err).toMatch(/Nothing to review: the 1 file HEAD\.\.\(working tree\) changes is skipped/);
    expect(g.calls).toHaveLength(0);
  });

  it('skips a file whose diff passes GitHub limit for one file, as the action would', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'big.js'), Array.from({ length: 21_000 }, (_, i) => `x(${i});`).join('\n'));
    execFileSync('git', ['add', 'big.js'], { cwd: dir });
    const { err } = await cli(dir, []);
    expect(err).toMatch(/skipped big\.js: binary, or too large for GitHub to send a patch/);
  });

  it('lists every finding it cannot place or read, in every format: never "No issues found"', async () => {
    const g = await new FakeGateway({
      apiKey: KEY,
      auth: 'x-api-key',
      reply: () => ({
        toolInput: {
          summary: 'Two problems.',
          comments: [
            { line: 2, severity: 'high', category: 'bug', title: 'No path', body: 'A comment without a path.' },
            {
              path: 'app.js',
              line: 500,
              severity: 'medium',
              category: 'bug',
              title: 'Far away',
              body: 'Off the diff.',
            },
          ],
        },
      }),
    }).start();
    stopLater(() => g.stop());
    const dir = repo();
    const base = ['--base-url', g.url];
    const env = { ANTHROPIC_API_KEY: KEY };
    const text = await cli(dir, base, env);
    expect(text.out).toMatch(/app\.js:500 \[medium\/bug\] Far away \(.*not in the diff/);
    expect(text.out).toMatch(/dropped: a finding the model sent could not be read \(comment 1: path/);
    expect(text.out).toContain('1 finding, 1 dropped (unreadable)');
    const json = JSON.parse((await cli(dir, [...base, '--format', 'json'], env)).out) as { dropped: string[] };
    expect(json.dropped).toHaveLength(1);
    const markdown = await cli(dir, [...base, '--format', 'markdown'], env);
    expect(markdown.out).not.toContain('No issues found');
    expect(markdown.out).toContain('Far away');
  });

  it('on an interrupt keeps what finished: prints and writes it, lists the rest as not reviewed, exits 130', async () => {
    const dir = repoOfParts();
    const interrupt = new AbortController();
    const g = await new FakeGateway({
      apiKey: KEY,
      auth: 'x-api-key',
      reply: ctrlCOnSecondCall(interrupt, { hangMs: 20_000, toolInput: {} }),
    }).start();
    stopLater(() => g.stop());
    const out = join(dir, 'partial.json');
    let err = '';
    const code = await runCli(
      ['--base-url', g.url, '--chunk-tokens', '4000', '--concurrency', '1', '--format', 'json', '--output', out],
      {
        cwd: dir,
        env: { ANTHROPIC_API_KEY: KEY },
        stdout: () => undefined,
        stderr: (t) => (err += t),
        tty: false,
        interrupt: interrupt.signal,
      },
    );
    expect(code).toBe(130);
    expect(err).toMatch(/interrupted: \d+ of \d+ files reviewed; the rest are listed as not reviewed/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { findings: unknown[]; notReviewed: { reason: string }[] };
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.notReviewed.length).toBeGreaterThan(0);
    expect(report.notReviewed.every((n) => n.reason.includes('interrupted (Ctrl-C)'))).toBe(true);
  });
});

describe('dist/cli.js on Ctrl-C', () => {
  it('stops at SIGINT, writes --output with what finished, and exits 130', async () => {
    const dir = repoOfParts();
    let child: ReturnType<typeof execFile> | undefined;
    const g = await new FakeGateway({
      apiKey: KEY,
      auth: 'x-api-key',
      reply: (body, n) => {
        if (n === 1) setTimeout(() => child?.kill('SIGINT'), 100);
        return n === 0 ? { toolInput: scriptedReview(userTextOf(body)) } : { hangMs: 20_000, toolInput: {} };
      },
    }).start();
    stopLater(() => g.stop());
    const out = join(dir, 'partial.json');
    const args = [
      DIST_CLI,
      '--base-url',
      g.url,
      '--chunk-tokens',
      '4000',
      '--concurrency',
      '1',
      '--format',
      'json',
      '-o',
      out,
    ];
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      child = execFile(
        process.execPath,
        args,
        { cwd: dir, env: { PATH: process.env.PATH ?? '', ANTHROPIC_API_KEY: KEY }, timeout: 30_000 },
        (error, _stdout, stderr) => {
          resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr });
        },
      );
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('Ctrl-C: stopping the calls');
    const report = JSON.parse(readFileSync(out, 'utf8')) as { findings: unknown[]; notReviewed: unknown[] };
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.notReviewed.length).toBeGreaterThan(0);
  });
});
