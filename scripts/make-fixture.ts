// Builds test/fixtures/semver-pr.json: a real 10-file pull request made from the diff between two published
// versions of `semver` (npm pack, unpack, git diff --no-index), in the shape of GitHub's pulls.listFiles,
// plus one binary file (no patch, as GitHub sends it) and one deleted file. Needs the npm registry.
// Run: npx tsx scripts/make-fixture.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitGitDiff } from '../src/source/local.js';

const [from, to] = ['7.5.4', '7.6.3'];
const work = mkdtempSync(join(tmpdir(), 'fixture-'));
for (const version of [from, to]) {
  execFileSync('npm', ['pack', `semver@${version}`, '--silent'], { cwd: work });
  mkdirSync(join(work, version));
  execFileSync('tar', ['xzf', `semver-${version}.tgz`, '-C', version], { cwd: work });
}
let diff = '';
try {
  execFileSync('git', ['diff', '--no-index', '-M', '--no-color', `${from}/package`, `${to}/package`], {
    cwd: work,
    encoding: 'utf8',
    stdio: 'pipe',
  });
} catch (error) {
  diff = (error as { stdout: string }).stdout; // git diff --no-index exits 1 when the trees differ
}
diff = diff.replaceAll(`a/${from}/package/`, 'a/').replaceAll(`b/${to}/package/`, 'b/');
const files = splitGitDiff(diff);
files.push({
  filename: 'docs/logo.png',
  status: 'added',
  previous_filename: undefined,
  patch: undefined,
  additions: 0,
  deletions: 0,
});
files.push({
  filename: 'range.bnf',
  status: 'removed',
  previous_filename: undefined,
  patch:
    "@@ -1,3 +0,0 @@\n-range-set  ::= range ( logical-or range ) *\n-logical-or ::= ( ' ' ) * '||' ( ' ' ) *\n-range      ::= hyphen | simple ( ' ' simple ) * | ''",
  additions: 0,
  deletions: 3,
});
writeFileSync(
  'test/fixtures/semver-pr.json',
  JSON.stringify({ source: `semver ${from} -> ${to} (npm pack + git diff --no-index)`, files }, null, 1) + '\n',
);
console.log(`${files.length} files: ${files.map((f) => f.filename).join(', ')}`);
