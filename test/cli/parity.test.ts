// The command line a team trusts in CI: the repository's rules as the action reads them (from the base
// commit), no clean-looking exit when nothing was reviewed, and the SDKs' environment conventions.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { billedUsd, FAKE_MODELS, FakeGateway } from '../fakes/gateway.js';
import { scriptedReply, userTextOf } from '../helpers/action.js';
import { cli, ctrlCOnSecondCall, repo, repoOfParts } from '../helpers/cli.js';
import { stopAfterEach } from '../helpers/cleanup.js';
import { createLlmClient } from '../../src/llm/factory.js';
import { runCli } from '../../src/cli/run.js';

const KEY = 'cli-parity-key-0123456789';
const stopLater = stopAfterEach();

async function gateway(apiKey = KEY): Promise<FakeGateway> {
  const g = await new FakeGateway({ apiKey, auth: 'x-api-key', reply: scriptedReply }).start();
  stopLater(() => g.stop());
  return g;
}

const CONFIG = 'exclude: ["util.js"]\nlanguage: German\ninstructions: Flag every console.log.\n';

describe("the repository's rules, read from the base commit as the action reads them", () => {
  it('applies the committed config file: its excludes, its language and its instructions', async () => {
    const g = await gateway();
    const dir = repo({ '.github/claude-review.yml': CONFIG });
    const { code, err } = await cli(dir, ['--base-url', g.url, '--review-depth', 'quick', '--verify', 'false'], {
      ANTHROPIC_API_KEY: KEY,
    });
    expect(code).toBe(0);
    expect(err).toContain("skipped util.js: matches 'exclude'");
    const prompt = JSON.stringify(g.calls[0]!.body);
    expect(prompt).toContain('German');
    expect(prompt).toContain('Flag every console.log.');
    expect(userTextOf(g.calls[0]!.body)).not.toContain('util.js (added');
  });

  it("applies the team's learnings from the base commit, as a review by the action does; --learnings-file none leaves them out", async () => {
    const g = await gateway();
    const learnings = '## Do not flag coercion with Number() in app.js\n- Files: `app.js`\n- Up to: low\n';
    const dir = repo({ '.github/claude-review-learnings.md': learnings });
    const args = ['--base-url', g.url, '--review-depth', 'quick', '--verify', 'false'];
    const { code, err } = await cli(dir, args, { ANTHROPIC_API_KEY: KEY });
    expect(code).toBe(0);
    expect(err).toContain('Read 1 learnings from .github/claude-review-learnings.md at the base commit');
    expect(JSON.stringify(g.calls[0]!.body.system)).toContain(
      '- L1 (files `app.js`; low at most): Do not flag coercion',
    );
    const without = await cli(dir, [...args, '--learnings-file', 'none'], { ANTHROPIC_API_KEY: KEY });
    expect(without.code).toBe(0);
    expect(JSON.stringify(g.calls.at(-1)!.body.system)).not.toContain('Do not flag coercion');
  });

  it('refuses an unknown key in it, naming the key and the file, before any call', async () => {
    const g = await gateway();
    const dir = repo({ '.github/claude-review.yml': `${CONFIG}bogus: 1\n` });
    const { code, err } = await cli(dir, ['--base-url', g.url], { ANTHROPIC_API_KEY: KEY });
    expect(code).toBe(2);
    expect(err).toMatch(/^\.github\/claude-review\.yml \(1\):\n {2}- unknown key 'bogus'/);
    expect(g.calls).toHaveLength(0);
  });

  it('reads --instructions-file and --config-file from the base commit, and names a missing one', async () => {
    const dir = repo({ 'docs/rules.md': 'Prefer early returns.\n', 'ci/review.yml': 'exclude: ["app.js"]\n' });
    const plan = await cli(dir, ['--config-file', 'ci/review.yml']);
    expect(plan.code).toBe(0);
    expect(plan.err).toContain("skipped app.js: matches 'exclude'");
    const missing = await cli(dir, ['--instructions-file', 'docs/none.md']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--instructions-file: "docs\/none.md" does not exist at the base commit [0-9a-f]{7}/);
  });
});

