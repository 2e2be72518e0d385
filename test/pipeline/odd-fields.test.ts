// A finding whose optional fields have an odd but readable shape (a model without strict tool use) is kept:
// its fields are mended or left out, it is posted, and the log counts what was mended.
import { describe, expect, it } from 'vitest';
import { fakesFor, readOutputs, runInProcess } from '../helpers/action.js';
import { stopAfterEach } from '../helpers/cleanup.js';
import type { ChangedFile } from '../../src/core/pull-request.js';

const KEY = 'sk-ant-odd-fields-0123456789';
const stopLater = stopAfterEach();

const FILE: ChangedFile = {
  filename: 'src/auth.js',
  status: 'added',
  additions: 4,
  deletions: 0,
  patch: [
    '@@ -0,0 +1,4 @@',
    '+export function check(token, expected) {',
    '+  if (token == expected) return true;',
    '+  return eval(token);',
    '+}',
  ].join('\n'),
};

const finding = (line: number | string, extra: Record<string, unknown>) => ({
  path: 'src/auth.js',
  line,
  severity: 'high',
  category: 'security',
  title: `Problem on line ${String(line)}`,
  body: 'A real problem.',
  ...extra,
});

describe('odd but readable finding fields', () => {
  it('keeps every finding, mends its fields, and counts them in the log', async () => {
    const comments = [
      finding(2, { confidence: 0.95, introduced: 'yes' }),
      finding(3, { confidence: 'high', severity: 'High', side: 'right' }),
      finding('4', { confidence: '85', introduced: 'maybe', quote: 7 }),
    ];
    const gateway = {
      apiKey: KEY,
      auth: 'x-api-key' as const,
      reply: () => ({ toolInput: { summary: 'ok', comments } }),
    };
    const { github, env, files } = await fakesFor([FILE], gateway, stopLater, {
      context: 'diff',
      'review-depth': 'quick',
      verify: 'false',
      'fail-on': 'high',
    });
    const { log, exitCode } = await runInProcess(env);
    expect(github.reviewComments.map((c) => c.line).sort()).toEqual([2, 3, 4]);
    expect(readOutputs(files.outputPath).findings).toBe('3');
    expect(exitCode).toBe(1);
    expect(log).toContain('part 1: 9 fields of an unexpected shape mended, findings kept');
    expect(log).toContain('confidence 0.95 → 95');
    expect(log).not.toContain('malformed');
  });
});
