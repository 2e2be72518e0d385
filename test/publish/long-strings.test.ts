// Model strings with no natural bound (a path of 33,000 characters, long titles and reasons) cannot make the
// summary longer than GitHub takes: the whole body, its top part included, is fitted, and the state is kept.
import { describe, expect, it } from 'vitest';
import { fakesFor, readOutputs, runInProcess, semverFiles } from '../helpers/action.js';
import { stopAfterEach } from '../helpers/cleanup.js';

const KEY = 'sk-ant-long-strings-0123456789';
const stopLater = stopAfterEach();

const finding = (i: number, path: string) => ({
  path,
  line: 3 + i,
  severity: 'high',
  category: 'bug',
  title: `Problem ${i} ${'with a long title '.repeat(10)}`.slice(0, 200),
  body: 'A real problem.',
  confidence: 90,
});

describe('a summary fitted whole', () => {
  it('posts the summary with its state when the model gives a 33,000-character path', async () => {
    const comments = [
      finding(0, `src/${'a'.repeat(33_000)}.js`),
      ...Array.from({ length: 30 }, (_, i) => finding(i + 1, `src/${'deep/'.repeat(400)}file${i}.js`)),
    ];
    const gateway = {
      apiKey: KEY,
      auth: 'x-api-key' as const,
      reply: () => ({ toolInput: { summary: 'Summary.', comments } }),
    };
    const { github, env, files } = await fakesFor(semverFiles(), gateway, stopLater, {
      context: 'diff',
      'review-depth': 'quick',
      verify: 'false',
      'chunk-tokens': '200000',
      'max-output-tokens': '64000',
    });
    const { exitCode, log } = await runInProcess(env);
    expect(log.match(/::error::.*/)?.[0]).toBeUndefined();
    expect(exitCode).toBe(0);
    expect(github.issueComments).toHaveLength(1);
    const body = github.issueComments[0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain('claude-pr-reviewer:state ');
    expect(body).toContain('### Cost');
    expect(body).not.toContain('a'.repeat(1_000));
    expect(readOutputs(files.outputPath)['summary-comment-id']).not.toBe('');
  });
});