describe('no silent green', () => {
  it.each([
    [['--fail-on', 'high'], '--fail-on'],
    [['--format', 'json'], '--format json'],
    [['--output', 'report.txt'], '--output'],
  ])('without a key, %j exits 3 and says nothing was reviewed', async (flags, named) => {
    const { code, err } = await cli(repo(), flags);
    expect(code).toBe(3);
    expect(err).toContain(`Nothing was reviewed: no API key (ANTHROPIC_API_KEY or LLM_API_KEY), and ${named}`);
  });

  it('a SARIF file written then carries a notification, never a clean empty run; --dry-run exits 0', async () => {
    const dir = repo();
    const file = join(dir, 'review.sarif');
    const noKey = await cli(dir, ['--format', 'sarif', '--output', file]);
    expect(noKey.code).toBe(3);
    type Sarif = {
      runs: {
        results: unknown[];
        invocations?: { executionSuccessful: boolean; toolExecutionNotifications: { message: { text: string } }[] }[];
      }[];
    };
    const written = JSON.parse(readFileSync(file, 'utf8')) as Sarif;
    expect(written.runs[0]?.invocations?.[0]?.executionSuccessful).toBe(false);
    expect(written.runs[0]?.invocations?.[0]?.toolExecutionNotifications[0]?.message.text).toMatch(
      /^Nothing was reviewed: No API key/,
    );
    const dry = await cli(dir, ['--dry-run', '--format', 'sarif', '--fail-on', 'high'], { ANTHROPIC_API_KEY: KEY });
    expect(dry.code).toBe(0);
    expect(
      (JSON.parse(dry.out) as Sarif).runs[0]?.invocations?.[0]?.toolExecutionNotifications[0]?.message.text,
    ).toContain('--dry-run');
  });

  it('an empty ANTHROPIC_API_KEY falls back to LLM_API_KEY', async () => {
    const g = await gateway();
    const { code } = await cli(repo(), ['--base-url', g.url, '--review-depth', 'quick', '--fail-on', 'critical'], {
      ANTHROPIC_API_KEY: '',
      LLM_API_KEY: KEY,
    });
    expect(code).not.toBe(3);
    expect(g.calls.length).toBeGreaterThan(0);
    expect(g.calls.every((c) => c.status === 200)).toBe(true);
  });
});

describe('paid work is never lost', () => {
  it('--output in a folder that does not exist is refused before any call, naming the flag', async () => {
    const g = await gateway();
    const { code, err } = await cli(repo(), ['--base-url', g.url, '--output', 'nowhere/report.txt'], {
      ANTHROPIC_API_KEY: KEY,
    });
    expect(code).toBe(2);
    expect(err).toMatch(/^--output: "nowhere\/report.txt" is in a folder that does not exist/);
    expect(g.calls).toHaveLength(0);
  });

  it('a report that cannot be written after the review goes to standard output, and the exit code says so', async () => {
    const dir = repo();
    const folder = join(dir, 'reports');
    mkdirSync(folder);
    // The folder is removed while the review runs: the write after it fails.
    const g = await new FakeGateway({
      apiKey: KEY,
      auth: 'x-api-key',
      reply: (body) => {
        rmSync(folder, { recursive: true, force: true });
        return scriptedReply(body);
      },
    }).start();
    stopLater(() => g.stop());
    const args = ['--base-url', g.url, '--review-depth', 'quick', '--format', 'json', '--output', 'reports/r.json'];
    const { code, out, err } = await cli(dir, args, { ANTHROPIC_API_KEY: KEY });
    expect(code).toBe(4);
    expect(err).toMatch(/--output: could not write .*reports\/r\.json .*follows on standard output \(exit 4\)/);
    const report = JSON.parse(out) as { findings: unknown[] };
    expect(report.findings.length).toBeGreaterThan(0);
  });
});

describe("the SDKs' conventions", () => {
  it('ANTHROPIC_BASE_URL is used when --base-url is not given', async () => {
    const g = await gateway();
    const { code } = await cli(repo(), ['--review-depth', 'quick'], {
      ANTHROPIC_API_KEY: KEY,
      ANTHROPIC_BASE_URL: g.url,
    });
    expect(code).toBe(0);
    expect(g.calls.length).toBeGreaterThan(0);
  });

  it('a connection error names the host it could not reach and the cause', async () => {
    const fast = { maxAttempts: 2, maxTotalMs: 1_000, baseDelayMs: 1, maxDelayMs: 1 };
    // A port nothing listens on: taken, then given back.
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((done) =>
      server.close(() => {
        done();
      }),
    );
    const { code, out, err } = await cli(
      repo(),
      ['--base-url', `http://127.0.0.1:${port}`, '--review-depth', 'quick', '--verify', 'false'],
      { ANTHROPIC_API_KEY: KEY },
      false,
      (settings) => createLlmClient(settings, { retry: fast }),
    );
    expect(code).toBe(1);
    expect(`${out}${err}`).toMatch(new RegExp(`could not reach the gateway: .*ECONNREFUSED.*127\\.0\\.0\\.1:${port}`));
  });
});

