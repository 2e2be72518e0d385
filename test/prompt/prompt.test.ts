import { describe, expect, it } from 'vitest';
import { getTokenizer } from '@anthropic-ai/tokenizer';
import { toFileDiff } from '../../src/diff/diff.js';
import { planChunks } from '../../src/plan/plan.js';
import { buildPrefix, buildRequest, renderChunk } from '../../src/prompt/prompt.js';
import { fakePullRequest, reviewedPullRequest } from '../helpers/action.js';

const files = fakePullRequest()
  .files.map(toFileDiff)
  .filter((f) => !f.noPatch);

describe('the diff as every request shows it', () => {
  it('numbers every line: the number, one marker, the code; headings and notes carry no number first', () => {
    const chunks = planChunks(files, 3000);
    const prefix = buildPrefix(reviewedPullRequest(), '', files);
    let lines = 0;
    for (const chunk of chunks) {
      const diff = buildRequest(prefix, chunk, chunks.length).user[1]?.text ?? '';
      const body = /<diff>\n([\s\S]*)\n<\/diff>/.exec(diff)?.[1] ?? '';
      for (const line of body.split('\n').filter(Boolean)) {
        expect(line).toMatch(/^(?:## |@@|\d+[+ -]|… )/);
        lines += /^\d+[+ -]/.test(line) ? 1 : 0;
      }
    }
    const total = files.reduce((n, f) => n + f.hunks.reduce((m, h) => m + h.lines.length, 0), 0);
    expect(lines).toBeGreaterThanOrEqual(total);
  });

  it('costs under a tenth more tokens than the patch GitHub sends', () => {
    const tokenizer = getTokenizer();
    const count = (text: string): number => tokenizer.encode(text.normalize('NFKC'), 'all').length;
    const raw = fakePullRequest()
      .files.filter((f) => f.patch)
      .reduce((n, f) => n + count(`diff --git a/${f.filename} b/${f.filename}\n${f.patch ?? ''}`), 0);
    const shown = count(
      renderChunk({ index: 0, files: files.map((file) => ({ file, hunks: file.hunks })), tokens: 0 }),
    );
    tokenizer.free();
    expect(shown / raw).toBeLessThan(1.1);
  });
});
