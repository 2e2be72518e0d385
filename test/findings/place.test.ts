import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toFileDiff, type Hunk } from '../../src/diff/diff.js';
import { renderHunk, shortenedRuns } from '../../src/diff/render.js';
import { fitSuggestion, placeComments, quoteMatches } from '../../src/findings/place.js';
import type { RawComment } from '../../src/findings/schema.js';
import { linesInPatch } from '../fakes/github.js';

/** The patch git writes between two versions of a file, as GitHub's listFiles sends it (hunks only). */
function realPatch(before: string, after: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'place-'));
  writeFileSync(join(dir, 'a'), before);
  writeFileSync(join(dir, 'b'), after);
  let out = '';
  try {
    execFileSync('git', ['diff', '--no-index', '--no-color', '-U3', 'a', 'b'], { cwd: dir, encoding: 'utf8' });
  } catch (error) {
    out = (error as { stdout: string }).stdout;
  }
  return out.slice(out.indexOf('@@'));
}

const BEFORE = [
  'export function total(items) {',
  '  let sum = 0;',
  '  for (const item of items) {',
  '    sum += item.price;',
  '  }',
  '  return sum;',
  '}',
  '',
  'export function legacy(x) {',
  '  return eval(x);',
  '}',
  '',
].join('\n');
const AFTER = [
  'export function total(items, discount) {',
  '  let sum = 0;',
  '  for (const item of items) {',
  '    if (item.price > 0) {',
  '      sum += item.price * discount;',
  '    }',
  '  }',
  '  return sum;',
  '}',
  '',
].join('\n');

const patch = realPatch(BEFORE, AFTER);
const file = toFileDiff({ filename: 'src/total.js', status: 'modified', additions: 4, deletions: 5, patch });
const finding = (c: Partial<RawComment>): RawComment => ({
  path: 'src/total.js',
  line: 1,
  severity: 'high',
  category: 'bug',
  title: 'Discount applied as a multiplier',
  body: 'A discount of 0.1 makes everything 90 % off.',
  ...c,
});

/** Applies a suggestion the way GitHub does: lines start..line of the head file replaced by its text. */
function applySuggestion(head: string, start: number, end: number, suggestion: string): string {
  const lines = head.split('\n');
  lines.splice(start - 1, end - start + 1, ...suggestion.split('\n'));
  return lines.join('\n');
}

describe('placement by quote', () => {
  it('keeps a finding whose number and quote agree', () => {
    const [f] = placeComments([finding({ line: 5, quote: '      sum += item.price * discount;' })], [file]);
    expect(f).toMatchObject({ anchor: 'line', line: 5, side: 'RIGHT' });
    expect(f?.note).toBeUndefined();
  });

  it('moves a miscounted context line to the line its quote matches, in the same hunk', () => {
    // The model counted one too many for the context line "  return sum;" (line 8).
    const [f] = placeComments([finding({ line: 9, quote: 'return sum;' })], [file]);
    expect(f).toMatchObject({ anchor: 'line', line: 8, side: 'RIGHT' });
    expect(f?.note).toMatch(/moved from line 9/);
  });

  it('puts a comment on a deleted line on the LEFT side, found by its quote', () => {
    const [f] = placeComments([finding({ line: 11, side: 'LEFT', quote: 'return eval(x);' })], [file]);
    expect(f).toMatchObject({ anchor: 'line', side: 'LEFT', line: 10 });
    expect(linesInPatch(patch).LEFT.has(f!.line)).toBe(true);
  });

  it('finds the side from the quote when the model named the wrong one', () => {
    const [f] = placeComments([finding({ line: 10, quote: '  return eval(x);' })], [file]);
    expect(f).toMatchObject({ side: 'LEFT', line: 10 });
  });

  it('a line off the diff whose quote matches nothing is a file-level finding, with the reason', () => {
    const [f] = placeComments([finding({ line: 300, quote: 'nowhere()' })], [file]);
    expect(f).toMatchObject({ anchor: 'file', note: 'line 300 of the new version is not in the diff' });
  });

  it("measures distance in the cited side's numbers: a miscounted context line stays on its side when old and new numbers differ", () => {
    const shifted = toFileDiff({
      filename: 'src/shift.ts',
      status: 'modified',
      additions: 2,
      deletions: 0,
      patch: ['@@ -33,4 +30,6 @@', ' alpha();', '+one();', '+two();', ' beta();', ' gamma();', ' delta();'].join('\n'),
    });
    // "gamma();" is line 34 on the RIGHT and 35 on the LEFT; the model said 35 (RIGHT).
    const [f] = placeComments([finding({ path: 'src/shift.ts', line: 35, quote: 'gamma();' })], [shifted]);
    expect(f).toMatchObject({ anchor: 'line', side: 'RIGHT', line: 34 });
  });

  it('does not follow a quote far from a cited line that is in the diff (a paraphrase, not a miscount)', () => {
    const long = toFileDiff({
      filename: 'src/long.ts',
      status: 'modified',
      additions: 40,
      deletions: 0,
      patch: ['@@ -1,1 +1,41 @@', ' start();', ...Array.from({ length: 40 }, (_, i) => `+step${i}();`)].join('\n'),
    });
    const [f] = placeComments([finding({ path: 'src/long.ts', line: 3, quote: 'step39();' })], [long]);
    expect(f).toMatchObject({ anchor: 'line', line: 3 });
  });

  it('accepts a quote with the diff marker copied, or cut short with an ellipsis', () => {
    expect(quoteMatches('5+      sum += item.price * discount;', '      sum += item.price * discount;')).toBe(true);
    expect(quoteMatches('sum += item.price * …', '      sum += item.price * discount;')).toBe(true);
    expect(quoteMatches('sum', '      sum += item.price * discount;')).toBe(false);
  });

  it('every placed line is one GitHub resolves, on a real patch', () => {
    const sides = linesInPatch(patch);
    const all = placeComments(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((line) =>
        finding({ line, quote: AFTER.split('\n')[line - 1] ?? '' }),
      ),
      [file],
    );
    for (const f of all.filter((x) => x.anchor === 'line')) expect(sides[f.side].has(f.line)).toBe(true);
  });
});