describe('every flag does what --help says', () => {
  it('an unknown flag gets a did-you-mean; --repo that does not exist says so', async () => {
    const typo = await cli(repo(), ['--max-coments', '1']);
    expect(typo.code).toBe(2);
    expect(typo.err).toContain("Unknown option '--max-coments' (did you mean --max-comments?)");
    const nowhere = await cli(repo(), ['--repo', '/nonexistent/repo']);
    expect(nowhere.code).toBe(2);
    expect(nowhere.err).toMatch(/^--repo: "\/nonexistent\/repo" does not exist/);
  });

  it('--help keeps a space between every flag and its help', async () => {
    const { out } = await cli(repo(), ['--help']);
    const flagLines = out.split('\n').filter((l) => /^ {2}--[a-z]/.test(l) && !l.includes('--help, -h'));
    expect(flagLines.length).toBeGreaterThan(30);
    for (const line of flagLines) expect(line).toMatch(/^ {2}--[a-z-]+(?: [A-Z]+)? {2,}\S/);
  });

  it('--max-comments limits the findings listed, the most severe first, and says how many it left out', async () => {
    const g = await gateway();
    const args = ['--base-url', g.url, '--review-depth', 'quick', '--verify', 'false', '--max-comments', '1'];
    const { code, out } = await cli(repo(), args, { ANTHROPIC_API_KEY: KEY });
    expect(code).toBe(0);
    const listed = out.split('\n').filter((l) => /^\S+:\d+(-\d+)? \[/.test(l));
    expect(listed).toHaveLength(1);
    expect(out).toMatch(/not listed: \d+ over --max-comments 1 \(--format json or sarif has them all\)/);
  });

  it('takes an absolute path for a file of the repository', async () => {
    const dir = repo({ 'docs/rules.md': 'Prefer early returns.\n' });
    const { code, err } = await cli(dir, ['--dry-run', '--instructions-file', join(dir, 'docs/rules.md')], {
      ANTHROPIC_API_KEY: KEY,
    });
    expect(code).toBe(0);
    expect(err).not.toContain('instructions-file');
  });
});

describe('interrupted work is accounted', () => {
  it('a call stopped mid-answer by Ctrl-C is in the cost at its reservation, marked as an estimate', async () => {
    const dir = repoOfParts();
    const interrupt = new AbortController();
    const g = await new FakeGateway({
      apiKey: KEY,
      auth: 'x-api-key',
      // The second call begins to answer (it is billed), then stalls until Ctrl-C.
      reply: ctrlCOnSecondCall(interrupt, { stallMs: 20_000, toolInput: { summary: 'late', comments: [] } }),
    }).start();
    stopLater(() => g.stop());
    let out = '';
    const code = await runCli(
      [
        '--base-url',
        g.url,
        '--chunk-tokens',
        '4000',
        '--concurrency',
        '1',
        '--review-depth',
        'quick',
        '--verify',
        'false',
        '--format',
        'json',
      ],
      {
        cwd: dir,
        env: { ANTHROPIC_API_KEY: KEY },
        stdout: (t) => (out += t),
        stderr: () => undefined,
        tty: false,
        interrupt: interrupt.signal,
      },
    );
    expect(code).toBe(130);
    const report = JSON.parse(out) as { costUsd: number; costEstimated: boolean; findings: unknown[] };
    expect(report.costEstimated).toBe(true);
    // More than what the one finished call was billed: the stopped call's reservation is in it.
    const finished = billedUsd(g.billed(), FAKE_MODELS['claude-sonnet-5-5']!.price);
    expect(report.costUsd).toBeGreaterThan(finished * 1.5);
    expect(report.findings.length).toBeGreaterThan(0);
  });
});

describe('a terminal sees work happening', () => {
  it('shows the elapsed time within a second while the first call runs', async () => {
    const g = await new FakeGateway({
      apiKey: KEY,
      auth: 'x-api-key',
      reply: (body) => ({ hangMs: 1_200, ...(scriptedReply(body) as { toolInput: unknown }) }),
    }).start();
    stopLater(() => g.stop());
    const args = ['--base-url', g.url, '--review-depth', 'quick', '--verify', 'false'];
    const { code, err } = await cli(repo(), args, { ANTHROPIC_API_KEY: KEY }, true);
    expect(code).toBe(0);
    // Drawn before the first call ended: no call done yet, time counting.
    expect(err).toMatch(/\rreviewing: 0\/~\d+ calls, 0 tokens, \$0\.0000, [01] s/);
  });
});

describe('words for a terminal, not a pull request', () => {
  it('markdown lists each finding once and says nothing of comments posted, tool names or parts', async () => {
    const g = await gateway();
    const args = ['--base-url', g.url, '--review-depth', 'quick', '--verify', 'false'];
    const markdown = await cli(repo(), [...args, '--format', 'markdown'], { ANTHROPIC_API_KEY: KEY });
    expect(markdown.code).toBe(0);
    const titles = [...markdown.out.matchAll(/\*\*([^*]+)\*\* — `/g)].map((m) => m[1]);
    expect(titles.length).toBeGreaterThan(1);
    for (const title of titles) expect(markdown.out.split(title!).length - 1).toBe(1);
    const text = await cli(repo(), args, { ANTHROPIC_API_KEY: KEY });
    for (const out of [markdown.out, markdown.err, text.out, text.err]) {
      expect(out).not.toMatch(/comments? posted|actions\/checkout|\(RIGHT\)|submit_\w+/);
    }
    // The report itself speaks of files, not of our parts (the plan on stderr shows how the diff is shared).
    for (const out of [markdown.out, text.out]) expect(out).not.toMatch(/\bparts?\b/i);
  });
});
