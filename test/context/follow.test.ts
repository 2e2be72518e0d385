// Context that follows the change: the whole function a hunk touches only part of, the callers of a changed
// function (one hop), and no copy of a manifest or data file. Modelled on a revert of ws's crash fix: the
// guard removed sits in the middle of a long method of a long class, and the hunk runs on into the next one.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitHeadFiles, type HeadFiles } from '../../src/context/files.js';
import { localPullRequest } from '../../src/source/local.js';
import { addContext, makePlan } from '../../src/pipeline/stages.js';
import { parseSettings } from '../../src/settings/settings.js';
import { buildRequest } from '../../src/prompt/prompt.js';
import { planReport } from '../../src/publish/plan-report.js';
import { git, writeAll } from '../helpers/repo.js';

const filler = (name: string, n: number): string[] => [
  `  ${name}() {`,
  ...Array.from({ length: n }, (_, i) => `    this.counter${i} = (this.counter${i} || 0) + ${i};`),
  '  }',
];

function server(guarded: boolean): string {
  return [
    "'use strict';",
    'const keyRegex = /^[+/0-9A-Za-z]{22}==$/;',
    '',
    'class WebSocketServer {',
    ...filler('prepare', 60),
    '  handleUpgrade(req, socket, head, cb) {',
    "    socket.on('error', onSocketError);",
    "    const key = req.headers['sec-websocket-key'];",
    "    const version = +req.headers['sec-websocket-version'];",
    ...Array.from({ length: 20 }, (_, i) => `    const header${i} = req.headers['x-extra-${i}'];`),
    ...Array.from({ length: 20 }, (_, i) => `    this.note${i} = header${i};`),
    ...(guarded
      ? [
          '    if (key === undefined || !keyRegex.test(key)) {',
          "      abortHandshake(socket, 400, 'Invalid key');",
          '      return;',
          '    }',
        ]
      : []),
    '    const digest = key.trim().toLowerCase();',
    '    this.completeUpgrade(digest, version, req, socket, head, cb);',
    '  }',
    '  completeUpgrade(key, version, req, socket, head, cb) {',
    guarded ? '    if (socket.destroyed) return;' : '    socket.resume();',
    '    cb(key, version);',
    '  }',
    ...filler('shutdown', 60),
    '}',
    '',
    'module.exports = WebSocketServer;',
    '',
  ].join('\n');
}

const CALLER = [
  "const WebSocketServer = require('./websocket-server');",
  '',
  'function attach(httpServer) {',
  '  const wss = new WebSocketServer();',
  "  httpServer.on('upgrade', (req, socket, head) => {",
  '    wss.handleUpgrade(req, socket, head, (ws) => ws.ready());',
  '  });',
  '}',
  '',
  'module.exports = attach;',
  '',
].join('\n');

const manifest = (version: string): string =>
  `${JSON.stringify({ name: 'ws', version, dependencies: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`dep-${i}`, '^1.0.0'])) }, null, 2)}\n`;

function wsRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'follow-'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 't@example.com');
  git(dir, 'config', 'user.name', 'T');
  writeAll(dir, {
    'lib/websocket-server.js': server(true),
    'lib/attach.js': CALLER,
    'package.json': manifest('8.17.1'),
  });
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'base');
  git(dir, 'checkout', '-qb', 'feature');
  writeAll(dir, { 'lib/websocket-server.js': server(false), 'package.json': manifest('8.17.0') });
  git(dir, 'commit', '-qam', 'revert the key check');
  return dir;
}

describe('context that follows the change', () => {
  it('holds the whole method the hunk touches part of, the next one, and a caller; no copy of package.json', async () => {
    const dir = wsRepository();
    const pr = await localPullRequest({ cwd: dir, base: 'main', head: 'feature' });
    const plan = await addContext(
      makePlan(pr, parseSettings({ 'api-key': '' }), ''),
      gitHeadFiles(dir, 'feature'),
      () => undefined,
    );
    const items = plan.chunks.flatMap((c) => c.context?.items ?? []);
    const why = items.map((i) => `${i.path}:${i.start}-${i.end} ${i.why}`);
    expect(why.some((w) => w.startsWith('lib/websocket-server.js:') && w.includes('(handleUpgrade)'))).toBe(true);
    expect(why.some((w) => w.includes('(completeUpgrade)'))).toBe(true);
    expect(why).toContain('lib/attach.js:3-8 a caller of handleUpgrade, changed in lib/websocket-server.js');
    expect(items.some((i) => i.path === 'package.json')).toBe(false);
    const request = buildRequest(plan.prefix, plan.chunks[0]!, 1);
    const text = request.user.map((b) => b.text).join('\n');
    // The method's first and last lines, far from the hunk, reach the model; the removed guard is numbered.
    expect(text).toMatch(/^\d+\| {2}handleUpgrade\(req, socket, head, cb\) \{$/m);
    expect(text).toMatch(/^\d+\| {4}socket\.on\('error', onSocketError\);$/m);
    expect(text).toMatch(/^\d+- {4}if \(key === undefined \|\| !keyRegex\.test\(key\)\) \{$/m);
    expect(text).toMatch(/^\d+\| {4}wss\.handleUpgrade\(req, socket, head, \(ws\) => ws\.ready\(\)\);$/m);
    // The plan says what each part's context holds.
    const report = planReport(
      plan,
      { usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 }, usd: 0, usdMax: 0, calls: 1, perPart: 'one look' },
      'm',
    );
    // Each excerpt counted once, by its first kind: the kinds add up to the excerpts.
    expect(report).toMatch(/part 1: .*\(2 excerpts: 1 enclosing, 1 caller\)/);
  });

  it('through the API, looks for callers in the part’s own files only, so the prompt does not depend on what was read first', async () => {
    const dir = wsRepository();
    const pr = await localPullRequest({ cwd: dir, base: 'main', head: 'feature' });
    const git = gitHeadFiles(dir, 'feature');
    const api: HeadFiles = {
      ...git,
      origin: 'a stand-in for the API',
      searchesAll: false,
      search: () => Promise.reject(new Error('search must not be called')),
    };
    const warnings: string[] = [];
    const plan = await addContext(makePlan(pr, parseSettings({ 'api-key': '' }), ''), api, (m) => warnings.push(m));
    expect(warnings).toEqual([]);
    const why = plan.chunks.flatMap((c) => c.context?.items ?? []).map((i) => `${i.path} ${i.why}`);
    expect(why.some((w) => w.includes('(handleUpgrade)'))).toBe(true);
    expect(why.some((w) => w.startsWith('lib/attach.js'))).toBe(false);
  });
});
