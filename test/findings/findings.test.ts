import { describe, expect, it } from 'vitest';
import { toFileDiff } from '../../src/diff/diff.js';
import { dedupe, fingerprint, parseReview } from '../../src/findings/findings.js';
import { placeComments } from '../../src/findings/place.js';
import { reviewToolInputSchema } from '../../src/findings/schema.js';
import { commentBody, fingerprintOf, summaryBody, SUMMARY_MARKER, MAX_BODY_CHARS } from '../../src/publish/render.js';
import type { RawComment } from '../../src/findings/schema.js';
import type { ReviewResult } from '../../src/pipeline/stages.js';

const file = toFileDiff({
  filename: 'src/a.ts',
  status: 'modified',
  additions: 3,
  deletions: 1,
  patch: ['@@ -1,3 +1,4 @@', ' a', '-b', '+c', '+d', ' e', '@@ -20,2 +21,3 @@', ' x', '+y', ' z'].join('\n'),
});
const base: RawComment = {
  path: 'src/a.ts',
  line: 2,
  severity: 'high',
  category: 'bug',
  title: 'Wrong value',
  body: 'Because.',
};

describe('parseReview', () => {
  it('keeps valid comments and drops malformed ones one by one', () => {
    const parsed = parseReview({
      summary: 'ok',
      comments: [base, { ...base, line: -1 }, { path: 'x' }, { ...base, severity: 'urgent' }],
    });
    expect(parsed.summary).toBe('ok');
    expect(parsed.comments).toEqual([base]);
    expect(parsed.rejected).toHaveLength(3);
    expect(parsed.rejected[0]).toMatch(/^comment 2: line/);
  });

  it('keeps a finding whose cited learning has an odd shape: read when it names one, else left out', () => {
    const cite = (learning: unknown) => parseReview({ summary: 's', comments: [{ ...base, learning }] }).comments[0];
    expect(cite('L2')?.learning).toBe('L2');
    expect(cite('l3: do not flag missing JSDoc in tests')?.learning).toBe('L3');
    expect(cite(4)?.learning).toBe('L4');
    expect(cite({ id: 'L1' })).toEqual(base);
    expect(cite(null)).toEqual(base);
  });

  it('keeps the walkthrough entries that validate', () => {
    const parsed = parseReview({
      summary: 's',
      comments: [],
      walkthrough: [{ path: 'a.ts', change: 'Adds a cache.' }, { path: 'b.ts' }, 'nope', { path: '', change: 'x' }],
    });
    expect(parsed.walkthrough).toEqual([{ path: 'a.ts', change: 'Adds a cache.' }]);
    expect(parseReview({ summary: 's', comments: [] }).walkthrough).toEqual([]);
  });

  it('accepts the list sent as a JSON string, and a missing list as empty', () => {
    expect(parseReview({ summary: 's', comments: JSON.stringify([base]) }).comments).toEqual([base]);
    expect(parseReview({ summary: 's' }).comments).toEqual([]);
  });

  it('throws when there is no tool input at all', () => {
    expect(() => parseReview(undefined)).toThrow(/the model submitted no review/);
    expect(() => parseReview({ comments: 5 })).toThrow(/no list of findings/);
  });

  it('sends a JSON schema generated from the same zod schema', () => {
    const schema = reviewToolInputSchema() as {
      properties: { comments: { items: { required: string[]; properties: Record<string, { enum?: string[] }> } } };
    };
    expect(schema.properties.comments.items.required).toEqual([
      'path',
      'line',
      'severity',
      'category',
      'title',
      'body',
      'confidence',
      'introduced',
    ]);
    expect(schema.properties.comments.items.properties.severity?.enum).toEqual([
      'critical',
      'high',
      'medium',
      'low',
      'info',
    ]);
  });
});

