// A small repository with a cross-file danger: a changed line that calls a helper whose body (in a file the
// change does not touch) passes SQL text to the driver as it is. Base on main, head on feature.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const BASE: Record<string, string> = {
  'src/db.ts': [
    "import { pool } from './pool';",
    '',
    '/** Runs a query as given. */',
    'export function runQuery(sql: string) {',
    '  // The text goes to the driver as it is: no parameters, no escaping.',
    '  return pool.query(sql);',
    '}',
    '',
    'export const MAX_ROWS = 500;',
    '',
  ].join('\n'),
  'src/pool.ts': 'export const pool = { query: (sql: string) => sql };\n',
  'src/api.ts': [
    "import { runQuery, MAX_ROWS } from './db';",
    "import * as audit from './audit.js';",
    '',
    ...Array.from({ length: 130 }, (_, i) => `// filler line ${i + 1}`),
    'export class Users {',
    '  list(name: string) {',
    ...Array.from({ length: 6 }, (_, i) => `    const step${i} = ${i};`),
    '    const limit = MAX_ROWS;',
    '    const prefix = "users";',
    '    return runQuery(`SELECT * FROM ${prefix} LIMIT ${limit}`);',
    '  }',
    '',
    '  private check(name: string) {',
    '    return name.length > 0;',
    '  }',
    '}',
    '',
  ].join('\n'),
  'src/audit.ts': 'export function record(event: string) {\n  console.log(event);\n}\n',
  'tools/clean.py': [
    'from helpers import sanitize',
    '',
    'def clean(rows):',
    '    out = []',
    '    for row in rows:',
    '        out.append(row)',
    '    return out',
    '',
  ].join('\n'),
  'tools/helpers.py': [
    'def sanitize(value):',
    '    # Only strips spaces: quotes pass through.',
    '    return value.strip()',
    '',
  ].join('\n'),
};

/** The head: the query built from the caller's text, an audit record, a method of the class called; Python too. */
export function headFiles(): Record<string, string> {
  const api = (BASE['src/api.ts'] ?? '').replace(
    '    return runQuery(`SELECT * FROM ${prefix} LIMIT ${limit}`);',
    [
      '    audit.record(name);',
      '    if (!this.check(name)) return [];',
      '    return runQuery("SELECT * FROM users WHERE name = \'" + name + "\'");',
    ].join('\n'),
  );
  const clean = (BASE['tools/clean.py'] ?? '').replace('        out.append(row)', '        out.append(sanitize(row))');
  return { ...BASE, 'src/api.ts': api, 'tools/clean.py': clean };
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, stdio: 'pipe' }).toString();
}

export function writeAll(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

/** A repository with the base on main and the head on feature (plus a symlink out of the repository). */
export function repository(): { dir: string; head: string } {
  const dir = mkdtempSync(join(tmpdir(), 'context-'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 't@example.com');
  git(dir, 'config', 'user.name', 'T');
  writeAll(dir, BASE);
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'base');
  git(dir, 'checkout', '-qb', 'feature');
  writeAll(dir, headFiles());
  symlinkSync('/etc/passwd', join(dir, 'src/passwd.ts'));
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'head');
  return { dir, head: git(dir, 'rev-parse', 'HEAD').trim() };
}

/** The regular files of a commit, as a fake GitHub serves them (`repoFiles[commit]`); symlinks left out. */
export function filesAt(dir: string, commit: string): Record<string, string> {
  return Object.fromEntries(
    git(dir, 'ls-tree', '-r', commit)
      .trim()
      .split('\n')
      .filter((entry) => !entry.startsWith('120000'))
      .map((entry) => entry.slice(entry.indexOf('\t') + 1))
      .map((path) => [path, git(dir, 'show', `${commit}:${path}`)]),
  );
}
