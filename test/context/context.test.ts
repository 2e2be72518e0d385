// The context stage: what code around a change and which definitions it uses reach the prompt, from a real
// git repository (the checkout or the CLI's repository) and from a fake GitHub's trees and blobs API, which
// must give the same context.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexCode } from '../../src/context/code.js';
import { apiHeadFiles, gitHeadFiles, MAX_SEARCH_HITS, worktreeFiles, type HeadFiles } from '../../src/context/files.js';
import { runExploreTool } from '../../src/context/explore.js';
import { fitContext, renderItem, SCORE, type ContextItem } from '../../src/context/items.js';
import { localPullRequest } from '../../src/source/local.js';
import { createOctokit } from '../../src/github/client.js';
import { addContext, makePlan, type ReviewPlan } from '../../src/pipeline/stages.js';
import { parseSettings } from '../../src/settings/settings.js';
import { buildRequest } from '../../src/prompt/prompt.js';
import { FakeGitHub } from '../fakes/github.js';
import { BASE, filesAt, git, headFiles, repository } from '../helpers/repo.js';
import { fakePullRequest } from '../helpers/action.js';
import { stopAfterEach } from '../helpers/cleanup.js';

const settings = parseSettings({ 'api-key': '' });

async function planWith(dir: string, files: HeadFiles): Promise<ReviewPlan> {
  const pr = await localPullRequest({ cwd: dir, base: 'main', head: 'feature' });
  const plan = makePlan(pr, settings, '');
  const warnings: string[] = [];
  const withContext = await addContext(plan, files, (m) => warnings.push(m));
  expect(warnings).toEqual([]);
  return withContext;
}

const items = (plan: ReviewPlan): ContextItem[] => plan.chunks.flatMap((c) => c.context?.items ?? []);

const stopLater = stopAfterEach();

describe('indexing code', () => {
  it('finds scopes, definitions, imports and the names changed lines use in TypeScript, with a real parser', () => {
    const code = indexCode('src/api.ts', headFiles()['src/api.ts'] ?? '');
    expect(code.method).toBe('parser');
    expect(code.imports.get('runQuery')).toEqual({ source: './db', imported: 'runQuery' });
    expect(code.imports.get('audit')).toEqual({ source: './audit.js', imported: '*' });
    const list = code.definitions.find((d) => d.name === 'list');
    expect(list).toMatchObject({ kind: 'method', owner: 'Users', start: 135, end: 147 });
    const uses = code.usesOn(new Set([144, 145, 146]));
    expect(uses.filter((u) => u.call).map((u) => `${u.object ?? ''}.${u.name}`)).toEqual([
      'audit.record',
      'this.check',
      '.runQuery',
    ]);
    // `name` is a parameter, not a definition to look up, but it is read on those lines.
    expect(uses.some((u) => u.name === 'name' && !u.call)).toBe(true);
  });

  it('falls back to headers, braces and indentation for other languages', () => {
    const python = indexCode('tools/clean.py', headFiles()['tools/clean.py'] ?? '');
    expect(python.method).toBe('lines');
    expect(python.scopes).toEqual([{ name: 'clean', start: 3, end: 7 }]);
    expect(python.imports.get('sanitize')).toEqual({ source: 'helpers', imported: 'sanitize' });
    expect(python.usesOn(new Set([6])).map((u) => u.name)).toEqual(['append', 'sanitize']);
    const go = indexCode(
      'server.go',
      [
        'package main',
        '',
        'func (s *Server) Handle(w Writer, r *Request) {',
        '\tif r == nil {',
        '\t\treturn',
        '\t}',
        '\ts.serve(w, r)',
        '}',
        '',
        'const LIMIT = 10',
      ].join('\n'),
    );
    expect(go.definitions).toEqual([
      { name: 'Handle', kind: 'function', start: 3, end: 8 },
      { name: 'LIMIT', kind: 'value', start: 10, end: 10 },
    ]);
  });

  it('survives code it cannot parse', () => {
    const broken = indexCode('a.ts', 'export function f( {\n  return g(\n}\n');
    expect(['parser', 'lines']).toContain(broken.method);
    expect(() => broken.usesOn(new Set([2]))).not.toThrow();
  });
});

