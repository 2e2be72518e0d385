// SARIF 2.1.0 from the action, validated against the official schema shipped in @microsoft/jest-sarif.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Log } from 'sarif';
import { FakeGitHub } from './fakes/github.js';
import { sarifProblems } from './helpers/sarif.js';
import type { FakeGateway } from './fakes/gateway.js';
import { actionEnv, fakePullRequest, readOutputs, runInProcess, reviewingGateway } from './helpers/action.js';
import { stableFingerprint, toSarif } from '../src/publish/sarif.js';
import { VERSION } from '../src/version.js';
import type { Finding } from '../src/findings/findings.js';

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

  it('keeps fingerprints stable when the line moves or the body is reworded', () => {
    const before = stableFingerprint(finding({}));
    expect(stableFingerprint(finding({ line: 99, body: 'Other words.' }))).toBe(before);
    expect(stableFingerprint(finding({ title: 'Token is LOGGED!' }))).toBe(before);
    expect(stableFingerprint(finding({ path: 'src/b.ts' }))).not.toBe(before);
  });
});

describe('the sarif-file input', () => {
  let github: FakeGitHub;
  let llm: FakeGateway;
  beforeEach(async () => {
    github = await new FakeGitHub(fakePullRequest()).start();
    llm = await reviewingGateway(KEY);
  });
  afterEach(async () => {
    await github.stop();
    await llm.stop();
  });

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

  it('writes none by default', async () => {
    const { env, files } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url });
    await runInProcess(env);
    expect(readOutputs(files.outputPath)['sarif-file']).toBe('');
  });
});

describe('VERSION', () => {
  it('is the version package.json gives', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