describe('placeComments', () => {
  it('puts a comment inline only on a line of the diff on its side', () => {
    const [inline, context, left, outside, otherFile] = placeComments(
      [
        base,
        { ...base, line: 4 },
        { ...base, line: 2, side: 'LEFT' },
        { ...base, line: 10 },
        { ...base, path: 'nope.ts' },
      ],
      [file],
    );
    expect(inline?.anchor).toBe('line');
    expect(context?.anchor).toBe('line');
    expect(left?.anchor).toBe('line');
    expect(outside).toMatchObject({ anchor: 'file', note: 'line 10 of the new version is not in the diff' });
    expect(otherFile).toMatchObject({ anchor: 'none', note: 'file is not in the reviewed diff' });
  });

  it('keeps a range only inside one hunk, and a suggestion only on the RIGHT side', () => {
    const [ok, crossing, reversed, leftSuggestion] = placeComments(
      [
        { ...base, start_line: 2, line: 3, suggestion: 'c2\nd2' },
        { ...base, start_line: 3, line: 22, suggestion: 'two\nlines' },
        { ...base, start_line: 3, line: 2 },
        { ...base, side: 'LEFT', line: 2, suggestion: 'x' },
      ],
      [file],
    );
    expect(ok?.start_line).toBe(2);
    expect(crossing?.start_line).toBeUndefined();
    expect(crossing?.anchor).toBe('line');
    expect(crossing?.suggestion).toBeUndefined();
    expect(reversed?.start_line).toBeUndefined();
    expect(leftSuggestion?.suggestion).toBeUndefined();
  });

  it('fingerprints the resolved path, so a finding written with ./ or b/ is the same finding', () => {
    const [plain, dotted, prefixed] = placeComments(
      [base, { ...base, path: './src/a.ts' }, { ...base, path: 'b/src/a.ts' }],
      [file],
    );
    expect(dotted?.fingerprint).toBe(plain?.fingerprint);
    expect(prefixed?.fingerprint).toBe(plain?.fingerprint);
    expect(dedupe([plain!, dotted!, prefixed!]).fresh).toHaveLength(1);
  });

  it('normalises a path written with a/ or ./', () => {
    expect(placeComments([{ ...base, path: './src/a.ts' }], [file])[0]).toMatchObject({
      anchor: 'line',
      path: 'src/a.ts',
    });
  });
});

describe('dedupe', () => {
  it('drops repeats within the run, keeping the most severe first', () => {
    const placed = placeComments(
      [{ ...base, severity: 'low' }, base, { ...base, title: 'wrong  VALUE!' }, { ...base, line: 3 }],
      [file],
    );
    const { fresh, duplicates } = dedupe(placed);
    expect(fresh.map((f) => [f.line, f.severity])).toEqual([
      [2, 'high'],
      [3, 'high'],
    ]);
    expect(duplicates).toBe(2);
    expect(fresh[0]?.fingerprint).toBe(
      fingerprint({ path: 'src/a.ts', side: 'RIGHT', category: 'bug', title: 'Wrong value' }, 'c'),
    );
  });
});

describe('rendering', () => {
  it('puts a suggestion in a fence longer than any backticks inside it, and a fingerprint marker', () => {
    const [finding] = placeComments([{ ...base, suggestion: 'const s = ```x```;\n' }], [file]);
    const body = commentBody(finding!);
    expect(body).toContain('````suggestion\nconst s = ```x```;\n````');
    expect(fingerprintOf(body)).toBe(finding!.fingerprint);
    expect(body).toMatch(/^🟠 \*\*High\*\* · bug — \*\*Wrong value\*\*/);
  });

  it('writes a summary with verdict, counts, what was not reviewed, skipped files and cost, within GitHub limits', () => {
    const findings = placeComments([base, { ...base, line: 10, title: 'Elsewhere', body: 'x'.repeat(70_000) }], [file]);
    const result = {
      plan: { chunks: [{}, {}], learnings: [], skipped: [{ path: 'img.png', reason: 'binary' }] },
      outcomes: [
        { status: 'ok', summary: 'Adds a value.', rejected: [], chunk: { files: [] } },
        {
          status: 'failed',
          summary: '',
          rejected: [],
          error: 'the gateway failed (503) after retries',
          chunk: { files: [{ file, hunks: [], part: { index: 1, count: 2 } }] },
        },
      ],
      findings,
      setAside: [],
      duplicates: 0,
      usage: { input: 1200, output: 300, cacheRead: 0, cacheWrite: 2000 },
      calls: 2,
      usd: 0.0156,
    } as unknown as ReviewResult;
    const listed = [{ finding: findings[1]!, reason: 'line 10 of the new version is not in the diff' }];
    const body = summaryBody({
      result,
      findings,
      posted: 1,
      alreadyPosted: 0,
      listed,
      model: 'claude-sonnet-4-5',
      walkthrough: false,
    });
    expect(body.startsWith(SUMMARY_MARKER)).toBe(true);
    expect(body).toContain(
      '**Changes recommended**: 0 critical, 2 high severity findings. ⚠️ Partial review: 1 file was not reviewed',
    );
    expect(body).toContain('- **1 file**: the gateway failed (503) after retries');
    expect(body).toContain('- `src/a.ts` (part 2/2)');
    expect(body).toContain('`img.png`: binary');
    expect(body).toContain('| `claude-sonnet-4-5` | 2 | 1,200 | 2,000 | 0 | 300 | $0.0156 |');
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
  });
});
