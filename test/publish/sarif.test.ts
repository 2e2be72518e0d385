// SARIF 2.1.0 from the action, validated against the official schema shipped in @microsoft/jest-sarif.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Log } from 'sarif';
import { FakeGitHub } from '../fakes/github.js';
import { sarifProblems } from '../helpers/sarif.js';
import type { FakeGateway } from '../fakes/gateway.js';
import {
  fakesForEachTest,
  actionEnv,
  readOutputs,
  runInProcess,
  reviewingGateway,
  scriptedReview,
  userTextOf,
} from '../helpers/action.js';
import { partialFingerprint, toSarif } from '../../src/publish/sarif.js';
import { VERSION } from '../../src/core/version.js';
import type { Finding } from '../../src/findings/findings.js';

const finding = (extra: Partial<Finding>): Finding => ({
  path: 'src/a b.ts',
  line: 12,
  side: 'RIGHT',
  severity: 'high',
  category: 'security',
  title: 'Token is logged',
  body: 'The token reaches the log.',
  fingerprint: '0123456789abcdef',
  anchor: 'line',
  ...extra,
});

const KEY = 'sk-ant-test-key-sarif-0123456789';

describe('toSarif', () => {
  it('is valid SARIF 2.1.0: one rule per category, levels from severity, ranges on the head file', () => {
    const log = toSarif(
      [
        finding({ start_line: 10 }),
        finding({ severity: 'low', category: 'style', title: 'Name', line: 3 }),
        finding({ side: 'LEFT', severity: 'medium', category: 'bug', title: 'Removed check', line: 40 }),
      ],
      VERSION,
    );
    expect(sarifProblems(log)).toEqual([]);
    const run = log.runs[0]!;
    expect(run.tool.driver.rules?.map((r) => r.id)).toEqual([
      'claude-review/security',
      'claude-review/bug',
      'claude-review/performance',
      'claude-review/maintainability',
      'claude-review/style',
      'claude-review/tests',
    ]);
    const [a, b, c] = run.results!;
    expect(a).toMatchObject({ ruleId: 'claude-review/security', level: 'error', ruleIndex: 0 });
    expect(a!.locations![0]!.physicalLocation!.region).toEqual({ startLine: 10, endLine: 12 });
    expect(a!.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe('src/a%20b.ts');
    expect(b!.level).toBe('note');
    // A deleted line has no place in the head file: the file, and the old line in the message.
    expect(c!.locations![0]!.physicalLocation!.region).toBeUndefined();
    expect(c!.message.text).toContain('line 40 of the old version');
  });

  it('survives any string the model writes: lone surrogates, control characters, bidi overrides', () => {
    const hostile = 'a\uD800b\uDC00c\u0000\u001b[2J\u202Eevil\u2066';
    const log = toSarif([finding({ path: `src/${hostile}.ts`, title: hostile, body: hostile })], VERSION);
    expect(sarifProblems(log)).toEqual([]);
    const text = JSON.stringify(log);
    expect(text).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
    // eslint-disable-next-line no-control-regex
    expect(log.runs[0]!.results![0]!.message.text).not.toMatch(/[\u0000\u001b\u202e]/);
    // The path is percent-encoded as it is (it must still name the file); only the lone surrogates are replaced.
    expect(log.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe(
      'src/a%EF%BF%BDb%EF%BF%BDc%00%1B%5B2J%E2%80%AEevil%E2%81%A6.ts',
    );
  });

  it('keeps fingerprints stable when the line moves or the body is reworded', () => {
    const before = partialFingerprint(finding({}));
    expect(partialFingerprint(finding({ line: 99, body: 'Other words.' }))).toBe(before);
    expect(partialFingerprint(finding({ title: 'Token is LOGGED!' }))).toBe(before);
    expect(partialFingerprint(finding({ path: 'src/b.ts' }))).not.toBe(before);
  });
});

describe('the sarif-file input', () => {
  let github: FakeGitHub;
  let llm: FakeGateway;
  fakesForEachTest(KEY, (fakes) => ({ github, llm } = fakes));

  it('writes a valid log of every finding there, and names it in the sarif-file output', async () => {
    const { env, files } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, 'sarif-file': 'out/review.sarif' });
    const { exitCode } = await runInProcess(env);
    expect(exitCode).toBe(0);
    const outputs = readOutputs(files.outputPath);
    expect(outputs['sarif-file']).toBe(`${files.dir}/out/review.sarif`);
    const log = JSON.parse(readFileSync(outputs['sarif-file']!, 'utf8')) as Log;
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0]!.results).toHaveLength(Number(outputs.findings));
    expect(log.runs[0]!.tool.driver.version).toBe(VERSION);
  });

  it('a model that writes lone surrogates and control characters still gets its SARIF and every output', async () => {
    await llm.stop();
    llm = await reviewingGateway(KEY, {
      reply: (body) => {
        const review = scriptedReview(userTextOf(body));
        const bad = '\uD83D oops \uDE00 \u0007\u001b]0;title\u0007 \u202Egnp.exe';
        return {
          toolInput: {
            summary: `Summary ${bad}`,
            comments: review.comments.map((c) => ({
              ...c,
              title: `${String(c.title)} ${bad}`,
              body: `${String(c.body)} ${bad}`,
            })),
          },
        };
      },
    });
    const { env, files } = actionEnv(github, {
      'api-key': KEY,
      'base-url': llm.url,
      'sarif-file': 'review.sarif',
      'min-severity': 'info',
    });
    const { exitCode } = await runInProcess(env);
    expect(exitCode).toBe(0);
    const outputs = readOutputs(files.outputPath);
    expect(Number(outputs.findings)).toBeGreaterThan(0);
    expect(outputs['cost-usd']).toMatch(/^\d/);
    const log = JSON.parse(readFileSync(outputs['sarif-file']!, 'utf8')) as Log;
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0]!.results).toHaveLength(Number(outputs.findings));
    const posted = [
      ...github.reviews.flatMap((r) => (r.comments as { body: string }[]).map((c) => c.body)),
      github.issueComments[0]!.body,
    ];
    // eslint-disable-next-line no-control-regex
    const unsafe = /[\u0000-\u0008\u001b\u202e]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])/;
    for (const body of posted) expect(body).not.toMatch(unsafe);
  });

  it('writes none by default', async () => {
    const { env, files } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url });
    await runInProcess(env);
    expect(readOutputs(files.outputPath)['sarif-file']).toBe('');
  });
});

describe('VERSION', () => {
  it('is the version package.json gives', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
