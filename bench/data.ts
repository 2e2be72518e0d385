// Real pull requests for the benchmark: the diff between two published versions of an npm package
// (npm pack A and B, unpack, git diff --no-index -M), in the shape of GitHub's pulls.listFiles.
// Each diff is cached on disk under .cache/bench, so only the first run needs the npm registry.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitGitDiff } from '../src/source/local.js';
import type { ChangedFile, PullRequest } from '../src/core/pull-request.js';

export interface BenchPr {
  label: string;
  name: string;
  from: string;
  to: string;
}

/** About 10, about 100 and 1000+ changed files. */
export const BENCH_PRS: BenchPr[] = [
  { label: '~10 files', name: 'semver', from: '7.5.4', to: '7.6.3' },
  { label: '~100 files', name: 'eslint', from: '8.50.0', to: '8.57.0' },
  { label: '1000+ files', name: 'date-fns', from: '2.29.3', to: '2.30.0' },
];

const CACHE = '.cache/bench';

function unpack(name: string, version: string): string {
  const dir = join(CACHE, `${name.replace('/', '__')}-${version}`);
  if (existsSync(join(dir, 'package'))) return dir;
  mkdirSync(dir, { recursive: true });
  const tarball =
    execFileSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', dir], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop() ?? '';
  execFileSync('tar', ['xzf', join(dir, tarball), '-C', dir]);
  return dir;
}

export function benchFiles(pr: BenchPr): ChangedFile[] {
  const cached = join(CACHE, `${pr.name.replace('/', '__')}-${pr.from}-${pr.to}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as ChangedFile[];
  const a = join(unpack(pr.name, pr.from), 'package');
  const b = join(unpack(pr.name, pr.to), 'package');
  let diff: string;
  try {
    diff = execFileSync('git', ['diff', '--no-index', '-M', '--no-color', a, b], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
  } catch (error) {
    diff = (error as { stdout: string }).stdout; // exit code 1: the trees differ
  }
  diff = diff.replaceAll(`a/${a}/`, 'a/').replaceAll(`b/${b}/`, 'b/');
  const files = splitGitDiff(diff);
  writeFileSync(cached, JSON.stringify(files));
  return files;
}

export function benchPullRequest(pr: BenchPr, files: ChangedFile[] = benchFiles(pr)): PullRequest {
  return {
    owner: 'bench',
    repo: pr.name,
    number: 1,
    title: `Upgrade ${pr.name} from ${pr.from} to ${pr.to}`,
    body: `The changes between the published versions ${pr.from} and ${pr.to} of ${pr.name}.`,
    author: 'bench',
    baseRef: pr.from,
    headRef: pr.to,
    headSha: 'a'.repeat(40),
    baseSha: 'b'.repeat(40),
    draft: false,
    files,
  };
}
