import { describe, expect, it } from 'vitest';
import { parseHunks, toFileDiff, type Hunk, type Side } from '../../src/diff/diff.js';

/** The lines a hunk shows on a side: where GitHub accepts a review comment. */
function commentableLines(hunks: readonly Hunk[], side: Side): Set<number> {
  return new Set(hunks.flatMap((h) => h.lines.flatMap((l) => (side === 'RIGHT' ? l.newLine : l.oldLine) ?? [])));
}
import { filterFiles } from '../../src/filter/filter.js';
import { splitGitDiff } from '../../src/source/local.js';
import { linesInPatch } from '../fakes/github.js';
import { semverFiles } from '../helpers/action.js';

const PATCH = [
  '@@ -1,3 +1,4 @@ top',
  ' a',
  '-b',
  '+c',
  '+d',
  ' e',
  '@@ -10,2 +11,2 @@ fn',
  ' x',
  '-y',
  '+z',
  '\\ No newline at end of file',
].join('\n');

describe('diff model', () => {
  it('numbers each line on its side', () => {
    const hunks = parseHunks(PATCH);
    expect(hunks).toHaveLength(2);
    expect(hunks[0]!.lines).toEqual([
      { kind: 'context', oldLine: 1, newLine: 1, text: 'a' },
      { kind: 'del', oldLine: 2, text: 'b' },
      { kind: 'add', newLine: 2, text: 'c' },
      { kind: 'add', newLine: 3, text: 'd' },
      { kind: 'context', oldLine: 3, newLine: 4, text: 'e' },
    ]);
    expect(hunks[1]!.header).toBe('@@ -10,2 +11,2 @@ fn');
  });

  it('drops the "No newline at end of file" marker that parse-diff turns into a line', () => {
    const last = parseHunks(PATCH)[1]!.lines;
    expect(last.map((l) => l.text)).toEqual(['x', 'y', 'z']);
  });

  it('lists commentable lines per side, as GitHub does', () => {
    const hunks = parseHunks(PATCH);
    expect([...commentableLines(hunks, 'RIGHT')]).toEqual([1, 2, 3, 4, 11, 12]);
    expect([...commentableLines(hunks, 'LEFT')]).toEqual([1, 2, 3, 10, 11]);
  });

  it('agrees with an independent reading of every real patch in the fixture', () => {
    for (const file of semverFiles()) {
      const diff = toFileDiff(file);
      const expected = linesInPatch(file.patch);
      expect(commentableLines(diff.hunks, 'RIGHT')).toEqual(expected.RIGHT);
      expect(commentableLines(diff.hunks, 'LEFT')).toEqual(expected.LEFT);
    }
  });

  it('skips deleted, binary and unchanged-rename files with a reason each', () => {
    const files = [
      toFileDiff({ filename: 'a.js', status: 'modified', patch: PATCH, additions: 3, deletions: 2 }),
      toFileDiff({ filename: 'gone.js', status: 'removed', patch: '@@ -1 +0,0 @@\n-x', additions: 0, deletions: 1 }),
      toFileDiff({ filename: 'img.png', status: 'added', additions: 0, deletions: 0 }),
      toFileDiff({ filename: 'new.js', previous_filename: 'old.js', status: 'renamed', additions: 0, deletions: 0 }),
    ];
    const { reviewable, skipped } = filterFiles(files);
    expect(reviewable.map((f) => f.path)).toEqual(['a.js']);
    expect(skipped).toEqual([
      { path: 'gone.js', reason: "deleted (add '!gone.js' to 'exclude' to review it)" },
      { path: 'img.png', reason: 'binary, or too large for GitHub to send a patch' },
      { path: 'new.js', reason: 'renamed without changes' },
    ]);
  });

  it('splits a local git diff into GitHub-shaped files', () => {
    const diff = [
      'diff --git a/src/x.ts b/src/x.ts',
      'index 1111111..2222222 100644',
      '--- a/src/x.ts',
      '+++ b/src/x.ts',
      '@@ -1,2 +1,2 @@',
      ' keep',
      '-old',
      '+new',
      'diff --git a/img.png b/img.png',
      'new file mode 100644',
      'index 0000000..3333333',
      'Binary files /dev/null and b/img.png differ',
      'diff --git a/old.ts b/new.ts',
      'similarity index 100%',
      'rename from old.ts',
      'rename to new.ts',
      'diff --git a/gone.ts b/gone.ts',
      'deleted file mode 100644',
      'index 4444444..0000000',
      '--- a/gone.ts',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-bye',
      '',
    ].join('\n');
    const files = splitGitDiff(diff);
    expect(
      files.map((f) => [f.filename, f.status, f.previous_filename, f.additions, f.deletions, f.patch !== undefined]),
    ).toEqual([
      ['src/x.ts', 'modified', undefined, 1, 1, true],
      ['img.png', 'added', undefined, 0, 0, false],
      ['new.ts', 'renamed', 'old.ts', 0, 0, false],
      ['gone.ts', 'removed', undefined, 0, 1, true],
    ]);
    expect(files[0]!.patch).toBe('@@ -1,2 +1,2 @@\n keep\n-old\n+new');
  });
});
