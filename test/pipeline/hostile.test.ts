// Files a PR author controls that once stalled or crashed a run, through the whole action with context on:
// each must end in exit 0 and a summary (the test timeout bounds the time; `npm run bench` measures it).
import { describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { reviewingGateway, actionEnv, fakePullRequest, runInProcess } from '../helpers/action.js';
import type { FakeGateway } from '../fakes/gateway.js';
import { indexCode } from '../../src/context/code.js';
import { added, hostileFiles } from '../helpers/hostile.js';
import { stopAfterEach } from '../helpers/cleanup.js';

const KEY = 'sk-ant-test-key-hostile-0123456789';

describe('hostile files in a pull request', () => {
  const stopLater = stopAfterEach();

  it('the context indexer stays linear on a deep member chain and falls back on a stack overflow', () => {
    const files = hostileFiles();
    const chain = indexCode('lib/chain.js', files['lib/chain.js']!);
    expect(chain.method).toBe('parser');
    expect(chain.usesOn(new Set([1])).map((u) => u.name)).toContain('a');
    expect(indexCode('lib/line.js', files['lib/line.js']!).method).toBe('parser');
    const nest = indexCode('lib/nest.js', files['lib/nest.js']!);
    expect(nest.method).toBe('lines');
    expect(nest.fallback).toMatch(/^lib\/nest\.js indexed by lines: the parser gave up/);
  });

  it('a PR of all of them ends in exit 0 and a summary', async () => {
    const files = hostileFiles();
    const pr = fakePullRequest(
      Object.entries(files).map(([path, text]) => added(path, text)),
      { title: 'Hostile files' },
    );
    const github = await new FakeGitHub(pr).start();
    github.repoFiles[pr.headSha] = files;
    const llm: FakeGateway = await reviewingGateway(KEY);
    stopLater(
      () => github.stop(),
      () => llm.stop(),
    );
    const { env } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, 'max-cost-usd': 'none' });
    const { exitCode, log } = await runInProcess(env);
    expect(log).not.toContain('::error');
    expect(log).toMatch(/::warning::context: lib\/nest\.js indexed by lines/);
    expect(exitCode).toBe(0);
    expect(github.issueComments).toHaveLength(1);
    expect(github.issueComments[0]!.body).toContain('Claude review');
  }, 60_000);
});