describe('ranges and suggestions', () => {
  it('shifts a range with its end when the quote moved it, and keeps it inside the hunk', () => {
    // The model counted lines 3..5 one too high.
    const [f] = placeComments(
      [finding({ start_line: 4, line: 6, quote: 'sum += item.price * discount;', suggestion: 'x' })],
      [file],
    );
    expect(f).toMatchObject({ line: 5, start_line: 3, suggestion: '  x' });
  });

  it('drops a suggestion on the LEFT side, and one whose range cannot be kept', () => {
    const [left, crossing] = placeComments(
      [
        finding({ line: 10, side: 'LEFT', quote: 'return eval(x);', suggestion: 'return x;' }),
        finding({ start_line: 1, line: 12, quote: 'nowhere', suggestion: 'a' }),
      ],
      [file],
    );
    expect(left?.suggestion).toBeUndefined();
    expect(crossing?.suggestion).toBeUndefined();
  });

  it('round-trips a multi-line, indented suggestion: applied to the head file it gives the intended code', () => {
    // The model sends the fix dedented, with a trailing newline, as models often do.
    const [f] = placeComments(
      [
        finding({
          start_line: 4,
          line: 6,
          quote: '    }',
          suggestion: 'if (item.price > 0) {\n  sum += item.price * (1 - discount);\n}\n',
        }),
      ],
      [file],
    );
    expect(f).toMatchObject({ anchor: 'line', start_line: 4, line: 6, side: 'RIGHT' });
    const applied = applySuggestion(AFTER, f!.start_line!, f!.line, f!.suggestion!);
    expect(applied).toBe(AFTER.replace('item.price * discount', 'item.price * (1 - discount)'));
  });

  it('leaves a suggestion that already has the right indentation as it is', () => {
    const text = '    if (item.price > 0) {\n      sum += 1;\n    }';
    expect(fitSuggestion(text, ['    if (item.price > 0) {'])).toBe(text);
    expect(fitSuggestion('a\r\nb\r\n', ['a'])).toBe('a\nb');
  });
});

describe('the numbered rendering', () => {
  const removedHunk = (length: number): Hunk =>
    toFileDiff({
      filename: 'x.ts',
      status: 'modified',
      additions: 1,
      deletions: length,
      patch: [
        `@@ -10,${length + 1} +10,2 @@ class Guard`,
        ' keep',
        ...Array.from({ length }, (_, i) =>
          i === 20
            ? '-function normalizeToLong(addr) {'
            : i === 25
              ? '-  if (!addr) throw new Error()'
              : `-old line ${i}`,
        ),
        '+new',
      ].join('\n'),
    }).hunks[0]!;

  it('numbers every line: added and context lines by the new file, deleted lines by the old file', () => {
    const text = renderHunk(removedHunk(40));
    expect(text.split('\n')).toEqual([
      '@@ class Guard',
      '10 keep',
      ...Array.from({ length: 40 }, (_, i) =>
        i === 20
          ? '31-function normalizeToLong(addr) {'
          : i === 25
            ? '36-  if (!addr) throw new Error()'
            : `${11 + i}-old line ${i}`,
      ),
      '11+new',
    ]);
  });

  it('shows a removed block whole inside the part budget, and outlines it past the budget', () => {
    const hunk = removedHunk(40);
    expect(shortenedRuns([hunk]).size).toBe(0);
    const shortened = shortenedRuns([hunk], 50);
    expect(shortened.size).toBe(1);
    const lines = renderHunk(hunk, 'x.ts', shortened).split('\n');
    expect(lines.slice(1, 12)).toEqual(['10 keep', ...Array.from({ length: 10 }, (_, i) => `${11 + i}-old line ${i}`)]);
    expect(lines.slice(12)).toEqual([
      '… old lines 21–30 not shown (deleted)',
      '31-function normalizeToLong(addr) {',
      '… old lines 32–35 not shown (deleted)',
      '36-  if (!addr) throw new Error()',
      '… old lines 37–47 not shown (deleted)',
      '48-old line 37',
      '49-old line 38',
      '50-old line 39',
      '… (40 deleted lines, old 11–50, shortened; they defined normalizeToLong; the whole block is x.ts at the base commit)',
      '11+new',
    ]);
  });

  it('gives the budget to the smaller blocks first', () => {
    const small = removedHunk(30);
    const large = removedHunk(300);
    const shortened = shortenedRuns([large, small], 1000);
    expect(shortened.has(small.lines[1]!)).toBe(false);
    expect(shortened.has(large.lines[1]!)).toBe(true);
  });
});