describe('the context of a pull request', () => {
  it('shows the enclosing code and the definitions the added lines use, from this file and others', async () => {
    const { dir, head } = repository();
    const plan = await planWith(dir, gitHeadFiles(dir, head));
    const found = items(plan);
    const why = found.map((i) => `${i.path}:${i.start}-${i.end} ${i.why}`);
    expect(why).toContain('src/db.ts:3-7 definition of runQuery, used in src/api.ts');
    expect(why).toContain('src/audit.ts:1-3 definition of record, used in src/api.ts');
    expect(why.some((w) => w.startsWith('src/api.ts:135-147') && w.includes('(list)'))).toBe(true);
    expect(why.some((w) => w.startsWith('tools/helpers.py:1-3 definition of sanitize'))).toBe(true);
    // The definition's body, with its doc comment, is what reaches the prompt.
    const request = buildRequest(plan.prefix, plan.chunks[0] ?? { index: 0, files: [], tokens: 0 }, 1);
    const context = request.user.find((b) => b.text.includes('<code_context>'))?.text ?? '';
    expect(context).toContain('<code_context>');
    expect(context).toContain('6|  return pool.query(sql);');
    expect(context).toContain('3|/** Runs a query as given. */');
    // Lines the diff shows are not repeated as context.
    expect(context).toContain('136|    const step0 = 0;');
    expect(context).not.toMatch(/^14[3-7]\|/m);
    // A symlink in the pull request is never followed.
    expect(await gitHeadFiles(dir, head).read('src/passwd.ts')).toBeUndefined();
    expect(found.some((i) => i.path === 'src/passwd.ts')).toBe(false);
  });

  it('the API at the head commit gives the same context as the checkout, in bounded requests', async () => {
    const { dir, head } = repository();
    const github = await new FakeGitHub(fakePullRequest([])).start();
    stopLater(() => github.stop());
    github.repoFiles[head] = filesAt(dir, head);
    github.repoFiles[head]['src/passwd.link'] = '/etc/passwd';
    const octokit = createOctokit({ token: github.token, baseUrl: github.url, throttle: false });
    const fromApi = await planWith(dir, apiHeadFiles(octokit, { owner: 'octo-org', repo: 'octo-repo', commit: head }));
    const fromCheckout = await planWith(dir, gitHeadFiles(dir, head));
    expect(items(fromApi).length).toBeGreaterThan(3);
    expect(items(fromApi)).toEqual(items(fromCheckout));
    expect(fromApi.chunks.map((c) => c.context?.tokens)).toEqual(fromCheckout.chunks.map((c) => c.context?.tokens));
    // One tree, and each file read once at most.
    expect(github.count('GET', /\/git\/trees\//)).toBe(1);
    const blobs = github.requests.filter((r) => r.path.includes('/git/blobs/')).map((r) => r.path);
    expect(new Set(blobs).size).toBe(blobs.length);
    expect(blobs.length).toBeLessThanOrEqual(Object.keys(github.repoFiles[head]).length);
  });

  it('stops reading through the API at its request budget', async () => {
    const github = await new FakeGitHub(fakePullRequest([])).start();
    stopLater(() => github.stop());
    github.repoFiles.h = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`f${i}.ts`, `export const v${i} = ${i};\n`]),
    );
    const octokit = createOctokit({ token: github.token, baseUrl: github.url, throttle: false });
    const files = apiHeadFiles(octokit, { owner: 'octo-org', repo: 'octo-repo', commit: 'h', maxRequests: 5 });
    const texts = await Promise.all(Array.from({ length: 20 }, (_, i) => files.read(`f${i}.ts`)));
    expect(texts.filter((t) => t !== undefined)).toHaveLength(5);
    expect(github.count('GET', /\/git\/blobs\//)).toBe(5);
    const search = await files.search('v19');
    expect(search.searched).toBe(5);
    expect(search.total).toBe(20);
  });

  it('the CLI reads the working tree, uncommitted changes included', async () => {
    const { dir } = repository();
    writeFileSync(join(dir, 'src/db.ts'), (BASE['src/db.ts'] ?? '').replace('pool.query(sql)', 'pool.query(sql, [])'));
    const plan = await planWith(dir, worktreeFiles(dir));
    const db = items(plan).find((i) => i.path === 'src/db.ts');
    expect(db?.lines.map((l) => l.text)).toContain('  return pool.query(sql, []);');
    expect(await worktreeFiles(dir).read('src/passwd.ts')).toBeUndefined();
    expect(await worktreeFiles(dir).read('../../etc/passwd')).toBeUndefined();
    // Search sees the working tree too, and the commit sees its own text.
    const found = await worktreeFiles(dir).search('pool.query(sql, [])');
    expect(found.hits).toEqual([{ path: 'src/db.ts', line: 6, text: '  return pool.query(sql, []);' }]);
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const atHead = await gitHeadFiles(dir, head).search('pool.query(');
    expect(atHead.hits.map((h) => `${h.path}:${h.line}`)).toEqual(['src/db.ts:6']);
    expect(atHead.hits[0]?.text).toBe('  return pool.query(sql);');
  });

  it('search_code in a checkout is bounded: it stops at its hits and its bytes, and refuses a line break', async () => {
    const { dir } = repository();
    // A 20 MB one-line file that matches, and 5,000 lines that match in another.
    writeFileSync(join(dir, 'data.txt'), `needle ${'x'.repeat(20 * 1024 * 1024)}\n`);
    writeFileSync(join(dir, 'many.txt'), 'needle here\n'.repeat(5000));
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'big');
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    for (const files of [gitHeadFiles(dir, head), worktreeFiles(dir)]) {
      const results = await Promise.all(Array.from({ length: 8 }, () => files.search('needle')));
      for (const result of results) {
        expect(result.hits.length).toBe(MAX_SEARCH_HITS);
        // The huge file is too large to read for context (commit) or kept only as the start of its line.
        const [first, ...rest] = result.hits;
        expect(first!.text.length).toBeLessThanOrEqual(1000);
        expect(rest.every((h) => h.path === 'many.txt' && h.text === 'needle here')).toBe(true);
      }
    }
    const answer = await runExploreTool(gitHeadFiles(dir, head), {
      id: 't1',
      name: 'search_code',
      input: { text: 'needle\n' },
    });
    expect(answer).toMatch(/^error: search_code takes text on one line/);
  });

  it('read_file reads removed code at the base commit when asked, and says when it cannot', async () => {
    const { dir, head } = repository();
    const base = git(dir, 'rev-parse', 'main').trim();
    const read = (input: Record<string, unknown>, atBase?: HeadFiles): Promise<string> =>
      runExploreTool(gitHeadFiles(dir, head), { id: 'r', name: 'read_file', input }, atBase);
    const old = await read(
      { path: 'src/api.ts', start_line: 144, end_line: 144, commit: 'base' },
      gitHeadFiles(dir, base),
    );
    expect(old).toBe(
      'src/api.ts at the base commit, lines 144-144 of 150:\n144|    return runQuery(`SELECT * FROM ${prefix} LIMIT ${limit}`);\n(lines 145-150 not shown)',
    );
    expect(await read({ path: 'src/api.ts', start_line: 144, end_line: 144 })).toMatch(
      /^src\/api\.ts, lines 144-144 of \d+:\n144\| {4}audit\.record\(name\);/,
    );
    expect(await read({ path: 'src/api.ts', commit: 'base' })).toMatch(
      /^error: the base commit cannot be read in this run/,
    );
  });

  it('the plan says how much context each call carries', async () => {
    const { dir, head } = repository();
    const plan = await planWith(dir, gitHeadFiles(dir, head));
    const { planReport } = await import('../../src/publish/plan-report.js');
    const report = planReport(
      plan,
      { usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 }, usd: 0, usdMax: 0, calls: 1, perPart: 'one look' },
      'm',
    );
    expect(report).toMatch(
      /part 1: ~[\d,]+ tokens \+ ~[\d,]+ context \(6 excerpts: 1 enclosing, 4 definitions, 1 rest of the file\)/,
    );
    expect(report).toContain(
      `context: ~${Math.ceil((plan.chunks[0]?.context?.tokens ?? 0) * plan.tokenRatio).toLocaleString('en-US')} tokens of code from the git repository`,
    );
  });
});

describe('fitting context into a chunk', () => {
  const item = (path: string, lines: number, score: number): ContextItem => ({
    path,
    start: 1,
    end: lines,
    lines: Array.from({ length: lines }, (_, i) => ({ n: i + 1, text: `const value${i} = compute(${i});` })),
    why: 'test',
    score,
    forPaths: ['a.ts'],
  });

  it('drops the least useful first, then the largest of equal use', () => {
    const called = item('called.ts', 10, SCORE.definitionCalled);
    const scope = item('scope.ts', 10, SCORE.scope);
    const read = item('read.ts', 10, SCORE.definitionRead);
    const big = item('big.ts', 40, SCORE.definitionCalled);
    const size = (i: ContextItem): number => fitContext([i], Infinity).tokens;
    const fitted = fitContext([read, scope, big, called], size(called) + size(scope) + size(read));
    expect(fitted.items.map((i) => i.path)).toEqual(['called.ts', 'read.ts', 'scope.ts']);
    const tight = fitContext([read, scope, called], size(called) + size(scope));
    expect(tight.items.map((i) => i.path)).toEqual(['called.ts', 'scope.ts']);
    // The enclosing function before what the change calls, and a caller never displaces either.
    const caller = item('caller.ts', 10, SCORE.caller);
    const bigScope = item('scope.ts', 20, SCORE.scope);
    const room = fitContext([caller, called, bigScope], size(bigScope) + size(called));
    expect(room.items.map((i) => i.path)).toEqual(['called.ts', 'scope.ts']);
    const small = fitContext([caller, called, scope], size(scope));
    expect(small.items.map((i) => i.path)).toEqual(['scope.ts']);
    expect(tight.dropped).toBe(1);
    expect(tight.tokens).toBeLessThanOrEqual(size(called) + size(scope));
  });

  it('marks every context line with its number and a bar, and gaps with ⋮', () => {
    const text = renderItem({
      ...item('x.ts', 3, 1),
      end: 9,
      lines: [
        { n: 1, text: 'a' },
        { n: 5, text: 'b' },
      ],
    });
    expect(text).toBe('### x.ts:1-9 (test)\n1|a\n⋮\n5|b\n⋮ (to line 9)');
  });
});
